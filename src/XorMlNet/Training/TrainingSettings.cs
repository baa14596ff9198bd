namespace XorMlNet.Training;

/// <summary>Why training ended.</summary>
public enum StopReason
{
    /// <summary>The maximum number of epochs ran.</summary>
    MaximumEpochs = 0,

    /// <summary>The training loss fell below the loss tolerance.</summary>
    LossToleranceReached = 1,

    /// <summary>The validation loss stopped improving; the best weights were kept.</summary>
    EarlyStopping = 2,

    /// <summary>Training was cancelled.</summary>
    Cancelled = 3,
}

/// <summary>One progress report, handed to <see cref="TrainingSettings.Progress"/>.</summary>
/// <param name="Epoch">Epochs completed so far (1-based).</param>
/// <param name="TrainingLoss">Mean squared error on the training rows during that epoch, before its update.</param>
/// <param name="ValidationLoss">Mean squared error on the validation rows after that epoch, or NaN when there are none.</param>
/// <param name="Elapsed">Time since training started.</param>
public readonly record struct TrainingProgress(int Epoch, double TrainingLoss, double ValidationLoss, TimeSpan Elapsed);

/// <summary>How <see cref="NetworkTrainer"/> trains a network. ML.NET-free; the estimator maps its options onto this.</summary>
public sealed class TrainingSettings
{
    /// <summary>Step size of gradient descent.</summary>
    public double LearningRate { get; init; } = 0.1;

    /// <summary>Maximum number of passes over the training rows.</summary>
    public int NumberOfEpochs { get; init; } = 1000;

    /// <summary>Called every <see cref="ProgressInterval"/> epochs and after the last one; may be null.</summary>
    public Action<TrainingProgress>? Progress { get; init; }

    /// <summary>How many epochs between two <see cref="Progress"/> calls.</summary>
    public int ProgressInterval { get; init; } = 1000;

    /// <summary>Checked between epochs; cancellation throws <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken CancellationToken { get; init; }
}
