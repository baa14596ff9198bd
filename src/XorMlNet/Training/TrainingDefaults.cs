namespace XorMlNet.Training;

/// <summary>
/// The one home of every training default, as named constants in two sets side by side: <see cref="Recommended"/>, the
/// settings that learn (<see cref="TrainingSettings.Defaults"/>, and the defaults of <see cref="XorMlpEstimator.Options"/>
/// through <see cref="XorMlpEstimator.Options.Defaults"/>), and <see cref="Notebook"/>, the notebook's plain loop (what a
/// <c>new TrainingSettings()</c> holds, and the recipe of <see cref="XorMlpEstimator.Options.Notebook"/>). They are
/// constants so that property and field initialisers and the catalog's optional parameters can use them; no default is
/// written anywhere else.
/// </summary>
public static class TrainingDefaults
{
    /// <summary>
    /// The recommended settings: the ones that learn XOR from the notebook's initialisation for every seed, quickly.
    /// <see cref="TrainingSettings.Defaults"/> is a <see cref="TrainingSettings"/> holding all of them, and
    /// <see cref="XorMlpEstimator.Options.Defaults"/> names them for the ML.NET trainer, which adds its own rules for
    /// the learning rate of other solvers and wide layers and for L2 on larger tables.
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
    public static class Recommended
    {
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
        public const int BatchSize = Notebook.BatchSize;

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
        /// The ML.NET trainer, which standardizes its features, defaults to 2e-4 on larger tables
        /// (<see cref="XorMlpEstimator.Options.Defaults.L2Regularization"/>).
        /// </summary>
        public const double L2Regularization = Notebook.L2Regularization;

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
        public const double ValidationFraction = Notebook.ValidationFraction;

        /// <summary>Up to 10 fresh draws when an attempt stalls (XOR needs at most 4); see <see cref="TrainingSettings.MaxRestarts"/>.</summary>
        public const int MaxRestarts = 10;

        /// <summary>
        /// An attempt stalls when its training loss has not improved enough for 1000 epochs. Shorter windows
        /// (300–500) also solve XOR but restart during plateaus that would have been crossed.
        /// </summary>
        public const int RestartPatience = 1000;

        /// <summary>"Enough": a relative decrease of 1% (see <see cref="TrainingSettings.RestartMinimumImprovement"/>).</summary>
        public const double RestartMinimumImprovement = 0.01;

        /// <summary>Initial weights are standard normal draws times this: the notebook's 0.1.</summary>
        public const double InitialWeightScale = Notebook.InitialWeightScale;

        /// <summary>
        /// The seed of the recommended settings: 0, as in <see cref="Notebook.Seed"/> (<see cref="TrainingSettings.Seed"/>
        /// is for the caller to set to the seed its network was initialised with).
        /// </summary>
        public const uint Seed = Notebook.Seed;

        /// <summary>A progress report every 1000 epochs (and after the last).</summary>
        public const int ProgressInterval = Notebook.ProgressInterval;

        /// <summary>0: every core (<see cref="TrainingSettings.NumberOfThreads"/>).</summary>
        public const int NumberOfThreads = Notebook.NumberOfThreads;

        /// <summary>The notebook's two hidden units, enough for XOR: the ML.NET trainer's default H.</summary>
        public const int HiddenLayerSize = Notebook.HiddenLayerSize;

        /// <summary>The notebook's seed of the initial weights: the ML.NET trainer's default seed.</summary>
        public const int InitialSeed = Notebook.InitialSeed;
    }

    /// <summary>
    /// The notebook's plain loop: full-batch gradient descent at learning rate 0.1 with no tolerance, no restarts, no
    /// validation and no L2, from N(0, 1) · 0.1 weights drawn with numpy's seed 42 for 2 hidden units. A
    /// <c>new TrainingSettings()</c> holds these (so that code written against the first trainer keeps its exact
    /// numbers: the golden numpy trajectory), and <see cref="XorMlpEstimator.Options.Notebook"/> sets them.
    /// </summary>
    /// <remarks>
    /// The settings the notebook's loop does not use (momentum, Adam's, early stopping's and restarts') hold the
    /// <see cref="Recommended"/> values, so that turning one on gives the recommended value.
    /// </remarks>
    public static class Notebook
    {
        /// <summary>Plain gradient descent, the notebook's <c>W -= lr · dW</c>.</summary>
        public const Solver Solver = XorMlNet.Solver.GradientDescent;

        /// <summary>The notebook's learning rate, 0.1.</summary>
        public const double LearningRate = 0.1;

        /// <summary>
        /// 1000: what a <c>new TrainingSettings()</c> runs, a short stretch of the notebook's loop (the first trainer's
        /// default). The notebook itself runs <see cref="FullRunEpochs"/>.
        /// </summary>
        public const int NumberOfEpochs = 1000;

        /// <summary>
        /// 400,000: the notebook's whole run, which crosses XOR's plateau (after about 351,000 epochs at seed 42);
        /// <see cref="XorMlpEstimator.Options.Notebook"/> sets it.
        /// </summary>
        public const int FullRunEpochs = 400_000;

        /// <summary>0: full batch, every epoch one step on the exact gradient.</summary>
        public const int BatchSize = 0;

        /// <summary>Unused by gradient descent: <see cref="Recommended.Momentum"/>.</summary>
        public const double Momentum = Recommended.Momentum;

        /// <summary>Unused by gradient descent: <see cref="Recommended.UseNesterov"/>.</summary>
        public const bool UseNesterov = Recommended.UseNesterov;

        /// <summary>Unused by gradient descent: <see cref="Recommended.Beta1"/>.</summary>
        public const double Beta1 = Recommended.Beta1;

        /// <summary>Unused by gradient descent: <see cref="Recommended.Beta2"/>.</summary>
        public const double Beta2 = Recommended.Beta2;

        /// <summary>Unused by gradient descent: <see cref="Recommended.Epsilon"/>.</summary>
        public const double Epsilon = Recommended.Epsilon;

        /// <summary>0: the notebook has no weight penalty.</summary>
        public const double L2Regularization = 0;

        /// <summary>0: the notebook runs every epoch, however low the loss.</summary>
        public const double LossTolerance = 0;

        /// <summary>Unused without validation rows: <see cref="Recommended.EpochsWithoutImprovement"/>.</summary>
        public const int EpochsWithoutImprovement = Recommended.EpochsWithoutImprovement;

        /// <summary>0: the notebook trains on all four rows and holds none out.</summary>
        public const double ValidationFraction = 0;

        /// <summary>0: the notebook never redraws its weights.</summary>
        public const int MaxRestarts = 0;

        /// <summary>Unused without restarts: <see cref="Recommended.RestartPatience"/>.</summary>
        public const int RestartPatience = Recommended.RestartPatience;

        /// <summary>Unused without restarts: <see cref="Recommended.RestartMinimumImprovement"/>.</summary>
        public const double RestartMinimumImprovement = Recommended.RestartMinimumImprovement;

        /// <summary>The notebook's initialisation scale: weights are N(0, 1) · 0.1, biases 0.</summary>
        public const double InitialWeightScale = 0.1;

        /// <summary>
        /// 0: the seed of <see cref="TrainingSettings.Seed"/> unless set, which only restarts, shuffles and the validation
        /// split use (the notebook's loop has none of them). The notebook's weights come from <see cref="InitialSeed"/>.
        /// </summary>
        public const uint Seed = 0;

        /// <summary>A progress report every 1000 epochs (and after the last).</summary>
        public const int ProgressInterval = 1000;

        /// <summary>0: every core (<see cref="TrainingSettings.NumberOfThreads"/>); the weights do not depend on it.</summary>
        public const int NumberOfThreads = 0;

        /// <summary>The notebook's two hidden units.</summary>
        public const int HiddenLayerSize = 2;

        /// <summary>The notebook's <c>np.random.seed(42)</c>, from which its initial weights are drawn.</summary>
        public const int InitialSeed = 42;
    }
}
