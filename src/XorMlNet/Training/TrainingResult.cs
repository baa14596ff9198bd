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
