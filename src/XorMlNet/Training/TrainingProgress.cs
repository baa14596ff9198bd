// Public types of the training surface that users of the estimator meet (its options, its model, its progress
// callback and its exceptions): in the root namespace, so that one `using XorMlNet;` is enough.
namespace XorMlNet;

/// <summary>One progress report, handed to <see cref="XorMlpEstimator.Options.Progress"/> (and <see cref="Training.TrainingSettings.Progress"/>).</summary>
/// <param name="Epoch">Epochs completed so far (1-based, counted over all restarts).</param>
/// <param name="TrainingLoss">That epoch's training loss, as recorded in <see cref="XorMlpModelParameters.TrainingLossHistory"/>.</param>
/// <param name="ValidationLoss">Mean squared error on the validation rows after that epoch, or NaN when there are none.</param>
/// <param name="Elapsed">Time since training started.</param>
public readonly record struct TrainingProgress(int Epoch, double TrainingLoss, double ValidationLoss, TimeSpan Elapsed);
