using XorMlNet.Network;
using XorMlNet.Simd;
using XorMlNet.Training;

namespace XorMlNet.Tests.Network;

/// <summary>
/// Every pass of the standardization over a whole table sees the cancellation token (on millions of rows each pass
/// takes hundreds of milliseconds): a cancelled token stops it before it reads or changes a value, and a live one
/// gives the same results as no token.
/// </summary>
public class FeatureScalingCancellationTests
{
    private static readonly float[] Dense = [5f, 1f, 5f, 3f, 5f, 5f];

    private static CancellationToken Cancelled()
    {
        using var source = new CancellationTokenSource();
        source.Cancel();
        return source.Token;
    }

    [Fact]
    public void Standardize_CancelledToken_Throws()
        => Assert.ThrowsAny<OperationCanceledException>(() => FeatureScaling.Standardize(Dense, rows: 3, d: 2, Cancelled()));

    [Fact]
    public void StandardizeRows_CancelledToken_ThrowsAndLeavesTheRowsAsTheyWere()
    {
        float[] x = (float[])Dense.Clone();

        Assert.ThrowsAny<OperationCanceledException>(() => SpanMath.StandardizeRows(x, [1f, 2f], [3f, 4f], Cancelled()));
        Assert.Equal(Dense, x);
    }

    [Fact]
    public void ScaleOnly_CancelledToken_Throws()
        => Assert.ThrowsAny<OperationCanceledException>(() => FeatureScaling.ScaleOnly([0, 1], [2f, 3f], rows: 2, d: 2, Cancelled()));

    [Fact]
    public void ScaleColumns_CancelledToken_ThrowsAndLeavesTheValuesAsTheyWere()
    {
        var matrix = CsrMatrix.FromDense([0f, 2f, 3f, 0f], rows: 2, columns: 2);

        Assert.ThrowsAny<OperationCanceledException>(() => matrix.ScaleColumns([10f, 100f], Cancelled()));
        Assert.Equal([2f, 3f], matrix.Values.ToArray());
    }

    [Fact]
    public void LiveToken_GivesTheResultsOfNoToken()
    {
        // Enough rows and values that every pass checks the token several times, the last check inside the table.
        const int D = 3, Rows = 2 * FeatureScaling.CancellationRows + 5;
        var dense = new float[Rows * D];
        var columns = new int[2 * FeatureScaling.CancellationValues + 7];
        var values = new float[columns.Length];
        var random = new Random(4);
        for (int k = 0; k < dense.Length; k++)
        {
            dense[k] = (float)(random.NextDouble() * 10 - 3);
        }
        for (int k = 0; k < values.Length; k++)
        {
            columns[k] = k % D;
            values[k] = (float)random.NextDouble();
        }
        using var source = new CancellationTokenSource();

        (float[] offset, float[] scale) = FeatureScaling.Standardize(dense, Rows, D);
        (float[] offsetWithToken, float[] scaleWithToken) = FeatureScaling.Standardize(dense, Rows, D, source.Token);
        float[] x = (float[])dense.Clone(), xWithToken = (float[])dense.Clone();
        SpanMath.StandardizeRows(x, offset, scale, CancellationToken.None);
        SpanMath.StandardizeRows(xWithToken, offset, scale, source.Token);

        Assert.Equal(offset, offsetWithToken);
        Assert.Equal(scale, scaleWithToken);
        Assert.Equal(x, xWithToken);
        Assert.NotEqual(dense, x);
        Assert.Equal(FeatureScaling.ScaleOnly(columns, values, Rows, D).Scale, FeatureScaling.ScaleOnly(columns, values, Rows, D, source.Token).Scale);
    }
}
