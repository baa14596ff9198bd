// Public types of the training surface that users of the estimator meet (its options, its model, its progress
// callback and its exceptions): in the root namespace, so that one `using XorMlNet;` is enough.
namespace XorMlNet;

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
