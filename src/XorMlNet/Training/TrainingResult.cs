namespace XorMlNet.Training;

/// <summary>What a training run produced besides the weights: its loss histories and how it ended.</summary>
public sealed class TrainingResult
{
    internal TrainingResult(LossHistory trainingLoss, LossHistory validationLoss, StopReason stopReason, int restarts)
    {
        TrainingLossValues = trainingLoss;
        ValidationLossValues = validationLoss;
        StopReason = stopReason;
        Restarts = restarts;
    }

    /// <summary>The history behind <see cref="TrainingLoss"/>, never written after training: a fitted model keeps it without a copy.</summary>
    internal LossHistory TrainingLossValues { get; }

    /// <summary>The history behind <see cref="ValidationLoss"/>, never written after training.</summary>
    internal LossHistory ValidationLossValues { get; }

    /// <summary>
    /// Training loss of each epoch run, epoch 1 first, over all restarts. Full batch: the MSE before that epoch's
    /// update. Mini-batches: the mean of the rows' squared errors, each taken before its batch's update. Both plus
    /// the L2 penalty when <see cref="TrainingSettings.L2Regularization"/> is positive.
    /// </summary>
    public IReadOnlyList<double> TrainingLoss => TrainingLossValues;

    /// <summary>Validation MSE after each epoch's updates; empty when training had no validation rows.</summary>
    public IReadOnlyList<double> ValidationLoss => ValidationLossValues;

    /// <summary>Number of epochs run, over all restarts.</summary>
    public int EpochsRun => TrainingLoss.Count;

    /// <summary>Why training ended.</summary>
    public StopReason StopReason { get; }

    /// <summary>How many times a stalled attempt was replaced by freshly drawn weights (see <see cref="TrainingSettings.MaxRestarts"/>).</summary>
    public int Restarts { get; }
}

/// <summary>
/// Why training ended. Cancellation is not among them: it ends training with <see cref="OperationCanceledException"/>
/// and no model, as ML.NET's trainers do.
/// </summary>
public enum StopReason
{
    /// <summary>The maximum number of epochs ran.</summary>
    MaximumEpochs = 0,

    /// <summary>The training loss fell below the loss tolerance.</summary>
    LossToleranceReached = 1,

    /// <summary>The validation loss stopped improving; the best weights were kept.</summary>
    EarlyStopping = 2,
}

/// <summary>One progress report, handed to <see cref="TrainingSettings.Progress"/>.</summary>
/// <param name="Epoch">Epochs completed so far (1-based, counted over all restarts).</param>
/// <param name="TrainingLoss">That epoch's training loss, as recorded in <see cref="TrainingResult.TrainingLoss"/>.</param>
/// <param name="ValidationLoss">Mean squared error on the validation rows after that epoch, or NaN when there are none.</param>
/// <param name="Elapsed">Time since training started.</param>
public readonly record struct TrainingProgress(int Epoch, double TrainingLoss, double ValidationLoss, TimeSpan Elapsed);
