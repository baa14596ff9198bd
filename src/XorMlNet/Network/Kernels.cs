using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace XorMlNet.Network;

/// <summary>
/// Span-in, span-out math shared by the network's forward and backward passes. Every kernel checks its lengths
/// first, allocates nothing and works for <see cref="float"/> and <see cref="double"/> alike.
/// </summary>
internal static class Kernels
{
    /// <summary>
    /// σ(z) = 1 / (1 + e^(−z)) for one value: the one scalar sigmoid, of the reference network, the sparse engine and
    /// Probability. (The vector kernels have their own two, in <c>LaneMath</c>, for the reasons given there.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sigmoid<T>(T z) where T : IFloatingPointIeee754<T>
        => T.One / (T.One + T.Exp(-z));

    /// <summary>destination[i] = σ(z[i]); <paramref name="destination"/> may be <paramref name="z"/> itself.</summary>
    public static void Sigmoid<T>(ReadOnlySpan<T> z, Span<T> destination) where T : IFloatingPointIeee754<T>
    {
        CheckSameLength(z.Length, destination.Length, nameof(destination));
        for (int i = 0; i < z.Length; i++)
        {
            destination[i] = Sigmoid(z[i]);
        }
    }

    /// <summary>
    /// δ = g · σ(1 − σ): the gradient <paramref name="upstream"/> = g with respect to a sigmoid's output
    /// <paramref name="sigma"/> = σ, taken back through the sigmoid (σ' = σ(1 − σ)), rounded as written: σ(1 − σ) first,
    /// then the product with g. With g = dL/dŷ and σ = ŷ it is δ2; with g = δ2·W2[j] and σ = A1[j] it is δ1[j].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T SigmoidDelta<T>(T upstream, T sigma) where T : IFloatingPointIeee754<T>
        => upstream * (sigma * (T.One - sigma));

    /// <summary>Σ (prediction[i] − target[i])².</summary>
    public static T SumOfSquaredErrors<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target) where T : IFloatingPointIeee754<T>
    {
        CheckSameLength(prediction.Length, target.Length, nameof(target));
        T sum = T.Zero;
        for (int i = 0; i < prediction.Length; i++)
        {
            T error = prediction[i] - target[i];
            sum += error * error;
        }
        return sum;
    }

    /// <summary>destination[i] += scale · x[i] (BLAS axpy). The gradient-descent step and L2 run it once per batch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAdd<T>(T scale, ReadOnlySpan<T> x, Span<T> destination) where T : IFloatingPointIeee754<T>
    {
        CheckSameLength(x.Length, destination.Length, nameof(destination));
        for (int i = 0; i < x.Length; i++)
        {
            destination[i] += scale * x[i];
        }
    }

    /// <summary>Σ x[i] · y[i] (L2's penalty, once per batch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y) where T : IFloatingPointIeee754<T>
    {
        CheckSameLength(x.Length, y.Length, nameof(y));
        T sum = T.Zero;
        for (int i = 0; i < x.Length; i++)
        {
            sum += x[i] * y[i];
        }
        return sum;
    }

    /// <summary>
    /// Copies <paramref name="source"/> into <paramref name="destination"/> and returns whether every value was finite: the
    /// trainer's per-epoch snapshot of the weights and its divergence check in one pass. x − x is 0 for a finite x and NaN
    /// for ±∞ or NaN, so the sum of those differences is 0 exactly when every value is finite.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool CopyAllFinite<T>(ReadOnlySpan<T> source, Span<T> destination) where T : IFloatingPointIeee754<T>
    {
        CheckSameLength(source.Length, destination.Length, nameof(destination));
        T check = T.Zero;
        for (int i = 0; i < source.Length; i++)
        {
            T value = source[i];
            destination[i] = value;
            check += value - value;
        }
        return check == T.Zero;
    }

    /// <summary>True when every value is finite (no NaN, no ±∞).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool AllFinite<T>(ReadOnlySpan<T> values) where T : IFloatingPointIeee754<T>
    {
        foreach (T value in values)
        {
            if (!T.IsFinite(value))
            {
                return false;
            }
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckSameLength(int expected, int actual, string parameterName)
    {
        if (expected != actual)
        {
            ThrowLengthMismatch(expected, actual, parameterName);
        }
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLengthMismatch(int expected, int actual, string parameterName)
        => throw new ArgumentException($"Length {actual} does not match the input length {expected}.", parameterName);
}
