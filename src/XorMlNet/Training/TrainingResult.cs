namespace XorMlNet.Training;

/// <summary>What a training run produced besides the weights: its loss histories and how it ended.</summary>
public sealed class TrainingResult
{
    internal TrainingResult(LossHistory trainingLoss, LossHistory validationLoss, StopReason stopReason, int restarts,
        int bestEpoch, double bestLoss)
    {
        TrainingLossValues = trainingLoss;
        ValidationLossValues = validationLoss;
        StopReason = stopReason;
        Restarts = restarts;
        BestEpoch = bestEpoch;
        BestLoss = bestLoss;
    }

    /// <summary>The history behind <see cref="TrainingLoss"/>, never written after training: a fitted model keeps it without a copy.</summary>
    internal LossHistory TrainingLossValues { get; }

    /// <summary>The history behind <see cref="ValidationLoss"/>, never written after training.</summary>
    internal LossHistory ValidationLossValues { get; }

    /// <summary>
    /// Training loss of the epochs run, over all restarts: every epoch, epoch 1 first, unless the run was longer than
    /// 524,288 epochs; then every <see cref="LossHistoryStride"/>-th epoch (value k is epoch (k + 1) · stride), at most
    /// 524,288 values. Full batch: the MSE before that epoch's update. Mini-batches: the mean of the rows' squared
    /// errors, each taken before its batch's update. Both plus the L2 penalty when
    /// <see cref="TrainingSettings.L2Regularization"/> is positive.
    /// </summary>
    public IReadOnlyList<double> TrainingLoss => TrainingLossValues;

    /// <summary>Validation MSE after each kept epoch (same epochs as <see cref="TrainingLoss"/>); empty when training had no validation rows.</summary>
    public IReadOnlyList<double> ValidationLoss => ValidationLossValues;

    /// <summary>Epochs between two values of the loss histories: 1 (every epoch) unless more than 524,288 epochs ran; a power of two.</summary>
    public int LossHistoryStride => TrainingLossValues.Stride;

    /// <summary>The training loss of the last epoch run (kept in the history or not).</summary>
    public double FinalTrainingLoss => TrainingLossValues.Last;

    /// <summary>Number of epochs run, over all restarts.</summary>
    public int EpochsRun => TrainingLossValues.Epochs;

    /// <summary>Why training ended.</summary>
    public StopReason StopReason { get; }

    /// <summary>How many times a stalled attempt was replaced by freshly drawn weights (see <see cref="TrainingSettings.MaxRestarts"/>).</summary>
    public int Restarts { get; }

    /// <summary>
    /// The epoch whose weights the network was given back: the last one run, or the one with the lowest training loss
    /// (validation loss with early stopping) when training ended worse than its best; see <see cref="NetworkTrainer"/>.
    /// </summary>
    public int BestEpoch { get; }

    /// <summary>The training loss measured with the weights given back (the validation loss with early stopping).</summary>
    public double BestLoss { get; }
}
