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
    public void Apply_CancelledToken_ThrowsAndLeavesTheRowsAsTheyWere()
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
        using var source = new CancellationTokenSource();
        (float[] offset, float[] scale) = FeatureScaling.Standardize(Dense, rows: 3, d: 2);
        (float[] offsetWithToken, float[] scaleWithToken) = FeatureScaling.Standardize(Dense, rows: 3, d: 2, source.Token);
        float[] x = (float[])Dense.Clone(), xWithToken = (float[])Dense.Clone();
        SpanMath.StandardizeRows(x, offset, scale, CancellationToken.None);
        SpanMath.StandardizeRows(xWithToken, offset, scale, source.Token);

        Assert.Equal(offset, offsetWithToken);
        Assert.Equal(scale, scaleWithToken);
        Assert.Equal(x, xWithToken);
        Assert.Equal(FeatureScaling.ScaleOnly([0, 1], [2f, 3f], rows: 2, d: 2).Scale,
            FeatureScaling.ScaleOnly([0, 1], [2f, 3f], rows: 2, d: 2, source.Token).Scale);
    }
}
