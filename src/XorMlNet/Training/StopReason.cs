// Public types of the training surface that users of the estimator meet (its options, its model, its progress
// callback and its exceptions): in the root namespace, so that one `using XorMlNet;` is enough.
namespace XorMlNet;

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
