using XorMlNet.Network;

namespace XorMlNet.Tests.Network;

public class KernelsTests
{
    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void CopyAllFinite_CopiesEveryValue_AndFindsANonFiniteOneAnywhere(float bad)
    {
        float[] source = [.. Enumerable.Range(0, 37).Select(i => (i - 18) * 1e37f / 18)];
        float[] copy = new float[source.Length];
        Assert.True(Kernels.CopyAllFinite<float>(source, copy));
        Assert.Equal(source, copy);

        for (int at = 0; at < source.Length; at++)
        {
            float[] withBad = [.. source];
            withBad[at] = bad;
            Array.Clear(copy);
            Assert.False(Kernels.CopyAllFinite<float>(withBad, copy));
            Assert.Equal(withBad, copy);
        }
    }

    [Fact]
    public void CopyAllFinite_Double_ExtremesAreFinite()
    {
        double[] source = [double.MaxValue, -double.MaxValue, double.Epsilon, -0.0, 0.0];
        double[] copy = new double[source.Length];
        Assert.True(Kernels.CopyAllFinite<double>(source, copy));
        Assert.Equal(source, copy);
    }

    [Fact]
    public void CopyAllFinite_LengthsDiffer_NamesTheDestination()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => Kernels.CopyAllFinite<float>(new float[3], new float[2]));
        Assert.Equal("destination", error.ParamName);
    }
}
