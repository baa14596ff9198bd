using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using XorMlNet.Network;

namespace XorMlNet.Training;

/// <summary>
/// One parameter update of each <see cref="Solver"/> but plain gradient descent (the network's own
/// <see cref="TwoLayerNetwork{T}.Step"/>, the notebook's step), over flat spans in the network's parameter layout. Each checks
/// its lengths first, allocates nothing, and works for <see cref="float"/> and <see cref="double"/> alike.
/// </summary>
internal static class SolverSteps
{
    /// <summary>
    /// v = μ·v − learningRate · g, then θ += v (heavy ball) or θ += μ·v − learningRate · g (Nesterov, in the
    /// form that needs the gradient at θ only).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MomentumStep<T>(Span<T> theta, ReadOnlySpan<T> gradient, Span<T> velocity, T learningRate, T momentum, bool nesterov)
        where T : IFloatingPointIeee754<T>
    {
        CheckLength(theta.Length, gradient.Length, nameof(gradient));
        CheckLength(theta.Length, velocity.Length, nameof(velocity));
        for (int i = 0; i < theta.Length; i++)
        {
            T step = learningRate * gradient[i];
            T v = momentum * velocity[i] - step;
            velocity[i] = v;
            theta[i] += nesterov ? momentum * v - step : v;
        }
    }

    /// <summary>
    /// Adam's update number <paramref name="step"/> (1-based): m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g²,
    /// θ −= learningRate · m̂ / (√v̂ + ε), with the bias corrections m̂ = m / (1 − β1ᵗ), v̂ = v / (1 − β2ᵗ).
    /// t is a <see cref="long"/> (a run can make more than 2³¹ updates) and βᵗ is taken in double, exact in t up to
    /// 2⁵³; for large t it tends to 0 and the corrections to 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AdamStep<T>(Span<T> theta, ReadOnlySpan<T> gradient, Span<T> m, Span<T> v,
        T learningRate, double beta1, double beta2, T epsilon, long step)
        where T : IFloatingPointIeee754<T>
    {
        CheckLength(theta.Length, gradient.Length, nameof(gradient));
        CheckLength(theta.Length, m.Length, nameof(m));
        CheckLength(theta.Length, v.Length, nameof(v));
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        T b1 = T.CreateChecked(beta1), b2 = T.CreateChecked(beta2);
        T oneMinusB1 = T.One - b1, oneMinusB2 = T.One - b2;
        T correction1 = T.CreateChecked(1 - Math.Pow(beta1, step));
        T correction2 = T.CreateChecked(1 - Math.Pow(beta2, step));
        for (int i = 0; i < theta.Length; i++)
        {
            T g = gradient[i];
            T mi = b1 * m[i] + oneMinusB1 * g;
            T vi = b2 * v[i] + oneMinusB2 * (g * g);
            m[i] = mi;
            v[i] = vi;
            theta[i] -= learningRate * (mi / correction1) / (T.Sqrt(vi / correction2) + epsilon);
        }
    }

    /// <summary>
    /// L2 on the weights: adds λ·W to the gradient of W1 and W2 (biases untouched) and returns the penalty
    /// λ/2 · (‖W1‖² + ‖W2‖²), in double.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double AddL2<T>(TwoLayerNetwork<T> network, Span<T> gradient, T lambda)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLength(network.Parameters.Length, gradient.Length, nameof(gradient));
        int d = network.InputSize, h = network.HiddenSize;
        ReadOnlySpan<T> w1 = network.W1, w2 = network.W2;
        Kernels.MultiplyAdd(lambda, w1, gradient[..(d * h)]);
        Kernels.MultiplyAdd(lambda, w2, gradient.Slice((d + 1) * h, h));
        double squaredNorm = double.CreateChecked(Kernels.Dot(w1, w1)) + double.CreateChecked(Kernels.Dot(w2, w2));
        return 0.5 * double.CreateChecked(lambda) * squaredNorm;
    }

    /// <summary>Inlined into the steps, which are compiled optimized from their first call; the throw stays out of line.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckLength(int expected, int actual, string parameterName)
    {
        if (expected != actual)
        {
            ThrowLengthMismatch(expected, actual, parameterName);
        }
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLengthMismatch(int expected, int actual, string parameterName)
        => throw new ArgumentException($"Length {actual} does not match the parameter count {expected}.", parameterName);
}
