using XorMlNet.Training;

namespace XorMlNet;

public sealed partial class XorMlpEstimator
{
    /// <summary>
    /// Options for <see cref="XorMlpEstimator"/>. The defaults (<see cref="Defaults"/>) learn XOR from any seed; the
    /// notebook's own recipe is <see cref="Notebook"/>.
    /// </summary>
    public sealed class Options
    {
        /// <summary>
        /// The default value of every option, as named constants (ML.NET's convention): the training ones are
        /// <see cref="TrainingDefaults.Recommended"/>'s, declared there; the ML.NET-only ones (column names, feature
        /// normalization, and the trainer's rules for the learning rate of other solvers and wide layers and for L2 on
        /// larger tables) are declared here.
        /// </summary>
        public static class Defaults
        {
            /// <summary>ML.NET's default label column name.</summary>
            public const string LabelColumnName = "Label";

            /// <summary>ML.NET's default feature column name.</summary>
            public const string FeatureColumnName = "Features";

            /// <inheritdoc cref="TrainingDefaults.Recommended.HiddenLayerSize"/>
            public const int HiddenLayerSize = TrainingDefaults.Recommended.HiddenLayerSize;

            /// <inheritdoc cref="TrainingDefaults.Recommended.InitialSeed"/>
            public const int Seed = TrainingDefaults.Recommended.InitialSeed;

            /// <inheritdoc cref="TrainingDefaults.Recommended.InitialWeightScale"/>
            public const double InitialWeightScale = TrainingDefaults.Recommended.InitialWeightScale;

            /// <inheritdoc cref="TrainingDefaults.Recommended.Solver"/>
            public const Solver Solver = TrainingDefaults.Recommended.Solver;

            /// <summary>The learning rate of <see cref="Solver.Momentum"/> (the default solver) when <see cref="Options.LearningRate"/> is null.</summary>
            /// <remarks><inheritdoc cref="TrainingDefaults.Recommended.LearningRate"/></remarks>
            public const double LearningRate = TrainingDefaults.Recommended.LearningRate;

            /// <summary>
            /// The widest hidden layer that Momentum's default learning rate is used for as it is: wider layers get
            /// <see cref="LearningRate"/> · 16 / HiddenLayerSize. The output unit sums H hidden activations, so the step
            /// its gradient takes grows with H; at 4, layers of 48 to 128 units diverge on a 20,000 × 16 table.
            /// </summary>
            public const int LearningRateFullWidth = 16;

            /// <summary>
            /// The learning rate of <see cref="Solver.Adam"/> when <see cref="Options.LearningRate"/> is null: 0.01. Adam's
            /// step is about the learning rate whatever the gradient, so Momentum's 4 throws the sigmoids into saturation
            /// (a test: it diverges). On the real-data benchmark (benchmarks/README.md) Adam at 0.01 gives a mean accuracy of
            /// 0.9689, at 0.001 0.9591 (it underfits the moons in the epoch budget).
            /// </summary>
            public const double AdamLearningRate = 0.01;

            /// <summary>The learning rate of <see cref="Solver.GradientDescent"/> when <see cref="Options.LearningRate"/> is null: the notebook's 0.1.</summary>
            public const double GradientDescentLearningRate = TrainingDefaults.Notebook.LearningRate;

            /// <inheritdoc cref="TrainingDefaults.Recommended.NumberOfEpochs"/>
            public const int NumberOfEpochs = TrainingDefaults.Recommended.NumberOfEpochs;

            /// <inheritdoc cref="TrainingDefaults.Recommended.BatchSize"/>
            public const int BatchSize = TrainingDefaults.Recommended.BatchSize;

            /// <inheritdoc cref="TrainingDefaults.Recommended.Momentum"/>
            public const double Momentum = TrainingDefaults.Recommended.Momentum;

            /// <inheritdoc cref="TrainingDefaults.Recommended.UseNesterov"/>
            public const bool UseNesterov = TrainingDefaults.Recommended.UseNesterov;

            /// <inheritdoc cref="TrainingDefaults.Recommended.Beta1"/>
            public const double Beta1 = TrainingDefaults.Recommended.Beta1;

            /// <inheritdoc cref="TrainingDefaults.Recommended.Beta2"/>
            public const double Beta2 = TrainingDefaults.Recommended.Beta2;

            /// <inheritdoc cref="TrainingDefaults.Recommended.Epsilon"/>
            public const double Epsilon = TrainingDefaults.Recommended.Epsilon;

            /// <summary>
            /// 2e-4 on the standardized features, measured on the real-data benchmark (benchmarks/README.md: 5-fold
            /// cross-validation on seven tables, HiddenLayerSize 16): without it the network fits the training rows down
            /// to the MSE tolerance and overfits (mean accuracy 0.9639 against scikit-learn MLPClassifier's 0.9682,
            /// 3.5 points below it on the XOR blobs with noise columns); 1e-4 gave 0.9712, 2e-4 0.9721, 3e-4 0.9689,
            /// 5e-4 0.9631 and 1e-3 0.9431 (too strong for the moons). Applied when <see cref="Options.L2Regularization"/>
            /// is null (the default) and the table has at least <see cref="L2MinimumRows"/> training rows.
            /// </summary>
            public const double L2Regularization = 2e-4;

            /// <summary>
            /// 100: smaller tables get no default penalty. On XOR's 4 rows 2e-4 holds the weights on the loss-0.25 plateau
            /// (seeds 5, 6, 9, 22, 23, 26, 34, … of 0–99 end there after 10,000 epochs), and a table that small is
            /// meant to be fitted; the benchmark's smallest table has 120 training rows per fold.
            /// </summary>
            public const int L2MinimumRows = 100;

            /// <inheritdoc cref="TrainingDefaults.Recommended.LossTolerance"/>
            public const double LossTolerance = TrainingDefaults.Recommended.LossTolerance;

            /// <inheritdoc cref="TrainingDefaults.Recommended.EpochsWithoutImprovement"/>
            public const int EpochsWithoutImprovement = TrainingDefaults.Recommended.EpochsWithoutImprovement;

            /// <inheritdoc cref="TrainingDefaults.Recommended.ValidationFraction"/>
            public const double ValidationFraction = TrainingDefaults.Recommended.ValidationFraction;

            /// <inheritdoc cref="TrainingDefaults.Recommended.MaxRestarts"/>
            public const int MaxRestarts = TrainingDefaults.Recommended.MaxRestarts;

            /// <inheritdoc cref="TrainingDefaults.Recommended.RestartPatience"/>
            public const int RestartPatience = TrainingDefaults.Recommended.RestartPatience;

            /// <inheritdoc cref="TrainingDefaults.Recommended.RestartMinimumImprovement"/>
            public const double RestartMinimumImprovement = TrainingDefaults.Recommended.RestartMinimumImprovement;

            /// <inheritdoc cref="TrainingDefaults.Recommended.ProgressInterval"/>
            public const int ProgressInterval = TrainingDefaults.Recommended.ProgressInterval;

            /// <summary>
            /// <see cref="FeatureNormalization.Auto"/>: standardize features that no normalizer marked as normalized. On
            /// ML.NET's heart-disease sample (13 raw clinical columns) the network otherwise predicts one class.
            /// </summary>
            public const FeatureNormalization NormalizeFeatures = FeatureNormalization.Auto;
        }

        /// <summary>Name of the label column: <see cref="bool"/>, or <see cref="float"/> in [0, 1].</summary>
        public string LabelColumnName = Defaults.LabelColumnName;

        /// <summary>Name of the feature column: a known-size vector of <see cref="float"/>.</summary>
        /// <remarks>
        /// Sparse columns (ML.NET's <c>FeaturizeText</c>, one-hot encodings) are trained on as they come: when the first
        /// 1,024 rows all arrive as sparse vectors holding on average at most one value in 8 slots, Fit keeps the rows in
        /// compressed form (memory in proportion to the non-zeros, never a dense copy) and computes the first layer over
        /// the non-zeros only, O(nnz·H) per epoch; any other column is read and trained on densely. Both give the same
        /// weights up to float rounding, bit-identical for any <see cref="NumberOfThreads"/>. The sparse layout's
        /// mini-batch steps still update every weight, so on very wide columns prefer batches of several hundred rows
        /// or more. Scoring reads sparse rows over their non-zeros too.
        /// </remarks>
        public string FeatureColumnName = Defaults.FeatureColumnName;

        /// <summary>Number of hidden sigmoid units, H.</summary>
        public int HiddenLayerSize = Defaults.HiddenLayerSize;

        /// <summary>
        /// Whether the trainer standardizes the features (x − mean) / standard deviation, with statistics from the
        /// training rows saved in the model and applied when scoring; see <see cref="FeatureNormalization"/>.
        /// </summary>
        /// <remarks>
        /// Sparse columns (see <see cref="FeatureColumnName"/>) are scaled only, x / √(mean of x²) with offset 0, so that
        /// their zeros stay zero, as ML.NET's <c>NormalizeMeanVariance</c> does with <c>fixZero</c>; the model's
        /// <see cref="XorMlpModelParameters.FeatureOffset"/> then holds zeros.
        /// </remarks>
        public FeatureNormalization NormalizeFeatures = Defaults.NormalizeFeatures;

        /// <inheritdoc cref="TrainingSettings.Solver"/>
        public Solver Solver = Defaults.Solver;

        /// <summary>
        /// Step size of the solver; positive and finite. Null, the default, chooses the solver's own:
        /// <see cref="Defaults.LearningRate"/> (4) for Momentum, scaled by 16 / <see cref="HiddenLayerSize"/> for layers
        /// wider than <see cref="Defaults.LearningRateFullWidth"/>, <see cref="Defaults.AdamLearningRate"/> (0.01) for Adam,
        /// <see cref="Defaults.GradientDescentLearningRate"/> (0.1) for GradientDescent. A fitted model's
        /// <see cref="XorMlpModelParameters.TrainingOptions"/> hold the value used.
        /// </summary>
        public double? LearningRate;

        /// <inheritdoc cref="TrainingSettings.NumberOfEpochs"/>
        public int NumberOfEpochs = Defaults.NumberOfEpochs;

        /// <inheritdoc cref="TrainingSettings.BatchSize"/>
        public int BatchSize = Defaults.BatchSize;

        /// <inheritdoc cref="TrainingSettings.Momentum"/>
        public double Momentum = Defaults.Momentum;

        /// <inheritdoc cref="TrainingSettings.UseNesterov"/>
        public bool UseNesterov = Defaults.UseNesterov;

        /// <inheritdoc cref="TrainingSettings.Beta1"/>
        public double Beta1 = Defaults.Beta1;

        /// <inheritdoc cref="TrainingSettings.Beta2"/>
        public double Beta2 = Defaults.Beta2;

        /// <inheritdoc cref="TrainingSettings.Epsilon"/>
        public double Epsilon = Defaults.Epsilon;

        /// <summary>
        /// λ ≥ 0, the L2 penalty on W1 and W2 (see <see cref="TrainingSettings.L2Regularization"/>). Null, the default,
        /// chooses: <see cref="Defaults.L2Regularization"/> for tables of at least <see cref="Defaults.L2MinimumRows"/>
        /// training rows, 0 below. A fitted model's <see cref="XorMlpModelParameters.TrainingOptions"/> hold the value used.
        /// </summary>
        public double? L2Regularization;

        /// <inheritdoc cref="TrainingSettings.LossTolerance"/>
        public double LossTolerance = Defaults.LossTolerance;

        /// <inheritdoc cref="TrainingSettings.EpochsWithoutImprovement"/>
        /// <remarks>Validation rows come from <c>Fit(trainData, validationData)</c> or from <see cref="ValidationFraction"/>.</remarks>
        public int EpochsWithoutImprovement = Defaults.EpochsWithoutImprovement;

        /// <inheritdoc cref="TrainingSettings.ValidationFraction"/>
        public double ValidationFraction = Defaults.ValidationFraction;

        /// <inheritdoc cref="TrainingSettings.MaxRestarts"/>
        public int MaxRestarts = Defaults.MaxRestarts;

        /// <inheritdoc cref="TrainingSettings.RestartPatience"/>
        public int RestartPatience = Defaults.RestartPatience;

        /// <inheritdoc cref="TrainingSettings.RestartMinimumImprovement"/>
        public double RestartMinimumImprovement = Defaults.RestartMinimumImprovement;

        /// <summary>
        /// Seed of the initial weights (drawn as numpy's <c>np.random.seed(Seed); randn</c>), of restarts and of row
        /// shuffles. It alone decides the result: the MLContext's seed plays no part.
        /// </summary>
        public int Seed = Defaults.Seed;

        /// <summary>Initial weights are N(0, 1) · this scale; biases start at 0.</summary>
        public double InitialWeightScale = Defaults.InitialWeightScale;

        /// <summary>How many epochs between two progress messages (in the MLContext log) and <see cref="Progress"/> calls.</summary>
        public int ProgressInterval = Defaults.ProgressInterval;

        /// <summary>
        /// Threads used for batches of more than 4096 rows; null (the default) uses every core. The weights do not
        /// depend on it: rows are reduced in fixed 4096-row chunks in the same order whatever the thread count. Not
        /// saved with the model, since it does not change what is learnt.
        /// </summary>
        public int? NumberOfThreads;

        /// <summary>Optional callback with each progress report (epoch, losses, elapsed time). Not saved with the model.</summary>
        public Action<TrainingProgress>? Progress;

        /// <summary>Cancels training promptly with <see cref="OperationCanceledException"/>. Not saved with the model.</summary>
        public CancellationToken CancellationToken;

        /// <summary>
        /// The notebook's configuration (<see cref="TrainingDefaults.Notebook"/>): plain full-batch gradient descent,
        /// learning rate 0.1, 400,000 epochs, no tolerance and no restarts, seed 42, two hidden units, N(0, 1)·0.1 initial
        /// weights, no L2, features as they are. It reproduces the notebook's numpy trajectory (in float; the network type
        /// reproduces it in double too).
        /// </summary>
        public static Options Notebook() => new()
        {
            Solver = TrainingDefaults.Notebook.Solver,
            LearningRate = TrainingDefaults.Notebook.LearningRate,
            NumberOfEpochs = TrainingDefaults.Notebook.FullRunEpochs,
            BatchSize = TrainingDefaults.Notebook.BatchSize,
            LossTolerance = TrainingDefaults.Notebook.LossTolerance,
            MaxRestarts = TrainingDefaults.Notebook.MaxRestarts,
            ValidationFraction = TrainingDefaults.Notebook.ValidationFraction,
            Seed = TrainingDefaults.Notebook.InitialSeed,
            HiddenLayerSize = TrainingDefaults.Notebook.HiddenLayerSize,
            InitialWeightScale = TrainingDefaults.Notebook.InitialWeightScale,
            // The notebook feeds XOR's 0/1 inputs to the network as they are.
            NormalizeFeatures = FeatureNormalization.No,
            L2Regularization = TrainingDefaults.Notebook.L2Regularization,
        };

        /// <summary>Largest accepted <see cref="HiddenLayerSize"/>; with d features the network has (d + 2)·H + 1 parameters.</summary>
        internal const int MaxHiddenLayerSize = 1 << 20;

        internal Options Clone() => (Options)MemberwiseClone();

        /// <summary>The learning rate used: <see cref="LearningRate"/>, or the solver's default when it is null.</summary>
        internal double ResolveLearningRate() => LearningRate ?? Solver switch
        {
            Solver.Adam => Defaults.AdamLearningRate,
            Solver.GradientDescent => Defaults.GradientDescentLearningRate,
            _ => Defaults.LearningRate * Math.Min(1, (double)Defaults.LearningRateFullWidth / HiddenLayerSize),
        };

        /// <summary>The L2 penalty used for a table of <paramref name="rows"/> training rows (see <see cref="L2Regularization"/>).</summary>
        internal double ResolveL2(int rows) => L2Regularization ?? (rows >= Defaults.L2MinimumRows ? Defaults.L2Regularization : 0);

        /// <summary>
        /// Whether a table of <paramref name="rows"/> training rows (null when the view does not know) may get an L2
        /// penalty above 0 (see <see cref="ResolveL2"/>): what the background compilation needs to know before the table
        /// is read. Rows that the reader skips can only make it queue L2 for nothing.
        /// </summary>
        internal bool MayUseL2(long? rows) => rows is long known ? ResolveL2((int)Math.Min(known, int.MaxValue)) > 0 : L2Regularization is not 0;

        /// <summary>Checks every option once, throwing <see cref="ArgumentOutOfRangeException"/> named after the one at fault.</summary>
        internal void Validate()
        {
            CheckName(LabelColumnName, nameof(LabelColumnName));
            CheckName(FeatureColumnName, nameof(FeatureColumnName));
            if (string.Equals(LabelColumnName, FeatureColumnName, StringComparison.Ordinal))
            {
                throw new ArgumentOutOfRangeException(nameof(LabelColumnName), LabelColumnName,
                    "LabelColumnName and FeatureColumnName must name different columns.");
            }
            if (HiddenLayerSize < 1 || HiddenLayerSize > MaxHiddenLayerSize)
            {
                throw new ArgumentOutOfRangeException(nameof(HiddenLayerSize), HiddenLayerSize,
                    $"HiddenLayerSize must be between 1 and {MaxHiddenLayerSize}.");
            }
            if (NumberOfThreads < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(NumberOfThreads), NumberOfThreads, "NumberOfThreads must be at least 1, or null for every core.");
            }
            if (!Enum.IsDefined(NormalizeFeatures))
            {
                throw new ArgumentOutOfRangeException(nameof(NormalizeFeatures), NormalizeFeatures, "NormalizeFeatures must be Auto, Yes or No.");
            }
            if (Seed < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(Seed), Seed, "Seed must be non-negative (numpy's seeds are 0 … 2³² − 1).");
            }
            // The training options carry the same names as TrainingSettings, which checks them.
            ToTrainingSettings(progress: null).Validate();
        }

        internal TrainingSettings ToTrainingSettings(Action<TrainingProgress>? progress) => new()
        {
            Solver = Solver,
            LearningRate = ResolveLearningRate(),
            NumberOfEpochs = NumberOfEpochs,
            BatchSize = BatchSize,
            Momentum = Momentum,
            UseNesterov = UseNesterov,
            Beta1 = Beta1,
            Beta2 = Beta2,
            Epsilon = Epsilon,
            // Null (resolved by Fit with ResolveL2) is checked as 0, which is valid.
            L2Regularization = L2Regularization ?? 0,
            LossTolerance = LossTolerance,
            EpochsWithoutImprovement = EpochsWithoutImprovement,
            ValidationFraction = ValidationFraction,
            MaxRestarts = MaxRestarts,
            RestartPatience = RestartPatience,
            RestartMinimumImprovement = RestartMinimumImprovement,
            InitialWeightScale = InitialWeightScale,
            Seed = (uint)Seed,
            Progress = progress,
            ProgressInterval = ProgressInterval,
            NumberOfThreads = NumberOfThreads ?? 0, // TrainingSettings' way of saying "every core"
            CancellationToken = CancellationToken,
        };

        private static void CheckName(string? name, string option)
        {
            if (name is null)
            {
                throw new ArgumentNullException(option, $"{option} must name a column.");
            }
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new ArgumentOutOfRangeException(option, name, $"{option} must name a column, not be empty.");
            }
        }
    }
}
