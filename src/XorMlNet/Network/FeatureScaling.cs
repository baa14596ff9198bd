using System.Runtime.CompilerServices;

namespace XorMlNet.Network;

/// <summary>
/// Standardization of the features, the affine map x′ = (x − offset) · scale per column that the network sees
/// instead of x: the statistics come from the training rows (offset = mean, scale = 1 / standard deviation, the
/// population one, as scikit-learn's StandardScaler), and the same map is applied to every row trained on, validated
/// on and scored (by <c>SpanMath.Standardize</c> in the vector code). ML.NET-free.
/// </summary>
/// <remarks>
/// A constant column (standard deviation 0, or so small that its reciprocal overflows float, below about 3e-39) gets
/// scale 1: it becomes x − mean, 0 on every training row. The statistics are summed in double, two passes (mean, then
/// squared deviations), so columns with a large offset (timestamps, ~1e9) keep their spread. They are kept apart from
/// W1, never folded into it, so that no weight has to cancel a large offset in float.
/// <para>The passes over a whole table (the statistics here, and scaling it in place) check a cancellation token every
/// <see cref="CancellationRows"/> rows (sparse: every <see cref="CancellationValues"/> stored values): on a table of
/// millions of rows each pass takes hundreds of milliseconds.</para>
/// </remarks>
internal static class FeatureScaling
{
    /// <summary>Dense rows a pass over the table handles between two checks of its cancellation token.</summary>
    internal const int CancellationRows = 4096;

    /// <summary>Stored values a pass over a sparse table handles between two checks of its cancellation token.</summary>
    internal const int CancellationValues = 1 << 16;

    /// <summary>The per-column offset (mean) and scale (1 / standard deviation) of <paramref name="rows"/> rows of <paramref name="d"/> features.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled.</exception>
    public static (float[] Offset, float[] Scale) Standardize(ReadOnlySpan<float> x, int rows, int d, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfNotEqual(x.Length, rows * d);
        var sum = new double[d];
        for (int r = 0; r < rows; r++)
        {
            CheckCancellation(r, CancellationRows, cancellation);
            ReadOnlySpan<float> row = x.Slice(r * d, d);
            for (int j = 0; j < d; j++)
            {
                sum[j] += row[j];
            }
        }
        var mean = new double[d];
        for (int j = 0; j < d; j++)
        {
            mean[j] = sum[j] / rows;
        }
        var squares = new double[d];
        for (int r = 0; r < rows; r++)
        {
            CheckCancellation(r, CancellationRows, cancellation);
            ReadOnlySpan<float> row = x.Slice(r * d, d);
            for (int j = 0; j < d; j++)
            {
                double deviation = row[j] - mean[j];
                squares[j] += deviation * deviation;
            }
        }
        var offset = new float[d];
        var scale = new float[d];
        for (int j = 0; j < d; j++)
        {
            offset[j] = (float)mean[j];
            float reciprocal = (float)(1 / Math.Sqrt(squares[j] / rows));
            scale[j] = float.IsFinite(reciprocal) && reciprocal > 0 ? reciprocal : 1f;
        }
        return (offset, scale);
    }

    /// <summary>
    /// The scale-only standardization of sparse rows, offset 0, so that zeros stay zero: scale = 1 / √(mean of x²) per
    /// column over all <paramref name="rows"/> rows (the zeros included), i.e. 1 / √(variance + mean²), what ML.NET's
    /// <c>NormalizeMeanVariance</c> uses with <c>fixZero</c> (its default, and what it does to sparse vectors). A column
    /// that is zero on every row gets scale 1.
    /// </summary>
    /// <param name="columns">The column of every stored value.</param>
    /// <param name="values">The stored values.</param>
    /// <param name="rows">Row count (the zeros count as rows too).</param>
    /// <param name="d">Column count.</param>
    /// <param name="cancellation">Checked every <see cref="CancellationValues"/> values.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled.</exception>
    public static (float[] Offset, float[] Scale) ScaleOnly(ReadOnlySpan<int> columns, ReadOnlySpan<float> values, int rows, int d,
        CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfNotEqual(columns.Length, values.Length);
        var squares = new double[d];
        for (int k = 0; k < values.Length; k++)
        {
            CheckCancellation(k, CancellationValues, cancellation);
            double value = values[k];
            squares[columns[k]] += value * value;
        }
        var scale = new float[d];
        for (int j = 0; j < d; j++)
        {
            float reciprocal = (float)(1 / Math.Sqrt(squares[j] / rows));
            scale[j] = float.IsFinite(reciprocal) && reciprocal > 0 ? reciprocal : 1f;
        }
        return (new float[d], scale);
    }

    /// <summary>
    /// The check that every pass over a whole table makes: throws when <paramref name="cancellation"/> is cancelled
    /// and <paramref name="index"/> (a row or a stored value) starts a stretch of <paramref name="interval"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CheckCancellation(int index, int interval, CancellationToken cancellation)
    {
        if (index % interval == 0)
        {
            cancellation.ThrowIfCancellationRequested();
        }
    }
}
