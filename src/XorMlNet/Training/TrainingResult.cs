namespace XorMlNet.Training;

/// <summary>What a training run produced besides the weights: its loss history and how it ended.</summary>
public sealed class TrainingResult
{
    internal TrainingResult(double[] trainingLoss, double[] validationLoss, StopReason stopReason)
    {
        TrainingLoss = trainingLoss;
        ValidationLoss = validationLoss;
        StopReason = stopReason;
    }

    /// <summary>Training loss of each epoch run (the loss before that epoch's update), epoch 1 first.</summary>
    public IReadOnlyList<double> TrainingLoss { get; }

    /// <summary>Validation loss after each epoch run; empty when training had no validation rows.</summary>
    public IReadOnlyList<double> ValidationLoss { get; }

    /// <summary>Number of epochs run.</summary>
    public int EpochsRun => TrainingLoss.Count;

    /// <summary>Why training ended.</summary>
    public StopReason StopReason { get; }
}
