using System.Runtime.InteropServices;
using XorMlNet.Network;
using XorMlNet.Training;

namespace XorMlNet.Tests.Training;

/// <summary>
/// The sparse training path (<see cref="CsrMatrix"/>, <see cref="SparseEngine"/>): its gradient against the reference
/// network's, its weights against the dense path's on the same data, and bit-identical weights for any thread count.
/// </summary>
public class SparseTrainingTests
{
    /// <summary>
    /// Rows of <paramref name="d"/> features with about <paramref name="perRow"/> positive values each, the label being
    /// "a feature of group A is present" XOR "a feature of group B is present" (features 0–9 and 10–19): not linear.
    /// </summary>
    internal static (float[] Dense, float[] Labels) XorOfGroups(int rows, int d, int perRow, int seed)
    {
        var random = new Random(seed);
        var dense = new float[rows * d];
        var labels = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = dense.AsSpan(r * d, d);
            bool a = random.Next(2) == 1, b = random.Next(2) == 1;
            if (a)
            {
                row[random.Next(10)] = 1 + (float)random.NextDouble();
            }
            if (b)
            {
                row[10 + random.Next(10)] = 1 + (float)random.NextDouble();
            }
            for (int k = 0; k < perRow; k++)
            {
                row[20 + random.Next(d - 20)] = (float)random.NextDouble();
            }
            labels[r] = a != b ? 1f : 0f;
        }
        return (dense, labels);
    }

    [Fact]
    public unsafe void Gradient_MatchesTheReferenceNetworkOnTheDenseRows()
    {
        const int Rows = 5_000, D = 300, H = 5;
        (float[] dense, float[] labels) = XorOfGroups(Rows, D, perRow: 12, seed: 3);
        CsrMatrix sparse = CsrMatrix.FromDense(dense, Rows, D);
        var network = new TwoLayerNetwork<float>(D, H);
        network.InitializeNormal(new NumpyRandom(7), 0.5);

        // The reference: the generic kernels in double on the dense rows.
        var reference = new TwoLayerNetwork<double>(D, H, network.Parameters.ToArray().Select(v => (double)v).ToArray());
        double[] x = dense.Select(v => (double)v).ToArray(), y = labels.Select(v => (double)v).ToArray();
        var hidden = new double[Rows * H];
        var output = new double[Rows];
        var expected = new double[network.Parameters.Length];
        reference.Forward(x, hidden, output);
        reference.Backward(x, y, hidden, output, 2.0 / Rows, expected, new double[H]);
        double expectedLoss = output.Zip(y, (p, t) => (p - t) * (p - t)).Sum();

        using var engine = new SparseEngine(D, H, Rows, 0, new TrainingSettings { NumberOfThreads = 2 });
        engine.Bind(network.ParameterArray, sparse, labels, null, null, []);
        var gradient = new float[expected.Length];
        double loss;
        fixed (float* g = gradient)
        {
            loss = engine.Gradient(0, Rows, 2f / Rows, g);
        }

        double scale = expected.Max(Math.Abs);
        Assert.True(scale > 1e-4);
        for (int k = 0; k < expected.Length; k++)
        {
            Assert.True(Math.Abs(gradient[k] - expected[k]) <= 1e-5 * scale, $"parameter {k}: {gradient[k]} against {expected[k]}");
        }
        Assert.Equal(expectedLoss, loss, expectedLoss * 1e-5);
    }

    [Theory]
    [InlineData(0)] // full batch: 3 chunks of rows
    [InlineData(5_000)] // mini-batches, shuffled every epoch
    public void Weights_AreBitIdentical_ForAnyThreadCount(int batchSize)
    {
        const int Rows = 10_000, D = 400;
        (float[] dense, float[] labels) = XorOfGroups(Rows, D, perRow: 8, seed: 5);
        CsrMatrix sparse = CsrMatrix.FromDense(dense, Rows, D);
        float[] Train(int threads)
        {
            var network = new TwoLayerNetwork<float>(D, 8);
            network.InitializeNormal(new NumpyRandom(1), 0.3);
            NetworkTrainer.Train(network, sparse, labels, null, [], new TrainingSettings
            {
                LearningRate = 2, NumberOfEpochs = 6, BatchSize = batchSize, ValidationFraction = 0.2, NumberOfThreads = threads, Seed = 9,
            });
            return network.Parameters.ToArray();
        }

        float[] one = Train(1);
        Assert.Equal(MemoryMarshal.AsBytes(one.AsSpan()).ToArray(), MemoryMarshal.AsBytes(Train(2).AsSpan()).ToArray());
        Assert.Equal(MemoryMarshal.AsBytes(one.AsSpan()).ToArray(), MemoryMarshal.AsBytes(Train(3).AsSpan()).ToArray());
    }

    /// <summary>
    /// The same rows stored sparse and dense, the same settings: the weights agree to 1e-4 of the largest weight after
    /// 60 epochs of Adam (the dense kernels use a vectorized σ within 2 ulp and another summation order, so the last bits differ).
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(256)]
    public void Weights_MatchTheDensePath(int batchSize)
    {
        const int Rows = 3_000, D = 120;
        (float[] dense, float[] labels) = XorOfGroups(Rows, D, perRow: 6, seed: 8);
        CsrMatrix sparse = CsrMatrix.FromDense(dense, Rows, D);
        var settings = new TrainingSettings { Solver = Solver.Adam, LearningRate = 0.05, NumberOfEpochs = 60, BatchSize = batchSize, Seed = 4, ValidationFraction = 0.1, EpochsWithoutImprovement = 0 };
        var onSparse = new TwoLayerNetwork<float>(D, 8);
        onSparse.InitializeNormal(new NumpyRandom(2), 0.3);
        var onDense = new TwoLayerNetwork<float>(D, 8, onSparse.Parameters);

        TrainingResult sparseResult = NetworkTrainer.Train(onSparse, sparse, labels, null, [], settings);
        TrainingResult denseResult = NetworkTrainer.Train<float>(onDense, dense, labels, settings);

        float largest = onDense.Parameters.ToArray().Max(Math.Abs);
        float[] a = onSparse.Parameters.ToArray(), b = onDense.Parameters.ToArray();
        for (int k = 0; k < a.Length; k++)
        {
            Assert.True(Math.Abs(a[k] - b[k]) <= 1e-4f * largest, $"parameter {k}: sparse {a[k]}, dense {b[k]}");
        }
        Assert.Equal(denseResult.EpochsRun, sparseResult.EpochsRun);
        Assert.Equal(denseResult.TrainingLoss[^1], sparseResult.TrainingLoss[^1], 1e-5);
        Assert.Equal(denseResult.ValidationLoss[^1], sparseResult.ValidationLoss[^1], 1e-5);
        // And the sparse path learnt the XOR of the groups.
        Assert.True(sparseResult.TrainingLoss[^1] < 0.5 * sparseResult.TrainingLoss[0]);
    }

    /// <summary>
    /// What two workers write row after row (their A1, and the sums of neighbouring chunks) is at least a cache line
    /// apart, so that neither takes the line from the other's core at every write.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(64)]
    public void WorkerWrites_AreACacheLineApart(int hidden)
    {
        const int LineFloats = 64 / sizeof(float);
        Assert.True(SparseEngine.SumsPerChunk(hidden) - (2 * hidden + 1) >= LineFloats, "chunk slots closer than a cache line");
        Assert.True(SparseEngine.HiddenScratch(hidden) - hidden >= 2 * LineFloats, "a worker's A1 without a cache line on each side");
        Assert.Equal(LineFloats, SparseEngine.CacheLineFloats);
    }

    [Fact]
    public void Train_CancelledToken_Throws()
    {
        (float[] dense, float[] labels) = XorOfGroups(1_000, 50, perRow: 4, seed: 1);
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        var network = new TwoLayerNetwork<float>(50, 4);
        network.InitializeNormal(new NumpyRandom(1), 0.1);
        Assert.ThrowsAny<OperationCanceledException>(() => NetworkTrainer.Train(network, CsrMatrix.FromDense(dense, 1_000, 50), labels, null, [],
            new TrainingSettings { CancellationToken = cancellation.Token }));
    }

    [Fact]
    public void CsrMatrix_RejectsColumnsOutOfOrderOrRange()
    {
        Assert.Equal("indices", Assert.Throws<ArgumentException>(() => new CsrMatrix(1, 4, [0, 2], [2, 1], [1f, 1f])).ParamName);
        Assert.Equal("indices", Assert.Throws<ArgumentException>(() => new CsrMatrix(1, 4, [0, 1], [4], [1f])).ParamName);
        Assert.Equal("rowStarts", Assert.Throws<ArgumentException>(() => new CsrMatrix(2, 4, [0, 1], [1], [1f])).ParamName);
    }

    [Fact]
    public void CsrMatrix_SelectRows_SharesTheValuesAndReadsAsTheGatheredRows()
    {
        const int Rows = 400, D = 60;
        (float[] dense, _) = XorOfGroups(Rows, D, perRow: 5, seed: 6);
        CsrMatrix matrix = CsrMatrix.FromDense(dense, Rows, D);
        int[] picked = [7, 3, 399, 0, 3, 250];

        CsrMatrix selection = matrix.SelectRows(picked);

        Assert.True(selection.IsSelection);
        Assert.Equal(picked.Length, selection.RowCount);
        float[] expected = picked.SelectMany(r => dense.AsSpan(r * D, D).ToArray()).ToArray();
        Assert.Equal(expected, selection.ToDense());
        Assert.Equal(picked.Sum(r => dense.AsSpan(r * D, D).ToArray().Count(v => v != 0)), selection.NonZeroCount);
        // Two offsets per row, not the values: a selection of every row costs 8 bytes a row.
        Assert.Equal(2L * picked.Length * sizeof(int), selection.Bytes);
        // Selecting from a selection reads through to the same values.
        Assert.Equal(expected.AsSpan(2 * D, 2 * D).ToArray(), selection.SelectRows([2, 3]).ToDense());
        // Scaling a selection would scale rows outside it, which share its values.
        Assert.Throws<InvalidOperationException>(() => selection.ScaleColumns(new float[D]));
    }

    /// <summary>
    /// A validation split of sparse rows picks them without copying, and trains exactly as the same split made by hand
    /// and given as separate tables (full batch, so that the split is the only use of the data generator).
    /// </summary>
    [Fact]
    public void Train_ValidationFraction_SplitsWithoutCopyingAndMatchesAHandMadeSplitBitForBit()
    {
        const int Rows = 20_000, D = 1_000, H = 4;
        (float[] dense, float[] labels) = XorOfGroups(Rows, D, perRow: 60, seed: 9);
        CsrMatrix sparse = CsrMatrix.FromDense(dense, Rows, D);
        var settings = new TrainingSettings { Solver = Solver.Adam, LearningRate = 0.05, NumberOfEpochs = 3, BatchSize = 0, Seed = 5, ValidationFraction = 0.25, EpochsWithoutImprovement = 0, NumberOfThreads = 1 };
        var splitInside = new TwoLayerNetwork<float>(D, H);
        splitInside.InitializeNormal(new NumpyRandom(2), 0.3);
        var splitByHand = new TwoLayerNetwork<float>(D, H, splitInside.Parameters);
        NetworkTrainer.Train(new TwoLayerNetwork<float>(D, H, splitInside.Parameters), sparse, labels, null, [], settings with { NumberOfEpochs = 1 });

        long before = GC.GetAllocatedBytesForCurrentThread();
        TrainingResult inside = NetworkTrainer.Train(splitInside, sparse, labels, null, [], settings);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        var permutation = new int[Rows];
        int held = ValidationSplit.SplitRows(Rows, settings.ValidationFraction, ValidationSplit.CreateDataRandom(settings.Seed), permutation);
        (CsrMatrix trainX, float[] trainY) = Gather(permutation.AsSpan(held).ToArray());
        (CsrMatrix validationX, float[] validationY) = Gather(permutation.AsSpan(0, held).ToArray());
        TrainingResult byHand = NetworkTrainer.Train(splitByHand, trainX, trainY, validationX, validationY, settings with { ValidationFraction = 0 });

        Assert.Equal(MemoryMarshal.AsBytes(splitByHand.Parameters).ToArray(), MemoryMarshal.AsBytes(splitInside.Parameters).ToArray());
        Assert.Equal(byHand.ValidationLoss.ToArray(), inside.ValidationLoss.ToArray());
        // The table holds about 1.2 million values (9 MB): copying the rows would allocate that again.
        Assert.True(sparse.Bytes > 8_000_000, $"{sparse.Bytes}");
        Assert.True(allocated < sparse.Bytes / 4, $"{allocated} bytes allocated by a split fit of a {sparse.Bytes}-byte table");

        (CsrMatrix, float[]) Gather(int[] rows)
        {
            float[] rowsDense = rows.SelectMany(r => dense.AsSpan(r * D, D).ToArray()).ToArray();
            return (CsrMatrix.FromDense(rowsDense, rows.Length, D), rows.Select(r => labels[r]).ToArray());
        }
    }

    [Fact]
    public void TrainingBytes_CountsTheEngineAndTheValidationCopy()
    {
        // No early stopping, so that a split changes nothing but the rows (early stopping trades the two snapshots
        // for one array of best validation weights).
        var settings = new TrainingSettings { Solver = Solver.Adam, BatchSize = 0, EpochsWithoutImprovement = 0 };
        long plain = NetworkTrainer.TrainingBytes(1_000, 16, 100_000, 0, tableBytes: 400_000_000, sparse: false, settings);
        long split = NetworkTrainer.TrainingBytes(1_000, 16, 100_000, 0, tableBytes: 400_000_000, sparse: false, settings with { ValidationFraction = 0.2 });
        long parameters = (1_000 + 2) * 16 + 1;
        // At least the 7 parameter-sized arrays of an Adam run (network, gradient, two snapshots, two moments, the
        // scorer's copy) plus 16 accumulators per parameter per thread.
        Assert.True(plain >= (7 + 16) * parameters * sizeof(float), $"{plain}");
        // A validation split copies a dense table.
        Assert.True(split - plain >= 400_000_000, $"{split - plain}");
        // Sparse rows are split by their offsets: a few bytes per row (less than the δ1 rows the smaller full batch
        // saves), not the table.
        long sparsePlain = NetworkTrainer.TrainingBytes(1_000, 16, 100_000, 0, tableBytes: 400_000_000, sparse: true, settings);
        long sparseSplit = NetworkTrainer.TrainingBytes(1_000, 16, 100_000, 0, tableBytes: 400_000_000, sparse: true, settings with { ValidationFraction = 0.2 });
        Assert.True(sparseSplit - sparsePlain < 100_000 * 3 * sizeof(int), $"{sparseSplit - sparsePlain}");
    }

    /// <summary>
    /// With early stopping the run keeps the best validation weights and not the two best-by-training-loss snapshots:
    /// on a wide table, where the parameters dominate, a fit allocates about four parameter-sized arrays (gradient, two
    /// Adam moments, the best validation weights) rather than six.
    /// </summary>
    [Fact]
    public void Train_WithEarlyStopping_KeepsNoTrainingLossSnapshots()
    {
        const int Rows = 200, D = 20_000, H = 8;
        (float[] dense, float[] labels) = XorOfGroups(Rows, D, perRow: 10, seed: 12);
        CsrMatrix sparse = CsrMatrix.FromDense(dense, Rows, D);
        var settings = new TrainingSettings { Solver = Solver.Adam, LearningRate = 0.05, NumberOfEpochs = 5, BatchSize = 50, Seed = 2, ValidationFraction = 0.2, EpochsWithoutImprovement = 3, NumberOfThreads = 1 };
        TwoLayerNetwork<float> Network()
        {
            var network = new TwoLayerNetwork<float>(D, H);
            network.InitializeNormal(new NumpyRandom(3), 0.1);
            return network;
        }
        TwoLayerNetwork<float> warm = Network(), measured = Network();
        NetworkTrainer.Train(warm, sparse, labels, null, [], settings);

        long before = GC.GetAllocatedBytesForCurrentThread();
        TrainingResult result = NetworkTrainer.Train(measured, sparse, labels, null, [], settings);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        long parameterBytes = (long)measured.Parameters.Length * sizeof(float);
        Assert.True(allocated < 4.5 * parameterBytes, $"{allocated} bytes allocated, {allocated / (double)parameterBytes:F2} parameter arrays");
        Assert.Equal(MemoryMarshal.AsBytes(warm.Parameters).ToArray(), MemoryMarshal.AsBytes(measured.Parameters).ToArray());
        Assert.True(result.EpochsRun > 0);
    }
}
