using System.Numerics;
using XorMlNet.Network;

namespace XorMlNet.Training;

/// <summary>
/// How a training run is judged, apart from the epoch loop that applies it: whether a loss counts as an improvement,
/// when a run has diverged and which option is most likely at fault, the verdict on a run that ended on its epoch budget
/// or early stopping (learnt nothing, predicts one class, or diverged without NaN), and the restart that gives a stalled
/// attempt fresh weights from the seed's stream. One per training call (it carries the restarts' random stream).
/// </summary>
internal sealed class StoppingRules
{
    /// <summary>Relative decrease of the training loss below the first epoch's that counts as having learnt something.</summary>
    internal const double MinimumImprovement = 0.01;

    /// <summary>A loss this many times the first epoch's, with no improvement on it, is divergence.</summary>
    internal const double DivergedLossFactor = 1.5;

    /// <summary>Probabilities closer than this on every training row count as one constant output.</summary>
    internal const double ConstantOutputSpread = 1e-6;

    /// <summary>Rows on which a constant output is looked for: the first ones, a bounded cost after any run.</summary>
    internal const int ConstantOutputRows = 16_384;

    private readonly TrainingSettings _settings;
    private readonly NumpyRandom? _restartRandom;
    private bool _initialDrawReplayed;

    /// <param name="settings">The run's settings: the options a divergence is blamed on, the seed and scale of fresh weights.</param>
    public StoppingRules(TrainingSettings settings)
    {
        _settings = settings;
        _restartRandom = settings.MaxRestarts > 0 ? new NumpyRandom(settings.Seed) : null;
    }

    /// <summary>Whether a run (or attempt) that started at <paramref name="first"/> got 1 % below it at its best.</summary>
    public static bool Improved(double first, double best) => !(first > 0) || best < first * (1 - MinimumImprovement);

    /// <summary>Divergence without NaN: the loss never improved on its start and now stands more than 1.5 times above it.</summary>
    public static bool HasDiverged(double first, double best, double last) => !Improved(first, best) && last > first * DivergedLossFactor;

    /// <summary>
    /// Whether a run that ran out of epochs at <paramref name="last"/> should give back the weights of its lowest loss
    /// <paramref name="best"/> instead: when that is more than 1 % lower.
    /// </summary>
    public static bool BestIsBetter(double best, double last) => best < last * (1 - MinimumImprovement);

    /// <summary>The MSE of predicting the mean target for every row: the targets' (population) variance.</summary>
    public static double ConstantPredictionLoss<T>(ReadOnlySpan<T> y) where T : IFloatingPointIeee754<T>
    {
        double sum = 0;
        foreach (T value in y)
        {
            sum += double.CreateChecked(value);
        }
        double mean = sum / y.Length, squares = 0;
        foreach (T value in y)
        {
            double deviation = double.CreateChecked(value) - mean;
            squares += deviation * deviation;
        }
        return squares / y.Length;
    }

    /// <summary>Whether <paramref name="probabilities"/> all lie within <see cref="ConstantOutputSpread"/> of each other.</summary>
    public static bool IsConstant<T>(ReadOnlySpan<T> probabilities) where T : IFloatingPointIeee754<T>
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (T value in probabilities)
        {
            double p = double.CreateChecked(value);
            min = Math.Min(min, p);
            max = Math.Max(max, p);
        }
        return max - min <= ConstantOutputSpread;
    }

    /// <summary>
    /// Whether the network gives every one of the first <see cref="ConstantOutputRows"/> training rows the same
    /// probability although their targets differ (with equal targets a constant is the right answer).
    /// </summary>
    public static bool HasConstantOutput<T>(ReadOnlySpan<T> y, GradientEngine<T> engine, TwoLayerNetwork<T> network)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = Math.Min(y.Length, ConstantOutputRows);
        if (!y[..rows].ContainsAnyExcept(y[0]))
        {
            return false;
        }
        var probabilities = new T[rows];
        engine.Predict(network, probabilities);
        return IsConstant<T>(probabilities);
    }

    /// <summary>
    /// How a run that ended on its epoch budget or early stopping went: null when it learnt; a failure
    /// <see cref="StopReason"/> when it learnt nothing or predicts one class; a <see cref="TrainingDivergedException"/>
    /// when its loss ended far above its start without ever improving on it.
    /// </summary>
    /// <param name="y">The training targets.</param>
    /// <param name="firstLoss">The first epoch's training loss.</param>
    /// <param name="bestLoss">The lowest training loss of the run, over every restart.</param>
    /// <param name="lastLoss">The last epoch's training loss.</param>
    /// <param name="epochsRun">Epochs run, for the message.</param>
    /// <param name="engine">The run's engine, bound to the training rows (for the network's output on them).</param>
    /// <param name="network">The trained network.</param>
    public StopReason? Verdict<T>(ReadOnlySpan<T> y, double firstLoss, double bestLoss, double lastLoss, int epochsRun,
        GradientEngine<T> engine, TwoLayerNetwork<T> network)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The baseline is the better of the start and the best constant prediction (the mean target, whose MSE is
        // the targets' variance): a network that only learnt the base rate predicts the majority class.
        double baseline = Math.Min(firstLoss, ConstantPredictionLoss(y));
        if (!Improved(baseline, bestLoss))
        {
            if (HasDiverged(firstLoss, bestLoss, lastLoss))
            {
                throw LossDiverged(epochsRun, firstLoss, lastLoss);
            }
            return StopReason.NoImprovement;
        }
        return HasConstantOutput(y, engine, network) ? StopReason.ConstantOutput : null;
    }

    /// <summary>
    /// The restart of an attempt that stalled: throws if the attempt diverged (its loss, from <paramref name="attemptFirst"/>,
    /// never went below that and ended 1.5 times above it at <paramref name="last"/>: a fresh draw rescues a local minimum
    /// or a long plateau, not a step too large for the table, so the next attempt would diverge alike and the run stops
    /// here rather than spend its budget) or if a parameter is not finite; otherwise draws fresh weights
    /// (<see cref="DrawFreshWeights{T}"/>). The caller resets the solver's state.
    /// </summary>
    public void Restart<T>(TwoLayerNetwork<T> network, int epoch, double attemptFirst, double attemptBest, double last)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (HasDiverged(attemptFirst, attemptBest, last))
        {
            throw LossDiverged(epoch, attemptFirst, last);
        }
        if (!Kernels.AllFinite<T>(network.Parameters))
        {
            throw ParameterDiverged(epoch);
        }
        DrawFreshWeights(network);
    }

    /// <summary>
    /// New weights for a restart. They come from <c>NumpyRandom(Seed)</c> after replaying the draw of
    /// <see cref="NetworkTrainer.CreateNetwork{T}"/>, so that attempt k gets the k-th initialisation of numpy's stream for
    /// that seed.
    /// </summary>
    /// <exception cref="InvalidOperationException">The settings allow no restart.</exception>
    public void DrawFreshWeights<T>(TwoLayerNetwork<T> network) where T : unmanaged, IFloatingPointIeee754<T>
    {
        NumpyRandom random = _restartRandom ?? throw new InvalidOperationException("MaxRestarts is 0: there are no restarts to draw weights for.");
        if (!_initialDrawReplayed)
        {
            network.InitializeNormal(random, _settings.InitialWeightScale);
            _initialDrawReplayed = true;
        }
        network.InitializeNormal(random, _settings.InitialWeightScale);
    }

    /// <summary>
    /// The setting most likely behind a divergence: L2Regularization when it is 1 or more and its own term is unstable
    /// for the solver (gradient descent on λ/2·w² multiplies w by 1 − LearningRate·λ each step, which grows when
    /// LearningRate·λ &gt; 2, and with momentum μ when it exceeds 2(1 + μ)); otherwise LearningRate. Initial weights that are not finite
    /// are caught before the first epoch and blamed on InitialWeightScale.
    /// </summary>
    public string OptionAtFault()
    {
        TrainingSettings settings = _settings;
        double l2Step = settings.LearningRate * settings.L2Regularization;
        double stableL2Step = settings.Solver switch
        {
            Solver.GradientDescent => 2,
            Solver.Momentum => 2 * (1 + settings.Momentum),
            _ => double.PositiveInfinity, // Adam's step is bounded by LearningRate whatever the gradient.
        };
        // A penalty weight of 1 or more outweighs the MSE's own gradient (at most 2 · ¼ per unit of a weight's
        // input); below that, an unstable step is the learning rate's doing.
        return l2Step > stableL2Step && settings.L2Regularization >= 1
            ? nameof(TrainingSettings.L2Regularization)
            : nameof(TrainingSettings.LearningRate);
    }

    /// <summary>The initial weights are not all finite: blamed on InitialWeightScale, before the first epoch.</summary>
    public TrainingDivergedException InitialWeightsDiverged()
        => Diverged(0, "the initial weights are not all finite", nameof(TrainingSettings.InitialWeightScale));

    /// <summary>A parameter became infinite or NaN by epoch <paramref name="epoch"/>'s update.</summary>
    public TrainingDivergedException ParameterDiverged(int epoch) => Diverged(epoch, "a parameter became infinite or NaN", OptionAtFault());

    /// <summary>Epoch <paramref name="epoch"/>'s training loss is infinite or NaN.</summary>
    public TrainingDivergedException LossNotFinite(int epoch, double loss) => Diverged(epoch, $"the training loss became {loss}", OptionAtFault());

    /// <summary>The loss rose from <paramref name="first"/> to <paramref name="last"/> without ever improving (<see cref="HasDiverged"/>).</summary>
    public TrainingDivergedException LossDiverged(int epoch, double first, double last)
        => Diverged(epoch, $"the training loss rose from {first:G4} to {last:G4} and never went below where it started", OptionAtFault());

    /// <summary>The exception for a divergence at <paramref name="epoch"/> (0: before the first), naming <paramref name="option"/> and its value.</summary>
    public TrainingDivergedException Diverged(int epoch, string what, string option)
    {
        double value = option switch
        {
            nameof(TrainingSettings.L2Regularization) => _settings.L2Regularization,
            nameof(TrainingSettings.InitialWeightScale) => _settings.InitialWeightScale,
            _ => _settings.LearningRate,
        };
        string advice = option == nameof(TrainingSettings.LearningRate) ? $"Lower {option}" : $"{option} is likely too large; lower it";
        string where = epoch == 0 ? "before the first epoch" : $"at epoch {epoch}";
        return new TrainingDivergedException($"Training diverged {where}: {what}. {advice} (now {value}).", option, epoch);
    }
}
