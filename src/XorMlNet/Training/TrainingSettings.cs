using XorMlNet.Simd;

namespace XorMlNet.Training;

/// <summary>
/// The recommended settings: the ones that learn XOR from the notebook's initialisation for every seed, quickly.
/// They are constants so that the ML.NET options and the catalog's optional parameters can use them as defaults.
/// <see cref="TrainingSettings.Defaults"/> is a <see cref="TrainingSettings"/> holding all of them.
/// </summary>
/// <remarks>
/// <para>
/// Why these: from the notebook's small initial weights the 2-2-1 network starts on a plateau (MSE ≈ 0.25) whose
/// length depends heavily on the draw, and a few draws lead to local minima (MSE ≈ 0.125 or ≈ 0.167). Plain gradient
/// descent at 0.1 needs ~350,000 epochs. Adam without restarts fails to learn XOR in 10,000 epochs for 38–83 % of the
/// seeds at the learning rates tried (0.005–0.2), most of them in the 0.167 minimum at the larger rates (61 % of seeds
/// at 0.2). Heavy-ball momentum 0.9 at learning rate 4 crosses it in a few
/// hundred epochs and misses about 1 seed in 100; restarting an attempt that has stalled for 1000 epochs rescues
/// those and cuts the plateau's long tail.
/// </para>
/// <para>
/// Measured (<c>new NumpyRandom(seed)</c>, scale 0.1, XOR's raw 0/1 inputs, seeds 0–999, float and double alike):
/// 1000/1000 end with 4/4 right and MSE &lt; 0.001; epochs median 516, 90th percentile 1585, max 5309 (5308 in
/// double); at most 4 restarts. Through the estimator, which standardizes the inputs: median 282 epochs. The command,
/// which prints these and the Adam figures: <c>dotnet run -c Release --project benchmarks/XorMlNet.Benchmarks -- sweep</c>.
/// On a d = 8, 512-row table with 8 or 32 hidden units the same settings are stable too.
/// </para>
/// </remarks>
public static class TrainingDefaults
{
    /// <summary>Initial weights are standard normal draws times this: the notebook's 0.1.</summary>
    public const double InitialWeightScale = 0.1;

    /// <summary>Heavy-ball momentum: on XOR it avoids the local minimum that traps Adam (see the remarks).</summary>
    public const Solver Solver = XorMlNet.Solver.Momentum;

    /// <summary>
    /// 4: with momentum 0.9 the effective step is 40, which the sigmoids' small curvature (σ′ ≤ 1/4 on both layers,
    /// MSE over the batch) tolerates; XOR's plateau is crossed ~40× faster than at the notebook's 0.1. Rates 3 and 5
    /// work nearly as well; 8 starts to fall into local minima.
    /// </summary>
    public const double LearningRate = 4;

    /// <summary>
    /// Upper bound on epochs, counted over all restarts: about twice the worst XOR fit seen (5308 epochs over
    /// 1000 seeds). Fits that reach <see cref="LossTolerance"/> stop long before.
    /// </summary>
    public const int NumberOfEpochs = 10_000;

    /// <summary>0: full batch, as in the notebook (every epoch is one step on the exact gradient).</summary>
    public const int BatchSize = 0;

    /// <summary>Momentum coefficient μ for <see cref="Solver.Momentum"/>: the usual 0.9.</summary>
    public const double Momentum = 0.9;

    /// <summary>Plain heavy-ball momentum: Nesterov's variant measured the same on XOR.</summary>
    public const bool UseNesterov = false;

    /// <summary>Adam's β1, the usual 0.9.</summary>
    public const double Beta1 = 0.9;

    /// <summary>Adam's β2, the usual 0.999.</summary>
    public const double Beta2 = 0.999;

    /// <summary>Adam's ε, the usual 1e-8.</summary>
    public const double Epsilon = 1e-8;

    /// <summary>
    /// No L2 regularisation for the network trained on the features as they are: on XOR's 0/1 inputs the plateau's
    /// gradient is so small that even 2e-4 pulls the weights back to the saddle (78 of seeds 0–99 end at MSE 0.25).
    /// The ML.NET trainer, which standardizes its features, defaults to 2e-4
    /// (<see cref="XorMlNet.XorMlpEstimator.Options.Defaults.L2Regularization"/>).
    /// </summary>
    public const double L2Regularization = 0;

    /// <summary>
    /// Stop once an epoch's training MSE is below 0.001: every row's error is then below √(N · 0.001)
    /// (0.063 for XOR's 4 rows), so the table is fitted and further epochs would only sharpen the sigmoids.
    /// </summary>
    public const double LossTolerance = 1e-3;

    /// <summary>
    /// Early-stopping patience when there are validation rows: 1000 epochs, the same span that makes an attempt
    /// count as stalled, so that a plateau being crossed is not mistaken for overfitting (the best weights are
    /// restored anyway, so waiting costs only time). Unused by default, since <see cref="ValidationFraction"/> is 0.
    /// </summary>
    public const int EpochsWithoutImprovement = 1000;

    /// <summary>No rows held out: XOR has 4 rows and every one of them must be learnt.</summary>
    public const double ValidationFraction = 0;

    /// <summary>Up to 10 fresh draws when an attempt stalls (XOR needs at most 4); see <see cref="TrainingSettings.MaxRestarts"/>.</summary>
    public const int MaxRestarts = 10;

    /// <summary>
    /// An attempt stalls when its training loss has not improved enough for 1000 epochs. Shorter windows
    /// (300–500) also solve XOR but restart during plateaus that would have been crossed.
    /// </summary>
    public const int RestartPatience = 1000;

    /// <summary>"Enough": a relative decrease of 1% (see <see cref="TrainingSettings.RestartMinimumImprovement"/>).</summary>
    public const double RestartMinimumImprovement = 0.01;

    /// <summary>A progress report every 1000 epochs (and after the last).</summary>
    public const int ProgressInterval = 1000;
}

/// <summary>
/// How <see cref="NetworkTrainer"/> trains a network. ML.NET-free; the estimator maps its options onto this.
/// </summary>
/// <remarks>
/// <para>
/// A <c>new TrainingSettings()</c> is the notebook's plain loop: full-batch gradient descent at learning rate 0.1,
/// no tolerance, no restarts, no validation — so that code written against the original trainer keeps its exact
/// numbers (the golden numpy trajectory). <see cref="Defaults"/> is the configuration that learns well
/// (<see cref="TrainingDefaults"/>); change single values with <c>with</c>:
/// <c>TrainingSettings.Defaults with { Seed = 7 }</c>.
/// </para>
/// <para>
/// Loss convention: the training loss is the mean squared error over the training rows plus, with
/// <see cref="L2Regularization"/> λ &gt; 0, the penalty λ/2 · (‖W1‖² + ‖W2‖²) on the weights (biases are not
/// penalised), so the gradient gains λ·W. The validation loss is the plain mean squared error.
/// </para>
/// </remarks>
public sealed record TrainingSettings
{
    /// <summary>The settings of <see cref="TrainingDefaults"/>, the ones that learn; a new instance each time.</summary>
    public static TrainingSettings Defaults => new()
    {
        Solver = TrainingDefaults.Solver,
        LearningRate = TrainingDefaults.LearningRate,
        NumberOfEpochs = TrainingDefaults.NumberOfEpochs,
        BatchSize = TrainingDefaults.BatchSize,
        Momentum = TrainingDefaults.Momentum,
        UseNesterov = TrainingDefaults.UseNesterov,
        Beta1 = TrainingDefaults.Beta1,
        Beta2 = TrainingDefaults.Beta2,
        Epsilon = TrainingDefaults.Epsilon,
        L2Regularization = TrainingDefaults.L2Regularization,
        LossTolerance = TrainingDefaults.LossTolerance,
        EpochsWithoutImprovement = TrainingDefaults.EpochsWithoutImprovement,
        ValidationFraction = TrainingDefaults.ValidationFraction,
        MaxRestarts = TrainingDefaults.MaxRestarts,
        RestartPatience = TrainingDefaults.RestartPatience,
        RestartMinimumImprovement = TrainingDefaults.RestartMinimumImprovement,
        InitialWeightScale = TrainingDefaults.InitialWeightScale,
        ProgressInterval = TrainingDefaults.ProgressInterval,
    };

    /// <summary>How the gradient becomes an update. The notebook's <see cref="Solver.GradientDescent"/> unless set.</summary>
    public Solver Solver { get; init; } = Solver.GradientDescent;

    /// <summary>Step size of every solver; must be positive and finite. 0.1, the notebook's, unless set.</summary>
    public double LearningRate { get; init; } = 0.1;

    /// <summary>Maximum number of passes over the training rows, counted over all restarts; at least 1.</summary>
    public int NumberOfEpochs { get; init; } = 1000;

    /// <summary>
    /// Rows per update. 0 (or any value ≥ the number of training rows) is full batch: one update per epoch on the
    /// exact gradient, rows in their given order. Smaller values shuffle the row order every epoch (seeded from
    /// <see cref="Seed"/>) and update after each batch, with dL/dŷ = 2/(batch rows) · (ŷ − y).
    /// </summary>
    public int BatchSize { get; init; }

    /// <summary>μ in [0, 1) for <see cref="Solver.Momentum"/>; ignored by the other solvers.</summary>
    public double Momentum { get; init; } = TrainingDefaults.Momentum;

    /// <summary>Nesterov's variant of <see cref="Solver.Momentum"/>; ignored by the other solvers.</summary>
    public bool UseNesterov { get; init; } = TrainingDefaults.UseNesterov;

    /// <summary>Adam's decay of the first moment, in [0, 1).</summary>
    public double Beta1 { get; init; } = TrainingDefaults.Beta1;

    /// <summary>Adam's decay of the second moment, in [0, 1).</summary>
    public double Beta2 { get; init; } = TrainingDefaults.Beta2;

    /// <summary>Adam's ε, added to √v̂ so that a zero gradient gives a zero step; positive.</summary>
    public double Epsilon { get; init; } = TrainingDefaults.Epsilon;

    /// <summary>
    /// λ ≥ 0: adds λ·W to the gradient of the weights W1 and W2 (not the biases) and λ/2 · ‖W‖² to the reported
    /// training loss. Keeps weights small, which smooths the decision surface on noisy tables.
    /// </summary>
    public double L2Regularization { get; init; }

    /// <summary>
    /// Stop as soon as an epoch's training MSE is below this (<see cref="StopReason.LossToleranceReached"/>);
    /// 0 turns the rule off. The MSE compared is the one recorded in <see cref="TrainingResult.TrainingLoss"/> without
    /// the L2 penalty, so that regularised weights, which never reach a zero penalty, can still meet it.
    /// </summary>
    public double LossTolerance { get; init; }

    /// <summary>
    /// Early-stopping patience, used only when there are validation rows: training stops
    /// (<see cref="StopReason.EarlyStopping"/>) when the validation loss has not reached a new minimum for this many
    /// epochs, and the network is given back the weights of the best validation epoch (also when training instead
    /// runs out of epochs). Any decrease counts as an improvement, so a slow but steady descent (a plateau being
    /// crossed) never stops early. After a restart the count starts afresh against the new attempt's own minimum, so
    /// a fresh draw is not cut short for not beating an earlier attempt at once; the weights given back are still the
    /// best of all attempts. 0 turns early stopping off (validation losses are still recorded).
    /// </summary>
    public int EpochsWithoutImprovement { get; init; } = TrainingDefaults.EpochsWithoutImprovement;

    /// <summary>
    /// In [0, 1). When no validation rows are passed to <see cref="NetworkTrainer"/> and this is positive, it holds
    /// out round(fraction · N) rows (halves away from zero) for validation: the first ones of a seeded random
    /// permutation of the rows; the others are trained on. Both sides must get at least one row. Ignored when
    /// validation rows are passed.
    /// </summary>
    public double ValidationFraction { get; init; }

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
    public int MaxRestarts { get; init; }

    /// <summary>Epochs without enough training-loss progress before an attempt counts as stalled; at least 1.</summary>
    public int RestartPatience { get; init; } = TrainingDefaults.RestartPatience;

    /// <summary>Relative decrease of the training loss, in [0, 1), that counts as progress for the restart rule.</summary>
    public double RestartMinimumImprovement { get; init; } = TrainingDefaults.RestartMinimumImprovement;

    /// <summary>Scale of the weights drawn at a restart; positive. The notebook's 0.1 unless set.</summary>
    public double InitialWeightScale { get; init; } = TrainingDefaults.InitialWeightScale;

    /// <summary>
    /// Seed of everything random in training. Restarts draw from <c>NumpyRandom(Seed)</c> (pass the seed the
    /// network was initialised with); row shuffles and the validation split use a separate generator derived from it.
    /// Same settings and seed give bit-identical weights.
    /// </summary>
    public uint Seed { get; init; }

    /// <summary>Called every <see cref="ProgressInterval"/> epochs and after the last one; may be null.</summary>
    public Action<TrainingProgress>? Progress { get; init; }

    /// <summary>How many epochs between two <see cref="Progress"/> calls; at least 1.</summary>
    public int ProgressInterval { get; init; } = 1000;

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
    public int NumberOfThreads { get; init; }

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
