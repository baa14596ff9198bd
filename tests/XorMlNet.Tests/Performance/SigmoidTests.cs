using Xunit.Abstractions;
using XorMlNet.Network;
using XorMlNet.Simd;

namespace XorMlNet.Tests.Performance;

/// <summary>The vectorized sigmoids (training's and scoring's) against the scalar one of the reference kernels and the exact one.</summary>
public class SigmoidTests(ITestOutputHelper output)
{
    /// <summary>
    /// Largest distance in units in the last place allowed between the vectorized sigmoid and the scalar one
    /// (1 / (1 + MathF.Exp(−z))). Measured over the inputs below: 96% equal, 3% 1 ulp apart, 0.4% 2 ulp, a handful 3 ulp.
    /// </summary>
    private const int MaxUlpsFromScalar = 3;

    /// <summary>Largest distance allowed from the correctly rounded sigmoid wherever that is a normal float (measured: 2).</summary>
    private const int MaxUlpsFromExact = 3;

    [Fact]
    public void VectorSigmoid_IsWithin3UlpOfTheScalarSigmoid_FromMinus110To110()
    {
        var inputs = new List<float>();
        for (double z = -110; z <= 110; z += 1.0 / 1024)
        {
            inputs.Add((float)z);
        }
        // The edges: exp's overflow near ±88.7, the clamp at 86.6, subnormal results, and extremes.
        foreach (float edge in new[] { 0f, -0f, 86.6f, -86.6f, 87.33f, -87.33f, 88f, -88f, 88.72f, -88.72f, 88.73f, -88.73f, 88.8f, -88.8f,
            103.9f, -103.9f, 1e-30f, -1e-30f, float.Epsilon, -float.Epsilon, 1e30f, -1e30f, float.MaxValue, float.MinValue })
        {
            for (int k = -4; k <= 4; k++)
            {
                inputs.Add(BitStep(edge, k));
            }
        }
        var random = new NumpyRandom(3);
        for (int k = 0; k < 100_000; k++)
        {
            inputs.Add((float)(random.NextGaussian() * 30));
        }

        float[] actual = Sigmoid<Lanes512>(inputs.ToArray());

        long worstFromScalar = 0, worstFromExact = 0;
        for (int k = 0; k < inputs.Count; k++)
        {
            float scalar = Kernels.Sigmoid(inputs[k]);
            long ulps = Ulps(scalar, actual[k]);
            worstFromScalar = Math.Max(worstFromScalar, ulps);
            Assert.True(ulps <= MaxUlpsFromScalar, $"σ({inputs[k]:R}): vector {actual[k]:R}, scalar {scalar:R} ({ulps} ulp apart)");
            float exact = (float)(1 / (1 + Math.Exp(-(double)inputs[k])));
            if (exact >= 1.17549435e-38f) // the smallest normal float
            {
                long fromExact = Ulps(exact, actual[k]);
                worstFromExact = Math.Max(worstFromExact, fromExact);
                Assert.True(fromExact <= MaxUlpsFromExact, $"σ({inputs[k]:R}): vector {actual[k]:R}, correctly rounded {exact:R} ({fromExact} ulp apart)");
            }
        }
        output.WriteLine($"{inputs.Count} inputs: largest distance {worstFromScalar} ulp from the scalar sigmoid, {worstFromExact} ulp from the correctly rounded one.");
    }

    [Fact]
    public void VectorSigmoid_HandlesInfinitiesNaNAndZero()
    {
        float[] inputs = [float.PositiveInfinity, float.NegativeInfinity, float.NaN, -float.NaN, 0f, -0f, 1000f, -1000f];

        float[] actual = Sigmoid<Lanes512>(inputs);

        Assert.Equal(1f, actual[0]);
        Assert.Equal(0f, actual[1]);
        Assert.True(float.IsNaN(actual[2]));
        Assert.True(float.IsNaN(actual[3]));
        Assert.Equal(0.5f, actual[4]);
        Assert.Equal(0.5f, actual[5]);
        Assert.Equal(1f, actual[6]);
        Assert.Equal(0f, actual[7]);
    }

    /// <summary>The three lane implementations compute the same bits, for training's sigmoid and for scoring's.</summary>
    [Theory]
    [InlineData(false, 8u)]
    [InlineData(true, 9u)]
    public void VectorSigmoids_AreBitIdenticalAcrossLaneWidths(bool scoring, uint seed)
    {
        var random = new NumpyRandom(seed);
        float[] inputs = new float[16 * 4096];
        for (int k = 0; k < inputs.Length; k++)
        {
            inputs[k] = (float)(random.NextGaussian() * 40);
        }
        inputs[5] = float.NaN;
        inputs[6] = float.PositiveInfinity;
        inputs[7] = float.NegativeInfinity;

        float[] wide = Sigmoid<Lanes512>(inputs, scoring);

        Assert.Equal(wide, Sigmoid<Lanes256>(inputs, scoring));
        Assert.Equal(wide, Sigmoid<Lanes128>(inputs, scoring));
    }

    /// <summary>Largest absolute error allowed for the scoring sigmoid against the exact one (measured: 8.9e-8).</summary>
    private const double ScoringMaxAbsoluteError = 2e-7;

    [Fact]
    public void ScoringSigmoid_IsWithin2e7OfTheExactSigmoid_AndHandlesTheEdges()
    {
        var inputs = new List<float>();
        for (double z = -120; z <= 120; z += 1.0 / 2048)
        {
            inputs.Add((float)z);
        }
        foreach (float edge in new[] { 0f, -0f, 86.6f, -86.6f, 87.34f, -87.34f, 88.8f, -88.8f, 1e-30f, -1e-30f, float.Epsilon,
            float.MaxValue, float.MinValue })
        {
            for (int k = -4; k <= 4; k++)
            {
                inputs.Add(BitStep(edge, k));
            }
        }

        float[] actual = Sigmoid<Lanes512>(inputs.ToArray(), scoring: true);

        double worst = 0;
        float worstInput = 0;
        for (int k = 0; k < inputs.Count; k++)
        {
            double exact = 1 / (1 + Math.Exp(-(double)inputs[k]));
            double error = Math.Abs(actual[k] - exact);
            if (error > worst)
            {
                worst = error;
                worstInput = inputs[k];
            }
            Assert.True(error <= ScoringMaxAbsoluteError, $"σ({inputs[k]:R}): {actual[k]:R}, exact {exact:R}, error {error:G3}");
        }
        output.WriteLine($"{inputs.Count} inputs: largest absolute error {worst:G3}, at z = {worstInput:R}.");

        float[] special = Sigmoid<Lanes512>([float.PositiveInfinity, float.NegativeInfinity, float.NaN, 0f], scoring: true);
        Assert.Equal(1f, special[0]);
        Assert.InRange(special[1], 0f, 1.2e-38f);
        Assert.True(float.IsNaN(special[2]));
        Assert.Equal(0.5f, special[3]);
    }

    private static unsafe float[] Sigmoid<TV>(float[] inputs, bool scoring = false) where TV : struct, ILanes<TV>
    {
        int padded = (inputs.Length + 15) / 16 * 16;
        var source = new float[padded];
        var result = new float[padded];
        inputs.CopyTo(source, 0);
        fixed (float* from = source, to = result)
        {
            for (int k = 0; k < padded; k += 16)
            {
                TV z = TV.Load(from + k);
                TV.Store(to + k, scoring ? LaneMath.ScoringSigmoid(z) : LaneMath.Sigmoid(z));
            }
        }
        return result[..inputs.Length];
    }

    /// <summary>Distance in representable floats between two finite or infinite floats of the same sign (NaN: both or a failure).</summary>
    private static long Ulps(float expected, float actual)
    {
        if (float.IsNaN(expected) || float.IsNaN(actual))
        {
            return float.IsNaN(expected) && float.IsNaN(actual) ? 0 : long.MaxValue;
        }
        return Math.Abs(Ordered(expected) - Ordered(actual));

        static long Ordered(float value)
        {
            int bits = BitConverter.SingleToInt32Bits(value);
            return bits < 0 ? -(long)(bits & int.MaxValue) : bits;
        }
    }

    private static float BitStep(float value, int steps)
    {
        float result = value;
        for (int k = 0; k < Math.Abs(steps); k++)
        {
            result = steps > 0 ? MathF.BitIncrement(result) : MathF.BitDecrement(result);
        }
        return result;
    }
}
