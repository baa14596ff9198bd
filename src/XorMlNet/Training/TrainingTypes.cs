using XorMlNet.Training;

// The types that a user of the ML.NET trainer meets (an option's value, a fitted model's property, the progress
// callback's argument, an exception Fit throws) live in the XorMlNet namespace with the estimator, so that one
// `using XorMlNet;` is enough. NetworkTrainer and its settings, for training on plain spans, stay in XorMlNet.Training.
namespace XorMlNet;

/// <summary>How <see cref="NetworkTrainer"/> turns a gradient into a parameter update.</summary>
public enum Solver
{
    /// <summary>The notebook's plain gradient descent, θ −= LearningRate · g.</summary>
    GradientDescent = 0,

    /// <summary>
    /// Heavy-ball momentum, v = Momentum · v − LearningRate · g; θ += v. With
    /// <see cref="TrainingSettings.UseNesterov"/>, Nesterov's variant θ += Momentum · v − LearningRate · g.
    /// </summary>
    Momentum = 1,

    /// <summary>
    /// Adam (Kingma &amp; Ba), bias-corrected: m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g²,
    /// θ −= LearningRate · m̂ / (√v̂ + ε) with m̂ = m / (1 − β1ᵗ), v̂ = v / (1 − β2ᵗ).
    /// Its per-parameter step size does not shrink with the gradient, so it crosses the sigmoid network's
    /// flat regions (the XOR plateau) in hundreds of epochs where plain gradient descent needs hundreds of thousands.
    /// </summary>
    Adam = 2,
}

/// <summary>
/// Why training ended. Cancellation is not among them: it ends training with <see cref="OperationCanceledException"/>
/// and no model, as ML.NET's trainers do. A run that diverges (a non-finite loss or weight, or a loss that ends far
/// above its start without ever improving on it) ends with <see cref="TrainingDivergedException"/>.
/// </summary>
public enum StopReason
{
    /// <summary>The maximum number of epochs ran.</summary>
    MaximumEpochs = 0,

    /// <summary>The training loss fell below the loss tolerance.</summary>
    LossToleranceReached = 1,

    /// <summary>The validation loss stopped improving; the best weights were kept.</summary>
    EarlyStopping = 2,

    /// <summary>
    /// Failure: no epoch's training loss went 1 % below the first epoch's, nor below the loss of the best constant
    /// prediction (the targets' variance), so the network learnt nothing beyond the base rate: it predicts no better
    /// than the majority class. It is given back the weights of its best epoch.
    /// </summary>
    NoImprovement = 3,

    /// <summary>
    /// Failure: the network given back computes the same probability (within 1e-6) for every training row, so it
    /// predicts one class: its hidden units are saturated, or the features are too small (or too alike) to move them.
    /// </summary>
    ConstantOutput = 4,
}

/// <summary>
/// Training diverged: the training loss or a weight became NaN or infinite, or the loss rose far above where it
/// started without ever improving on it. <see cref="OptionName"/> names the setting most likely at fault.
/// </summary>
public sealed class TrainingDivergedException : ArithmeticException
{
    /// <summary>A divergence at <paramref name="epoch"/> blamed on <paramref name="optionName"/>.</summary>
    public TrainingDivergedException(string message, string optionName, int epoch)
        : base(message)
    {
        OptionName = optionName;
        Epoch = epoch;
    }

    /// <summary>The option most likely at fault: LearningRate, L2Regularization or InitialWeightScale.</summary>
    public string OptionName { get; }

    /// <summary>The epoch at which divergence was detected (0: before the first epoch).</summary>
    public int Epoch { get; }
}

/// <summary>One progress report, handed to <see cref="TrainingSettings.Progress"/>.</summary>
/// <param name="Epoch">Epochs completed so far (1-based, counted over all restarts).</param>
/// <param name="TrainingLoss">That epoch's training loss, as recorded in <see cref="TrainingResult.TrainingLoss"/>.</param>
/// <param name="ValidationLoss">Mean squared error on the validation rows after that epoch, or NaN when there are none.</param>
/// <param name="Elapsed">Time since training started.</param>
public readonly record struct TrainingProgress(int Epoch, double TrainingLoss, double ValidationLoss, TimeSpan Elapsed);
