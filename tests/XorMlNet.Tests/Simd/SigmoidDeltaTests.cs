using XorMlNet.Network;
using XorMlNet.Simd;

namespace XorMlNet.Tests.Simd;

/// <summary>
/// The δ step back through a sigmoid, δ = g·σ(1 − σ), that the tile kernels share (<see cref="LaneMath.SigmoidDelta"/>):
/// on every lane type, every lane is bit for bit the scalar <see cref="Kernels.SigmoidDelta"/> of the same floats, and that
/// is bit for bit the formula as the reference network writes it. Bit equality, not a tolerance: both are the same three
/// IEEE operations in the same order, and the trained weights' bit identity across widths rests on it.
/// </summary>
public class SigmoidDeltaTests
{
    /// <summary>Gradients of every size and sign, and sigmoid outputs across [0, 1] including its ends and values next to them.</summary>
    private static (float[] Upstream, float[] Sigma) Inputs()
    {
        var random = new NumpyRandom(17);
        var upstream = new List<float>();
        var sigma = new List<float>();
        float[] edges = [0f, 1f, 0.5f, float.Epsilon, 1e-30f, BitConverter.Int32BitsToSingle(0x3F7FFFFF), 1e-7f, 1 - 1e-7f];
        foreach (float s in edges)
        {
            foreach (float g in new[] { 0f, -0f, 1f, -1f, 3e-38f, -2.5e30f, 0.125f })
            {
                upstream.Add(g);
                sigma.Add(s);
            }
        }
        for (int k = 0; k < 20_000; k++)
        {
            upstream.Add((float)(random.NextGaussian() * Math.Pow(10, random.NextInt32(13) - 6)));
            sigma.Add((float)random.NextDouble());
        }
        int padded = (upstream.Count + 15) / 16 * 16;
        while (upstream.Count < padded)
        {
            upstream.Add(0.75f);
            sigma.Add(0.25f);
        }
        return (upstream.ToArray(), sigma.ToArray());
    }

    [Fact]
    public void ScalarDelta_IsTheReferenceFormula_ForFloatAndDouble()
    {
        (float[] upstream, float[] sigma) = Inputs();
        for (int i = 0; i < upstream.Length; i++)
        {
            float g = upstream[i], s = sigma[i];
            Assert.Equal(BitConverter.SingleToInt32Bits(g * (s * (1f - s))), BitConverter.SingleToInt32Bits(Kernels.SigmoidDelta(g, s)));
            double gd = g, sd = s;
            Assert.Equal(BitConverter.DoubleToInt64Bits(gd * (sd * (1.0 - sd))), BitConverter.DoubleToInt64Bits(Kernels.SigmoidDelta(gd, sd)));
        }
    }

    [Fact]
    public void Lanes512_Delta_IsTheScalarDeltaInEveryLane() => AssertLanesMatchScalar<Lanes512>();

    [Fact]
    public void Lanes256_Delta_IsTheScalarDeltaInEveryLane() => AssertLanesMatchScalar<Lanes256>();

    [Fact]
    public void Lanes128_Delta_IsTheScalarDeltaInEveryLane() => AssertLanesMatchScalar<Lanes128>();

    private static unsafe void AssertLanesMatchScalar<TV>() where TV : struct, ILanes<TV>
    {
        (float[] upstream, float[] sigma) = Inputs();
        var result = new float[upstream.Length];
        fixed (float* g = upstream, s = sigma, to = result)
        {
            for (int k = 0; k < upstream.Length; k += 16)
            {
                TV.Store(to + k, LaneMath.SigmoidDelta(TV.Load(g + k), TV.Load(s + k)));
            }
        }
        for (int i = 0; i < upstream.Length; i++)
        {
            float expected = Kernels.SigmoidDelta(upstream[i], sigma[i]);
            Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(result[i]),
                $"{typeof(TV).Name}, lane {i % 16}: δ({upstream[i]:R}, {sigma[i]:R}) = {result[i]:R}, scalar {expected:R}");
        }
    }
}
