using XorMlNet.Simd;

namespace XorMlNet.Training;

/// <summary>
/// How <see cref="NetworkTrainer"/> trains a network. ML.NET-free; the estimator maps its options onto this.
/// </summary>
/// <remarks>
/// <para>
/// A <c>new TrainingSettings()</c> is the notebook's plain loop (<see cref="TrainingDefaults.Notebook"/>): full-batch
/// gradient descent at learning rate 0.1 for 1000 epochs, no tolerance, no restarts, no validation — so that code
/// written against the original trainer keeps its exact numbers (the golden numpy trajectory). <see cref="Defaults"/>
/// is the configuration that learns well (<see cref="TrainingDefaults.Recommended"/>); change single values with
/// <c>with</c>: <c>TrainingSettings.Defaults with { Seed = 7 }</c>. Every property's default is one of those constants.
/// </para>
/// <para>
/// Loss convention: the training loss is the mean squared error over the training rows plus, with
/// <see cref="L2Regularization"/> λ &gt; 0, the penalty λ/2 · (‖W1‖² + ‖W2‖²) on the weights (biases are not
/// penalised), so the gradient gains λ·W. The validation loss is the plain mean squared error.
/// </para>
/// </remarks>
public sealed record TrainingSettings
{
    /// <summary>The settings of <see cref="TrainingDefaults.Recommended"/>, the ones that learn; a new instance each time.</summary>
    public static TrainingSettings Defaults => new()
    {
        Solver = TrainingDefaults.Recommended.Solver,
        LearningRate = TrainingDefaults.Recommended.LearningRate,
        NumberOfEpochs = TrainingDefaults.Recommended.NumberOfEpochs,
        BatchSize = TrainingDefaults.Recommended.BatchSize,
        Momentum = TrainingDefaults.Recommended.Momentum,
        UseNesterov = TrainingDefaults.Recommended.UseNesterov,
        Beta1 = TrainingDefaults.Recommended.Beta1,
        Beta2 = TrainingDefaults.Recommended.Beta2,
        Epsilon = TrainingDefaults.Recommended.Epsilon,
        L2Regularization = TrainingDefaults.Recommended.L2Regularization,
        LossTolerance = TrainingDefaults.Recommended.LossTolerance,
        EpochsWithoutImprovement = TrainingDefaults.Recommended.EpochsWithoutImprovement,
        ValidationFraction = TrainingDefaults.Recommended.ValidationFraction,
        MaxRestarts = TrainingDefaults.Recommended.MaxRestarts,
        RestartPatience = TrainingDefaults.Recommended.RestartPatience,
        RestartMinimumImprovement = TrainingDefaults.Recommended.RestartMinimumImprovement,
        InitialWeightScale = TrainingDefaults.Recommended.InitialWeightScale,
        Seed = TrainingDefaults.Recommended.Seed,
        ProgressInterval = TrainingDefaults.Recommended.ProgressInterval,
        NumberOfThreads = TrainingDefaults.Recommended.NumberOfThreads,
    };

    /// <summary>How the gradient becomes an update. The notebook's <see cref="Solver.GradientDescent"/> unless set.</summary>
    public Solver Solver { get; init; } = TrainingDefaults.Notebook.Solver;

    /// <summary>Step size of every solver; must be positive and finite. 0.1, the notebook's, unless set.</summary>
    public double LearningRate { get; init; } = TrainingDefaults.Notebook.LearningRate;

    /// <summary>Maximum number of passes over the training rows, counted over all restarts; at least 1.</summary>
    public int NumberOfEpochs { get; init; } = TrainingDefaults.Notebook.NumberOfEpochs;

    /// <summary>
    /// Rows per update. 0 (or any value ≥ the number of training rows) is full batch: one update per epoch on the
    /// exact gradient, rows in their given order. Smaller values shuffle the row order every epoch (seeded from
    /// <see cref="Seed"/>) and update after each batch, with dL/dŷ = 2/(batch rows) · (ŷ − y).
    /// </summary>
    public int BatchSize { get; init; } = TrainingDefaults.Notebook.BatchSize;

    /// <summary>μ in [0, 1) for <see cref="Solver.Momentum"/>; ignored by the other solvers.</summary>
    public double Momentum { get; init; } = TrainingDefaults.Notebook.Momentum;

    /// <summary>Nesterov's variant of <see cref="Solver.Momentum"/>; ignored by the other solvers.</summary>
    public bool UseNesterov { get; init; } = TrainingDefaults.Notebook.UseNesterov;

    /// <summary>Adam's decay of the first moment, in [0, 1).</summary>
    public double Beta1 { get; init; } = TrainingDefaults.Notebook.Beta1;

    /// <summary>Adam's decay of the second moment, in [0, 1).</summary>
    public double Beta2 { get; init; } = TrainingDefaults.Notebook.Beta2;

    /// <summary>Adam's ε, added to √v̂ so that a zero gradient gives a zero step; positive.</summary>
    public double Epsilon { get; init; } = TrainingDefaults.Notebook.Epsilon;

    /// <summary>
    /// λ ≥ 0: adds λ·W to the gradient of the weights W1 and W2 (not the biases) and λ/2 · ‖W‖² to the reported
    /// training loss. Keeps weights small, which smooths the decision surface on noisy tables.
    /// </summary>
    public double L2Regularization { get; init; } = TrainingDefaults.Notebook.L2Regularization;

    /// <summary>
    /// Stop as soon as an epoch's training MSE is below this (<see cref="StopReason.LossToleranceReached"/>);
    /// 0 turns the rule off. The MSE compared is the one recorded in <see cref="TrainingResult.TrainingLoss"/> without
    /// the L2 penalty, so that regularised weights, which never reach a zero penalty, can still meet it.
    /// </summary>
    public double LossTolerance { get; init; } = TrainingDefaults.Notebook.LossTolerance;

    /// <summary>
    /// Early-stopping patience, used only when there are validation rows: training stops
    /// (<see cref="StopReason.EarlyStopping"/>) when the validation loss has not reached a new minimum for this many
    /// epochs, and the network is given back the weights of the best validation epoch (also when training instead
    /// runs out of epochs). Any decrease counts as an improvement, so a slow but steady descent (a plateau being
    /// crossed) never stops early. After a restart the count starts afresh against the new attempt's own minimum, so
    /// a fresh draw is not cut short for not beating an earlier attempt at once; the weights given back are still the
    /// best of all attempts. 0 turns early stopping off (validation losses are still recorded).
    /// </summary>
    public int EpochsWithoutImprovement { get; init; } = TrainingDefaults.Notebook.EpochsWithoutImprovement;

    /// <summary>
    /// In [0, 1). When no validation rows are passed to <see cref="NetworkTrainer"/> and this is positive, it holds
    /// out round(fraction · N) rows (halves away from zero) for validation: the first ones of a seeded random
    /// permutation of the rows; the others are trained on. Both sides must get at least one row. Ignored when
    /// validation rows are passed.
    /// </summary>
    public double ValidationFraction { get; init; } = TrainingDefaults.Notebook.ValidationFraction;

    /// <summary>
    /// How many times a stalled attempt may be abandoned for freshly drawn weights; 0 (the notebook's) turns
    /// restarts off. An attempt has stalled when, for <see cref="RestartPatience"/> epochs, its training loss has
    /// not gone below (1 − <see cref="RestartMinimumImprovement"/>) times the last loss that counted as progress,
    /// and training has not otherwise stopped. The new weights are
    /// <see cref="XorMlNet.Network.TwoLayerNetwork{T}.InitializeNormal"/> draws with <see cref="InitialWeightScale"/>
    /// from <c>NumpyRandom(Seed)</c>, continuing past the draw of the initial weights (so with the network
    /// initialised from the same seed, attempt k has the k-th draw of numpy's stream); the solver state is reset.
    /// Epochs and loss histories run on across attempts. If training ends on <see cref="NumberOfEpochs"/> without
    /// early stopping more than 1 % above the lowest training loss of any epoch of any attempt, the network is given
    /// the weights of that epoch (with early stopping, those of the best validation epoch of any attempt).
    /// Why: sigmoid networks this small have local minima and long plateaus that depend on the draw (XOR: ~1 seed in 100
    /// with the defaults, plus plateaus of very different lengths); a new draw is far cheaper than waiting.
    /// </summary>
    public int MaxRestarts { get; init; } = TrainingDefaults.Notebook.MaxRestarts;

    /// <summary>Epochs without enough training-loss progress before an attempt counts as stalled; at least 1.</summary>
    public int RestartPatience { get; init; } = TrainingDefaults.Notebook.RestartPatience;

    /// <summary>Relative decrease of the training loss, in [0, 1), that counts as progress for the restart rule.</summary>
    public double RestartMinimumImprovement { get; init; } = TrainingDefaults.Notebook.RestartMinimumImprovement;

    /// <summary>Scale of the weights drawn at a restart; positive. The notebook's 0.1 unless set.</summary>
    public double InitialWeightScale { get; init; } = TrainingDefaults.Notebook.InitialWeightScale;

    /// <summary>
    /// Seed of everything random in training. Restarts draw from <c>NumpyRandom(Seed)</c> (pass the seed the
    /// network was initialised with); row shuffles and the validation split use a separate generator derived from it.
    /// Same settings and seed give bit-identical weights.
    /// </summary>
    public uint Seed { get; init; } = TrainingDefaults.Notebook.Seed;

    /// <summary>Called every <see cref="ProgressInterval"/> epochs and after the last one; may be null.</summary>
    public Action<TrainingProgress>? Progress { get; init; }

    /// <summary>How many epochs between two <see cref="Progress"/> calls; at least 1.</summary>
    public int ProgressInterval { get; init; } = TrainingDefaults.Notebook.ProgressInterval;

    /// <summary>
    /// Checked before every block of at most 1024 rows (by whichever thread trains on it), so even a huge epoch stops promptly; cancellation throws
    /// <see cref="OperationCanceledException"/> and leaves the network with its weights of that moment.
    /// </summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>
    /// Most threads a <see cref="float"/> training run uses for a batch (or validation pass) of more than 4096 rows;
    /// 0, the default, means <see cref="Environment.ProcessorCount"/>. The rows are cut into chunks of 4096 whatever this
    /// is, and the chunks' gradients are summed in row order, so the weights are bit-identical for every value.
    /// </summary>
    public int NumberOfThreads { get; init; } = TrainingDefaults.Notebook.NumberOfThreads;

    /// <summary>
    /// Forces <see cref="float"/> training onto the generic reference kernels of <see cref="XorMlNet.Network.TwoLayerNetwork{T}"/>
    /// (for tests that compare the fast kernels with them). <see cref="double"/> training always uses them.
    /// </summary>
    internal bool UseReferenceKernels { get; init; }

    /// <summary>Lane implementation of the fast kernels; <see cref="LaneWidth.Auto"/> picks the widest accelerated (for tests).</summary>
    internal LaneWidth LaneWidth { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> (named after the property) for any value out of range.</summary>
    internal void Validate()
    {
        if (!Enum.IsDefined(Solver))
        {
            throw new ArgumentOutOfRangeException(nameof(Solver), Solver, "Unknown solver.");
        }
        Positive(LearningRate, nameof(LearningRate));
        ArgumentOutOfRangeException.ThrowIfLessThan(NumberOfEpochs, 1, nameof(NumberOfEpochs));
        ArgumentOutOfRangeException.ThrowIfNegative(BatchSize, nameof(BatchSize));
        UnitInterval(Momentum, nameof(Momentum));
        UnitInterval(Beta1, nameof(Beta1));
        UnitInterval(Beta2, nameof(Beta2));
        Positive(Epsilon, nameof(Epsilon));
        NonNegative(L2Regularization, nameof(L2Regularization));
        NonNegative(LossTolerance, nameof(LossTolerance));
        ArgumentOutOfRangeException.ThrowIfNegative(EpochsWithoutImprovement, nameof(EpochsWithoutImprovement));
        UnitInterval(ValidationFraction, nameof(ValidationFraction));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRestarts, nameof(MaxRestarts));
        ArgumentOutOfRangeException.ThrowIfLessThan(RestartPatience, 1, nameof(RestartPatience));
        UnitInterval(RestartMinimumImprovement, nameof(RestartMinimumImprovement));
        Positive(InitialWeightScale, nameof(InitialWeightScale));
        ArgumentOutOfRangeException.ThrowIfLessThan(ProgressInterval, 1, nameof(ProgressInterval));
        ArgumentOutOfRangeException.ThrowIfNegative(NumberOfThreads, nameof(NumberOfThreads));

        static void Positive(double value, string name)
        {
            if (!(value > 0 && double.IsFinite(value)))
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive and finite.");
            }
        }

        static void NonNegative(double value, string name)
        {
            if (!(value >= 0 && double.IsFinite(value)))
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be zero or positive, and finite.");
            }
        }

        static void UnitInterval(double value, string name)
        {
            if (!(value >= 0 && value < 1))
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1).");
            }
        }
    }
}
