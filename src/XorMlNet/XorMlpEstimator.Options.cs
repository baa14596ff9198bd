using XorMlNet.Persistence;
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
        /// <summary>The default value of every option, as named constants.</summary>
        public static class Defaults
        {
            /// <summary>ML.NET's default label column name.</summary>
            public const string LabelColumnName = "Label";

            /// <summary>ML.NET's default feature column name.</summary>
            public const string FeatureColumnName = "Features";

            /// <summary>The notebook's two hidden units, enough for XOR.</summary>
            public const int HiddenLayerSize = 2;

            /// <summary>The notebook's seed.</summary>
            public const int Seed = 42;

            /// <summary>The notebook's initialisation, N(0, 1) · 0.1.</summary>
            public const double InitialWeightScale = 0.1;

            /// <inheritdoc cref="TrainingDefaults.Solver"/>
            public const Solver Solver = TrainingDefaults.Solver;

            /// <summary>The learning rate of <see cref="Solver.Momentum"/> (the default solver) when <see cref="Options.LearningRate"/> is null.</summary>
            /// <remarks><inheritdoc cref="TrainingDefaults.LearningRate"/></remarks>
            public const double LearningRate = TrainingDefaults.LearningRate;

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
            public const double GradientDescentLearningRate = 0.1;

            /// <inheritdoc cref="TrainingDefaults.NumberOfEpochs"/>
            public const int NumberOfEpochs = TrainingDefaults.NumberOfEpochs;

            /// <inheritdoc cref="TrainingDefaults.BatchSize"/>
            public const int BatchSize = TrainingDefaults.BatchSize;

            /// <inheritdoc cref="TrainingDefaults.Momentum"/>
            public const double Momentum = TrainingDefaults.Momentum;

            /// <inheritdoc cref="TrainingDefaults.UseNesterov"/>
            public const bool UseNesterov = TrainingDefaults.UseNesterov;

            /// <inheritdoc cref="TrainingDefaults.Beta1"/>
            public const double Beta1 = TrainingDefaults.Beta1;

            /// <inheritdoc cref="TrainingDefaults.Beta2"/>
            public const double Beta2 = TrainingDefaults.Beta2;

            /// <inheritdoc cref="TrainingDefaults.Epsilon"/>
            public const double Epsilon = TrainingDefaults.Epsilon;

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

            /// <inheritdoc cref="TrainingDefaults.LossTolerance"/>
            public const double LossTolerance = TrainingDefaults.LossTolerance;

            /// <inheritdoc cref="TrainingDefaults.EpochsWithoutImprovement"/>
            public const int EpochsWithoutImprovement = TrainingDefaults.EpochsWithoutImprovement;

            /// <inheritdoc cref="TrainingDefaults.ValidationFraction"/>
            public const double ValidationFraction = TrainingDefaults.ValidationFraction;

            /// <inheritdoc cref="TrainingDefaults.MaxRestarts"/>
            public const int MaxRestarts = TrainingDefaults.MaxRestarts;

            /// <inheritdoc cref="TrainingDefaults.RestartPatience"/>
            public const int RestartPatience = TrainingDefaults.RestartPatience;

            /// <inheritdoc cref="TrainingDefaults.RestartMinimumImprovement"/>
            public const double RestartMinimumImprovement = TrainingDefaults.RestartMinimumImprovement;

            /// <summary>How many epochs between two progress messages and callbacks.</summary>
            public const int ProgressInterval = TrainingDefaults.ProgressInterval;

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
        /// The notebook's configuration: plain full-batch gradient descent, learning rate 0.1, 400,000 epochs, no
        /// tolerance and no restarts, seed 42, two hidden units, N(0, 1)·0.1 initial weights, no L2, features as they are. It reproduces the
        /// notebook's numpy trajectory (in float; the network type reproduces it in double too).
        /// </summary>
        public static Options Notebook() => new()
        {
            Solver = Solver.GradientDescent,
            LearningRate = 0.1,
            NumberOfEpochs = 400_000,
            BatchSize = 0,
            LossTolerance = 0,
            MaxRestarts = 0,
            ValidationFraction = 0,
            Seed = 42,
            HiddenLayerSize = 2,
            InitialWeightScale = 0.1,
            NormalizeFeatures = FeatureNormalization.No,
            L2Regularization = 0,
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
            NumberOfThreads = NumberOfThreads ?? 0,
            CancellationToken = CancellationToken,
        };

        /// <summary>The options saved with a model, in this order (docs/model-format.md); callbacks and tokens are not.</summary>
        private static readonly SavedOption[] SavedOptions =
        [
            SavedOption.Text(nameof(LabelColumnName), o => o.LabelColumnName, (o, v) => o.LabelColumnName = v),
            SavedOption.Text(nameof(FeatureColumnName), o => o.FeatureColumnName, (o, v) => o.FeatureColumnName = v),
            SavedOption.Int32(nameof(HiddenLayerSize), o => o.HiddenLayerSize, (o, v) => o.HiddenLayerSize = v),
            SavedOption.Int32(nameof(Solver), o => (int)o.Solver, (o, v) => o.Solver = (Solver)v),
            SavedOption.Float64(nameof(LearningRate), o => o.ResolveLearningRate(), (o, v) => o.LearningRate = v),
            SavedOption.Int32(nameof(NumberOfEpochs), o => o.NumberOfEpochs, (o, v) => o.NumberOfEpochs = v),
            SavedOption.Int32(nameof(BatchSize), o => o.BatchSize, (o, v) => o.BatchSize = v),
            SavedOption.Float64(nameof(Momentum), o => o.Momentum, (o, v) => o.Momentum = v),
            SavedOption.Boolean(nameof(UseNesterov), o => o.UseNesterov, (o, v) => o.UseNesterov = v),
            SavedOption.Float64(nameof(Beta1), o => o.Beta1, (o, v) => o.Beta1 = v),
            SavedOption.Float64(nameof(Beta2), o => o.Beta2, (o, v) => o.Beta2 = v),
            SavedOption.Float64(nameof(Epsilon), o => o.Epsilon, (o, v) => o.Epsilon = v),
            // A model's options hold the λ used (ResolveL2), never null.
            SavedOption.Float64(nameof(L2Regularization), o => o.L2Regularization ?? 0, (o, v) => o.L2Regularization = v),
            SavedOption.Float64(nameof(LossTolerance), o => o.LossTolerance, (o, v) => o.LossTolerance = v),
            SavedOption.Int32(nameof(EpochsWithoutImprovement), o => o.EpochsWithoutImprovement, (o, v) => o.EpochsWithoutImprovement = v),
            SavedOption.Float64(nameof(ValidationFraction), o => o.ValidationFraction, (o, v) => o.ValidationFraction = v),
            SavedOption.Int32(nameof(MaxRestarts), o => o.MaxRestarts, (o, v) => o.MaxRestarts = v),
            SavedOption.Int32(nameof(RestartPatience), o => o.RestartPatience, (o, v) => o.RestartPatience = v),
            SavedOption.Float64(nameof(RestartMinimumImprovement), o => o.RestartMinimumImprovement, (o, v) => o.RestartMinimumImprovement = v),
            SavedOption.Int32(nameof(Seed), o => o.Seed, (o, v) => o.Seed = v),
            SavedOption.Float64(nameof(InitialWeightScale), o => o.InitialWeightScale, (o, v) => o.InitialWeightScale = v),
            SavedOption.Int32(nameof(ProgressInterval), o => o.ProgressInterval, (o, v) => o.ProgressInterval = v),
            SavedOption.Int32(nameof(NormalizeFeatures), o => (int)o.NormalizeFeatures, (o, v) => o.NormalizeFeatures = (FeatureNormalization)v),
        ];

        /// <summary>Writes the saved options as a count of (name, kind, value) records; see docs/model-format.md.</summary>
        internal void WriteTo(PayloadWriter writer)
        {
            writer.WriteInt32(SavedOptions.Length);
            foreach (SavedOption option in SavedOptions)
            {
                writer.WriteString(option.Name);
                writer.WriteByte(option.Kind);
                option.Write(this, writer);
            }
        }

        /// <summary>
        /// Reads what <see cref="WriteTo"/> wrote. Options missing from the file keep their defaults; an unknown name,
        /// a wrong kind, a repeated name or a value that fails validation is corruption.
        /// </summary>
        /// <param name="reader">The payload, positioned at the option count.</param>
        /// <param name="missingNormalization">What NormalizeFeatures is when the file does not save it: files of format
        /// 0x00010001 predate the option and were trained on the features as they are.</param>
        internal static Options ReadFrom(ref PayloadReader reader, FeatureNormalization missingNormalization)
        {
            var options = new Options { NormalizeFeatures = missingNormalization };
            var seen = new HashSet<string>(StringComparer.Ordinal);
            int count = reader.ReadCount("OptionCount", sizeof(int) + 1);
            for (int k = 0; k < count; k++)
            {
                string name = reader.ReadString("OptionName");
                byte kind = reader.ReadByte($"{name}.Kind");
                SavedOption option = Array.Find(SavedOptions, o => o.Name == name) ?? throw reader.Fail($"option '{name}' is unknown");
                if (!seen.Add(name))
                {
                    throw reader.Fail($"option '{name}' appears twice");
                }
                if (kind != option.Kind)
                {
                    throw reader.Fail($"option '{name}' has kind {kind}, expected {option.Kind}");
                }
                option.Read(options, ref reader);
            }
            try
            {
                options.Validate();
            }
            catch (ArgumentException ex)
            {
                throw reader.Fail($"saved option {ex.ParamName} is invalid ({ex.Message})");
            }
            return options;
        }

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

        /// <summary>One saved option: its name, its kind byte, and how to write and read its value.</summary>
        private sealed class SavedOption
        {
            private const byte Int32Kind = 1, Float64Kind = 2, BooleanKind = 3, TextKind = 4;

            private readonly Action<Options, PayloadWriter> _write;
            private readonly ReadValue _read;

            private SavedOption(string name, byte kind, Action<Options, PayloadWriter> write, ReadValue read)
            {
                Name = name;
                Kind = kind;
                _write = write;
                _read = read;
            }

            private delegate void ReadValue(Options options, ref PayloadReader reader);

            public string Name { get; }

            public byte Kind { get; }

            public void Write(Options options, PayloadWriter writer) => _write(options, writer);

            public void Read(Options options, ref PayloadReader reader) => _read(options, ref reader);

            public static SavedOption Int32(string name, Func<Options, int> get, Action<Options, int> set)
                => new(name, Int32Kind, (o, w) => w.WriteInt32(get(o)), (Options o, ref PayloadReader r) => set(o, r.ReadInt32(name)));

            public static SavedOption Float64(string name, Func<Options, double> get, Action<Options, double> set)
                => new(name, Float64Kind, (o, w) => w.WriteDouble(get(o)), (Options o, ref PayloadReader r) => set(o, r.ReadDouble(name)));

            public static SavedOption Boolean(string name, Func<Options, bool> get, Action<Options, bool> set)
                => new(name, BooleanKind, (o, w) => w.WriteByte(get(o) ? (byte)1 : (byte)0), (Options o, ref PayloadReader r) =>
                {
                    byte value = r.ReadByte(name);
                    set(o, value == 1 ? true : value == 0 ? false : throw r.Fail($"option '{name}' holds {value}, not a Boolean"));
                });

            public static SavedOption Text(string name, Func<Options, string> get, Action<Options, string> set)
                => new(name, TextKind, (o, w) => w.WriteString(get(o)), (Options o, ref PayloadReader r) => set(o, r.ReadString(name)));
        }
    }
}
