using Xunit.Abstractions;
using XorMlNet.Network;
using XorMlNet.Tests.Training;
using XorMlNet.Simd;
using XorMlNet.Training;

namespace XorMlNet.Tests.Performance;

/// <summary>
/// The fast float kernels against the generic reference kernels (<see cref="TrainingSettings.UseReferenceKernels"/>):
/// same weights and losses to a stated tolerance after a few epochs, for several shapes and table sizes (including
/// sizes that are not multiples of the 16-row tile, the 64-row block or the 4096-row chunk), full batch and mini-batch.
/// </summary>
public class FastKernelTests(ITestOutputHelper output)
{
    /// <summary>
    /// Weights agree to |fast − reference| ≤ 2e-5 + 2e-4·|reference|, losses to 1e-4 relative: the two differ only by
    /// rounding (fused multiply-adds, the order of the sums, a sigmoid within 2 ulp), which after 5 epochs is a few 1e-7.
    /// </summary>
    private const double WeightAbsolute = 2e-5, WeightRelative = 2e-4, LossRelative = 1e-4;

    public static TheoryData<int, int, int, int, Solver> Shapes => new()
    {
        // d, H, rows, batch (0 = full), solver
        { 2, 2, 4, 0, Solver.GradientDescent },
        { 2, 1, 1, 0, Solver.GradientDescent },
        { 3, 5, 17, 0, Solver.GradientDescent },
        { 2, 3, 63, 0, Solver.Momentum },
        { 7, 4, 65, 0, Solver.GradientDescent },
        { 16, 16, 1000, 0, Solver.GradientDescent },
        { 16, 64, 300, 0, Solver.Adam },
        { 5, 9, 4097, 0, Solver.Momentum },
        { 4, 6, 9001, 0, Solver.GradientDescent },
        { 5, 4, 1001, 64, Solver.Momentum },
        { 3, 2, 777, 1, Solver.GradientDescent },
        { 16, 16, 9000, 256, Solver.Adam },
        { 6, 17, 10_000, 5000, Solver.Momentum },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void FastTraining_MatchesTheReferenceKernels(int d, int h, int rows, int batch, Solver solver)
    {
        (float[] x, float[] y) = TrainingData.Synthetic<float>(rows, d, seed: (uint)(rows + d), noise: 0.05);
        var settings = new TrainingSettings
        {
            Solver = solver,
            LearningRate = solver == Solver.Adam ? 0.01 : 0.5,
            BatchSize = batch,
            NumberOfEpochs = 5,
            L2Regularization = rows % 2 == 1 ? 1e-3 : 0,
            Seed = 9,
        };

        (float[] fast, TrainingResult fastResult) = Train(d, h, x, y, settings);
        (float[] reference, TrainingResult referenceResult) = Train(d, h, x, y, settings with { UseReferenceKernels = true });

        AssertClose(reference, fast, referenceResult, fastResult);
    }

    /// <summary>Validation rows go through the fast forward pass (and its chunks) too.</summary>
    [Theory]
    [InlineData(37)]
    [InlineData(9000)]
    public void FastTraining_WithValidationRows_MatchesTheReferenceKernels(int validationRows)
    {
        (float[] x, float[] y) = TrainingData.Synthetic<float>(2000, 5, seed: 4, noise: 0.05);
        (float[] vx, float[] vy) = TrainingData.Synthetic<float>(validationRows, 5, seed: 5, noise: 0.05);
        var settings = new TrainingSettings { Solver = Solver.Momentum, LearningRate = 0.5, NumberOfEpochs = 5, Seed = 2 };
        TrainingResult Run(TrainingSettings s, out float[] weights)
        {
            TwoLayerNetwork<float> network = TrainingData.Network<float>(5, 7, seed: 3);
            TrainingResult result = NetworkTrainer.Train(network, x, y, vx, vy, s);
            weights = network.Parameters.ToArray();
            return result;
        }

        TrainingResult fastResult = Run(settings, out float[] fast);
        TrainingResult referenceResult = Run(settings with { UseReferenceKernels = true }, out float[] reference);

        AssertClose(reference, fast, referenceResult, fastResult);
        for (int e = 0; e < referenceResult.ValidationLoss.Count; e++)
        {
            Assert.True(Math.Abs(fastResult.ValidationLoss[e] - referenceResult.ValidationLoss[e]) <= LossRelative * referenceResult.ValidationLoss[e],
                $"validation loss of epoch {e + 1}: {fastResult.ValidationLoss[e]} vs {referenceResult.ValidationLoss[e]}");
        }
    }

    /// <summary>
    /// The fast forward pass (the validation loss) against <see cref="TwoLayerNetwork{T}.Forward"/>: the sum of squared
    /// errors within 2e-6 per row (each ŷ within 1e-6, errors in [−1, 1]) plus the float summation's rounding (2e-5 of
    /// the sum), over one tile, part tiles, whole blocks and more than one 4,096-row chunk.
    /// </summary>
    [Theory]
    [InlineData(2, 2, 4)]
    [InlineData(2, 1, 1)]
    [InlineData(3, 5, 31)]
    [InlineData(16, 16, 1000)]
    [InlineData(16, 64, 65)]
    [InlineData(9, 3, 4100)]
    public unsafe void FastForward_MatchesTheReferenceForward(int d, int h, int rows)
    {
        (float[] x, float[] y) = TrainingData.Synthetic<float>(rows, d, seed: 11);
        var network = new TwoLayerNetwork<float>(d, h);
        network.InitializeNormal(new NumpyRandom(12), 1.0);
        float[] predicted = TrainingData.Predict(network, x);
        double expected = 0;
        for (int r = 0; r < rows; r++)
        {
            expected += Math.Pow((double)predicted[r] - y[r], 2);
        }

        double actual;
        using (var engine = new FastEngine(d, h, rows, rows, fullBatch: true, new TrainingSettings()))
        {
            fixed (float* theta = network.Parameters, px = x, py = y)
            {
                engine.Bind(theta, px, py, rows, null, px, py, rows);
                actual = engine.ValidationSquaredError();
            }
        }

        double difference = Math.Abs(actual - expected), tolerance = rows * 2e-6 + 2e-5 * expected;
        output.WriteLine($"d={d}, H={h}, {rows} rows: |fast − reference| = {difference:G3} of a sum of squared errors {expected:G6}");
        Assert.True(difference <= tolerance, $"difference {difference}, tolerance {tolerance}");
    }

    /// <summary>
    /// The three lane implementations (one 512-bit vector, two 256-bit, four 128-bit) give bit-identical weights and
    /// losses, so a model trained on a machine with AVX-512 and one without are the same.
    /// </summary>
    [Theory]
    [InlineData(4, 3, 1001, 0)]
    [InlineData(2, 2, 4, 0)]
    [InlineData(16, 16, 5000, 128)]
    public void LaneWidths_GiveBitIdenticalResults(int d, int h, int rows, int batch)
    {
        (float[] x, float[] y) = TrainingData.Synthetic<float>(rows, d, seed: 21, noise: 0.05);
        var settings = new TrainingSettings { Solver = Solver.Momentum, LearningRate = 0.5, BatchSize = batch, NumberOfEpochs = 4, Seed = 5 };

        (float[] w512, TrainingResult r512) = Train(d, h, x, y, settings with { LaneWidth = LaneWidth.Vector512 });
        (float[] w256, TrainingResult r256) = Train(d, h, x, y, settings with { LaneWidth = LaneWidth.Vector256 });
        (float[] w128, TrainingResult r128) = Train(d, h, x, y, settings with { LaneWidth = LaneWidth.Vector128 });

        Assert.Equal(w512, w256);
        Assert.Equal(w512, w128);
        Assert.Equal(r512.TrainingLoss, r256.TrainingLoss);
        Assert.Equal(r512.TrainingLoss, r128.TrainingLoss);
    }

    /// <summary>
    /// A full batch of at most 16 rows takes the single-tile path (its sums straight from the vectors, only the first
    /// four lanes for at most 4 rows); it gives the very gradient and loss of the general path through accumulators.
    /// </summary>
    [Theory]
    [InlineData(2, 2, 4)]
    [InlineData(2, 2, 1)]
    [InlineData(3, 5, 3)]
    [InlineData(4, 3, 5)]
    [InlineData(16, 8, 16)]
    public unsafe void SingleTilePath_GivesTheGeneralPathsGradientBitForBit(int d, int h, int rows)
    {
        (float[] x, float[] y) = TrainingData.Synthetic<float>(rows, d, seed: (uint)(31 * rows + d), noise: 0.1);
        float[] theta = TrainingData.Network<float>(d, h, seed: 3).Parameters.ToArray();
        var settings = new TrainingSettings { NumberOfThreads = 1 };
        float[] single = new float[theta.Length], general = new float[theta.Length];
        double singleLoss, generalLoss;
        fixed (float* pt = theta, px = x, py = y, ps = single, pg = general)
        {
            using var tiled = new FastEngine(d, h, rows, 0, fullBatch: true, settings);
            tiled.Bind(pt, px, py, rows, null, null, null, 0);
            singleLoss = tiled.Gradient(0, rows, 2f / rows, ps);
            using var untiled = new FastEngine(d, h, rows, 0, fullBatch: false, settings);
            untiled.Bind(pt, px, py, rows, null, null, null, 0);
            generalLoss = untiled.Gradient(0, rows, 2f / rows, pg);
        }

        Assert.Equal(generalLoss, singleLoss);
        Assert.Equal(general, single);
        Assert.Contains(single, g => g != 0);
    }

    private void AssertClose(float[] reference, float[] fast, TrainingResult referenceResult, TrainingResult fastResult)
    {
        double worst = 0;
        for (int k = 0; k < reference.Length; k++)
        {
            double difference = Math.Abs(fast[k] - reference[k]);
            worst = Math.Max(worst, difference / (WeightAbsolute + WeightRelative * Math.Abs(reference[k])));
            Assert.True(difference <= WeightAbsolute + WeightRelative * Math.Abs(reference[k]),
                $"parameter {k}: fast {fast[k]}, reference {reference[k]}");
        }
        Assert.Equal(referenceResult.EpochsRun, fastResult.EpochsRun);
        double worstLoss = 0;
        for (int e = 0; e < referenceResult.EpochsRun; e++)
        {
            double relative = Math.Abs(fastResult.TrainingLoss[e] - referenceResult.TrainingLoss[e]) / referenceResult.TrainingLoss[e];
            worstLoss = Math.Max(worstLoss, relative);
            Assert.True(relative <= LossRelative, $"loss of epoch {e + 1}: fast {fastResult.TrainingLoss[e]}, reference {referenceResult.TrainingLoss[e]}");
        }
        output.WriteLine($"largest weight difference {worst:P1} of the tolerance; largest relative loss difference {worstLoss:G3}");
    }

    private static (float[] Weights, TrainingResult Result) Train(int d, int h, float[] x, float[] y, TrainingSettings settings)
        => TrainingData.Train(d, h, networkSeed: 7, x, y, settings);
}
