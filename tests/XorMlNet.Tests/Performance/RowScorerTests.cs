using Microsoft.ML.Data;
using Xunit.Abstractions;
using XorMlNet.Network;
using XorMlNet.Simd;

namespace XorMlNet.Tests.Performance;

/// <summary>
/// The one-row scorer behind Transform and PredictionEngine (<see cref="RowKernel{TV, TL}"/>) against the plain
/// reference, <see cref="TwoLayerNetwork{T}.Score"/> in double on the same float weights: agreement to a stated
/// tolerance, and the same bits for every lane width, for dense and sparse rows.
/// </summary>
public class RowScorerTests(ITestOutputHelper output)
{
    /// <summary>
    /// |Z2 − reference| ≤ 1e-6 · (1 + Σ|a_j·W2[j]| + |b2|): float rounding of the sums and a σ within 2 ulp. The test
    /// prints the largest error per shape: 3e-8 to 1.5e-7 of that scale, 4.5e-7 for the widest (d = 33, H = 31).
    /// </summary>
    private const double ScoreTolerance = 1e-6;

    public static TheoryData<int, int> Shapes => new()
    {
        // d, H: inputs around the multiple of 8 the kernel pads to, hidden units around the 16-lane blocks and H ≤ 4.
        { 1, 1 }, { 2, 2 }, { 2, 4 }, { 3, 5 }, { 7, 16 }, { 8, 17 }, { 9, 3 }, { 16, 2 }, { 16, 64 }, { 33, 31 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Scores_MatchTheReferenceNetwork_AndAreTheSameOnEveryLaneWidth(int d, int h)
    {
        var random = new NumpyRandom((uint)(100 * d + h));
        float[] theta = new float[TwoLayerNetwork<float>.GetParameterCount(d, h)];
        for (int k = 0; k < theta.Length; k++)
        {
            theta[k] = (float)(1.5 * random.NextGaussian());
        }
        var reference = new TwoLayerNetwork<double>(d, h, theta.Select(v => (double)v).ToArray());
        var weights = new RowWeights(d, h, theta);
        XorMlpModelParameters.RowScorer[] scorers =
            [new(weights, LaneWidth.Vector512), new(weights, LaneWidth.Vector256), new(weights, LaneWidth.Vector128)];
        var hidden = new double[h];
        double worst = 0;

        for (int r = 0; r < 300; r++)
        {
            float[] x = new float[d];
            for (int i = 0; i < d; i++)
            {
                // Every third value zero, so the sparse form below leaves some out; a few rows far out, where σ saturates.
                x[i] = i % 3 == 1 ? 0 : (float)(random.NextGaussian() * (r % 50 == 0 ? 40 : 2));
            }
            int[] indices = Enumerable.Range(0, d).Where(i => x[i] != 0).ToArray();
            var dense = new VBuffer<float>(d, x);
            var sparse = new VBuffer<float>(d, indices.Length, indices.Select(i => x[i]).ToArray(), indices);

            float score = scorers[0].Score(in dense);
            foreach (XorMlpModelParameters.RowScorer scorer in scorers)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(score), BitConverter.SingleToInt32Bits(scorer.Score(in dense)));
                Assert.Equal(BitConverter.SingleToInt32Bits(score), BitConverter.SingleToInt32Bits(scorer.Score(in sparse)));
            }

            double expected = reference.Score(x.Select(v => (double)v).ToArray(), hidden);
            double scale = 1 + Math.Abs(theta[^1]);
            for (int j = 0; j < h; j++)
            {
                scale += Math.Abs(hidden[j] * theta[(d + 1) * h + j]);
            }
            double error = Math.Abs(score - expected) / scale;
            worst = Math.Max(worst, error);
            Assert.True(error <= ScoreTolerance, $"row {r}: score {score}, reference {expected}, error {error:G3} of scale {scale:G3}");
        }
        output.WriteLine($"d={d}, H={h}: largest |Z2 − reference| / scale = {worst:G3}");
    }

    [Fact]
    public void RowOfAnotherLength_IsRejectedWithBothLengths()
    {
        var scorer = new XorMlpModelParameters.RowScorer(new RowWeights(3, 2, new float[TwoLayerNetwork<float>.GetParameterCount(3, 2)]), LaneWidth.Auto);
        var row = new VBuffer<float>(4, [1f, 2f, 3f, 4f]);

        ArgumentException error = Assert.Throws<ArgumentException>(() => scorer.Score(in row));

        Assert.Equal("features", error.ParamName);
        Assert.Contains("3 features", error.Message);
        Assert.Contains("has 4", error.Message);
    }

    /// <summary>
    /// Scorers share their thread's scratch row: a narrow model scored after a wide one on the same thread reads zeros,
    /// not the wide row's values, in the padding up to a multiple of 8 features (W1's padding rows are zero, but 0 · ∞
    /// is NaN).
    /// </summary>
    [Fact]
    public void NarrowModelAfterAWideOne_OnTheSameThread_ScoresAsOnAFreshThread()
    {
        var random = new NumpyRandom(77);
        float[] Theta(int d, int h) => Enumerable.Range(0, TwoLayerNetwork<float>.GetParameterCount(d, h)).Select(_ => (float)random.NextGaussian()).ToArray();
        var wide = new XorMlpModelParameters.RowScorer(new RowWeights(11, 4, Theta(11, 4)), LaneWidth.Auto);
        var narrow = new XorMlpModelParameters.RowScorer(new RowWeights(3, 4, Theta(3, 4)), LaneWidth.Auto);
        var wideRow = new VBuffer<float>(11, Enumerable.Range(0, 11).Select(v => v < 3 ? v : float.PositiveInfinity).ToArray());
        var narrowRow = new VBuffer<float>(3, 2, [0.5f, -1.5f], [0, 2]);
        float fresh = 0;
        var thread = new Thread(() => fresh = narrow.Score(in narrowRow));
        thread.Start();
        thread.Join();

        wide.Score(in wideRow);
        float afterWide = narrow.Score(in narrowRow);

        Assert.True(float.IsFinite(fresh));
        Assert.Equal(BitConverter.SingleToInt32Bits(fresh), BitConverter.SingleToInt32Bits(afterWide));
    }
}
