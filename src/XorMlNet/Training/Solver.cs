// Public types of the training surface that users of the estimator meet (its options, its model, its progress
// callback and its exceptions): in the root namespace, so that one `using XorMlNet;` is enough.
namespace XorMlNet;

/// <summary>How <see cref="Training.NetworkTrainer"/> turns a gradient into a parameter update.</summary>
public enum Solver
{
    /// <summary>The notebook's plain gradient descent, θ −= LearningRate · g.</summary>
    GradientDescent = 0,

    /// <summary>
    /// Heavy-ball momentum, v = Momentum · v − LearningRate · g; θ += v. With
    /// <see cref="XorMlpEstimator.Options.UseNesterov"/>, Nesterov's variant θ += Momentum · v − LearningRate · g.
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
