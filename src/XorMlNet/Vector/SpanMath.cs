using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using XorMlNet.Network;

namespace XorMlNet.Simd;

/// <summary>
/// Element-wise operations over whole spans that the engines and the scorer share, outside the 16-lane kernels: the sum
/// of a chunk's gradient into the batch's, the sparse layer's y += a·x, and the standardization x′ = (x − offset) · scale
/// of a row or of a table. Each runs in vector registers where the hardware has them and finishes with a scalar tail that
/// rounds exactly as the lanes do, so the result does not depend on where a span starts or how long it is.
/// </summary>
internal static unsafe class SpanMath
{
    /// <summary>destination[i] += values[i], element by element (so the chunk order of the sum is kept).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(ReadOnlySpan<float> values, Span<float> destination)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                (Vector256.Create(values[i..]) + Vector256.Create(destination[i..])).CopyTo(destination[i..]);
            }
        }
        for (; i < values.Length; i++)
        {
            destination[i] += values[i];
        }
    }

    /// <summary>y[j] = fma(a, x[j], y[j]) for j &lt; n: one rounding per element whether a vector lane or the scalar tail computes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd(float a, float* x, float* y, int n)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> va = Vector256.Create(a);
            for (; j <= n - Vector256<float>.Count; j += Vector256<float>.Count)
            {
                Vector256.FusedMultiplyAdd(va, Vector256.Load(x + j), Vector256.Load(y + j)).Store(y + j);
            }
        }
        for (; j < n; j++)
        {
            y[j] = MathF.FusedMultiplyAdd(a, x[j], y[j]);
        }
    }

    /// <summary>
    /// One row standardized: <paramref name="destination"/>[j] = (<paramref name="row"/>[j] − offset[j]) · scale[j]
    /// (the map of <see cref="FeatureScaling"/>); the spans may be the same.
    /// </summary>
    public static void Standardize(ReadOnlySpan<float> row, ReadOnlySpan<float> offset, ReadOnlySpan<float> scale, Span<float> destination)
    {
        int d = offset.Length, j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; j <= d - Vector<float>.Count; j += Vector<float>.Count)
            {
                var value = (new Vector<float>(row.Slice(j)) - new Vector<float>(offset.Slice(j))) * new Vector<float>(scale.Slice(j));
                value.CopyTo(destination.Slice(j));
            }
        }
        for (; j < d; j++)
        {
            destination[j] = (row[j] - offset[j]) * scale[j];
        }
    }

    /// <summary>
    /// Every row of <paramref name="x"/> (row-major, d = offset's length) standardized in place, checking
    /// <paramref name="cancellation"/> every <see cref="FeatureScaling.CancellationRows"/> rows.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled; the rows before the check are standardized.</exception>
    public static void StandardizeRows(Span<float> x, ReadOnlySpan<float> offset, ReadOnlySpan<float> scale, CancellationToken cancellation)
    {
        int d = offset.Length;
        for (int start = 0, r = 0; start < x.Length; start += d, r++)
        {
            FeatureScaling.CheckCancellation(r, FeatureScaling.CancellationRows, cancellation);
            Standardize(x.Slice(start, d), offset, scale, x.Slice(start, d));
        }
    }
}
