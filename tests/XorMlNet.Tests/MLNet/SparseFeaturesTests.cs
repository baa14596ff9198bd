using Microsoft.ML;
using Microsoft.ML.Data;
using XorMlNet.Tests.Training;
using XorMlNet.Training;

namespace XorMlNet.Tests.MLNet;

/// <summary>
/// Sparse feature columns through Fit and scoring: read as compressed rows (never densified), scale-only
/// standardization, the same model as the same rows stored densely, scoring over the non-zeros, a FeaturizeText pipeline
/// fitted at the cost of its non-zeros, and the memory check at Fit.
/// </summary>
public class SparseFeaturesTests
{
    private const int D = 150;

    private sealed class SparseRow
    {
        [VectorType(D)]
        public VBuffer<float> Features { get; set; }

        public bool Label { get; set; }
    }

    private sealed class DenseRow
    {
        [VectorType(D)]
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }

    private static (SparseRow[] Sparse, DenseRow[] Dense) Rows(int count, int seed)
    {
        (float[] dense, float[] labels) = SparseTrainingTests.XorOfGroups(count, D, perRow: 6, seed);
        CsrMatrix csr = CsrMatrix.FromDense(dense, count, D);
        var sparse = new SparseRow[count];
        var denseRows = new DenseRow[count];
        for (int r = 0; r < count; r++)
        {
            int start = csr.RowStarts[r], n = csr.RowEnds[r] - start;
            sparse[r] = new SparseRow
            {
                Features = new VBuffer<float>(D, n, csr.Values.Slice(start, n).ToArray(), csr.Indices.Slice(start, n).ToArray()),
                Label = labels[r] > 0.5f,
            };
            denseRows[r] = new DenseRow { Features = dense.AsSpan(r * D, D).ToArray(), Label = labels[r] > 0.5f };
        }
        return (sparse, denseRows);
    }

    private static XorMlpEstimator.Options Options(FeatureNormalization normalize) => new()
    {
        HiddenLayerSize = 8, NumberOfEpochs = 100, BatchSize = 200, Solver = Solver.Adam, LearningRate = 0.05,
        NormalizeFeatures = normalize, ValidationFraction = 0.2, EpochsWithoutImprovement = 0, Seed = 3,
    };

    [Fact]
    public void Fit_SparseAndDenseStorage_GiveTheSameWeights()
    {
        var mlContext = new MLContext(seed: 0);
        (SparseRow[] sparse, DenseRow[] dense) = Rows(2_000, seed: 2);
        XorMlpModelParameters fromSparse = new XorMlpEstimator(mlContext, Options(FeatureNormalization.No)).Fit(mlContext.Data.LoadFromEnumerable(sparse)).Model;
        XorMlpModelParameters fromDense = new XorMlpEstimator(mlContext, Options(FeatureNormalization.No)).Fit(mlContext.Data.LoadFromEnumerable(dense)).Model;

        float[] a = [.. fromSparse.W1, .. fromSparse.B1, .. fromSparse.W2, fromSparse.B2];
        float[] b = [.. fromDense.W1, .. fromDense.B1, .. fromDense.W2, fromDense.B2];
        float largest = b.Max(Math.Abs);
        for (int k = 0; k < b.Length; k++)
        {
            Assert.True(Math.Abs(a[k] - b[k]) <= 1e-4f * largest, $"weight {k}: {a[k]} against {b[k]}");
        }
        // It learnt the XOR of the two groups, which no linear model can (the best linear fit's MSE is 0.25).
        Assert.True(fromSparse.TrainingLossHistory[^1] < 0.1, $"{fromSparse.TrainingLossHistory[^1]}");
    }

    [Fact]
    public void Fit_SparseColumn_StandardizesByScaleOnly_AndScoresSparseRowsAsDenseOnes()
    {
        var mlContext = new MLContext(seed: 0);
        (SparseRow[] sparse, DenseRow[] dense) = Rows(2_000, seed: 4);
        XorMlpModelParameters model = new XorMlpEstimator(mlContext, Options(FeatureNormalization.Auto)).Fit(mlContext.Data.LoadFromEnumerable(sparse)).Model;

        Assert.All(model.FeatureOffset, offset => Assert.Equal(0f, offset));
        // Scale = 1 / root mean square of the column over all rows.
        for (int j = 0; j < 3; j++)
        {
            double meanSquare = dense.Average(r => (double)r.Features[j] * r.Features[j]);
            Assert.Equal(1 / Math.Sqrt(meanSquare), model.FeatureScale[j], 1e-4 / Math.Sqrt(meanSquare));
        }

        XorMlpModelParameters.RowScorer scorer = model.CreateRowScorer();
        for (int r = 0; r < 200; r++)
        {
            float fromSparse = scorer.Score(sparse[r].Features);
            float fromDense = scorer.Score(new VBuffer<float>(D, dense[r].Features));
            // The sparse kernel does the dense kernel's operations less its multiply-adds of zeros: the same bits.
            Assert.Equal(BitConverter.SingleToInt32Bits(fromDense), BitConverter.SingleToInt32Bits(fromSparse));
        }
    }

    [Fact]
    public void RowScorer_SparseRowsOfASparseModel_AllocateNothing()
    {
        var mlContext = new MLContext(seed: 0);
        (SparseRow[] sparse, _) = Rows(1_000, seed: 5);
        XorMlpModelParameters model = new XorMlpEstimator(mlContext, Options(FeatureNormalization.Auto)).Fit(mlContext.Data.LoadFromEnumerable(sparse)).Model;
        XorMlpModelParameters.RowScorer scorer = model.CreateRowScorer();
        float sum = 0;
        foreach (SparseRow row in sparse)
        {
            sum += scorer.Score(row.Features);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        foreach (SparseRow row in sparse)
        {
            sum += scorer.Score(row.Features);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(float.IsFinite(sum));
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Transform_SparseRows_ScoreAsTheirDenseCopies()
    {
        var mlContext = new MLContext(seed: 0);
        (SparseRow[] sparse, DenseRow[] dense) = Rows(1_500, seed: 6);
        XorMlpTransformer model = new XorMlpEstimator(mlContext, Options(FeatureNormalization.Auto)).Fit(mlContext.Data.LoadFromEnumerable(sparse));
        float[] sparseScores = mlContext.Data.CreateEnumerable<Scored>(model.Transform(mlContext.Data.LoadFromEnumerable(sparse)), false).Select(s => s.Score).ToArray();
        float[] denseScores = mlContext.Data.CreateEnumerable<Scored>(model.Transform(mlContext.Data.LoadFromEnumerable(dense)), false).Select(s => s.Score).ToArray();
        for (int r = 0; r < sparseScores.Length; r++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(denseScores[r]), BitConverter.SingleToInt32Bits(sparseScores[r]));
        }
        double accuracy = sparseScores.Zip(sparse, (s, row) => (s > 0) == row.Label).Average(ok => ok ? 1.0 : 0.0);
        Assert.True(accuracy > 0.9, $"{accuracy}");
    }

    private sealed class Scored
    {
        public float Score { get; set; }
    }

    private sealed class TextRow
    {
        public string Text { get; set; } = "";

        public bool Label { get; set; }
    }

    /// <summary>
    /// FeaturizeText → XorMlp on 3,000 documents: the column has tens of thousands of slots, so a dense table would take
    /// hundreds of megabytes; Fit allocates a small fraction of that.
    /// </summary>
    [Fact]
    public void Fit_FeaturizeTextColumn_AllocatesFarLessThanTheDenseTable()
    {
        var mlContext = new MLContext(seed: 0);
        var random = new Random(1);
        string[] groupA = ["apple", "banana", "cherry"], groupB = ["red", "green", "blue"];
        TextRow[] rows = Enumerable.Range(0, 3_000).Select(i =>
        {
            bool a = random.Next(2) == 1, b = random.Next(2) == 1;
            var words = Enumerable.Range(0, 8).Select(_ => $"w{random.Next(20_000)}").ToList();
            if (a)
            {
                words.Insert(random.Next(words.Count), groupA[random.Next(3)]);
            }
            if (b)
            {
                words.Insert(random.Next(words.Count), groupB[random.Next(3)]);
            }
            return new TextRow { Text = string.Join(' ', words), Label = a != b };
        }).ToArray();
        IDataView featurized = mlContext.Transforms.Text.FeaturizeText("Features", "Text")
            .Fit(mlContext.Data.LoadFromEnumerable(rows)).Transform(mlContext.Data.LoadFromEnumerable(rows));
        featurized = mlContext.Data.Cache(featurized);
        int slots = ((VectorDataViewType)featurized.Schema["Features"].Type).Size;
        long denseBytes = (long)rows.Length * slots * sizeof(float);
        Assert.True(denseBytes > 300_000_000, $"{slots} slots");
        // Fill the cache before measuring, so that the featurizer's own work is not counted.
        using (DataViewRowCursor cursor = featurized.GetRowCursor(featurized.Schema))
        {
            while (cursor.MoveNext())
            {
            }
        }

        var estimator = new XorMlpEstimator(mlContext, new XorMlpEstimator.Options { HiddenLayerSize = 8, NumberOfEpochs = 30, BatchSize = 500, Solver = Solver.Adam, LearningRate = 0.02, Seed = 1 });
        // Reading and every allocation of a fit happen on the calling thread (the helper threads allocate nothing), and
        // this count is not inflated by tests running beside this one.
        long before = GC.GetAllocatedBytesForCurrentThread();
        XorMlpTransformer model = estimator.Fit(featurized);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < denseBytes / 10, $"Fit allocated {allocated:N0} bytes; the dense table is {denseBytes:N0}.");
        Assert.True(model.Model.TrainingLossHistory[^1] < model.Model.TrainingLossHistory[0]);
    }

    [Fact]
    public void Fit_TableBeyondTheMemoryLimit_FailsNamingTheColumnAndBothSizes()
    {
        var mlContext = new MLContext(seed: 0);
        (_, DenseRow[] dense) = Rows(20_000, seed: 1);
        var estimator = new XorMlpEstimator(mlContext, new XorMlpEstimator.Options { HiddenLayerSize = 8, NumberOfEpochs = 1 }) { MemoryLimitBytes = 8 << 20 };

        // 20,000 × 150 floats are 12 MB: more than the 8 MiB allowed.
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(mlContext.Data.LoadFromEnumerable(dense)));
        Assert.Equal("Features", error.ParamName);
        Assert.Contains("8 MiB", error.Message);
        Assert.Contains("needs about 1", error.Message);
        Assert.Contains("HiddenLayerSize", error.Message);
    }

    [Fact]
    public void Fit_LargeHiddenLayerBeyondTheMemoryLimit_FailsBeforeTraining()
    {
        // The table itself is small (2,000 × 150 floats, 1.2 MB); the 16 accumulators per parameter of the engine's
        // scratch for a 150 → 800 network (121,601 parameters) are 7.8 MB.
        var mlContext = new MLContext(seed: 0);
        (_, DenseRow[] dense) = Rows(2_000, seed: 1);
        var small = new XorMlpEstimator(mlContext, new XorMlpEstimator.Options { HiddenLayerSize = 2, NumberOfEpochs = 1 }) { MemoryLimitBytes = 8 << 20 };
        small.Fit(mlContext.Data.LoadFromEnumerable(dense));
        var large = new XorMlpEstimator(mlContext, new XorMlpEstimator.Options { HiddenLayerSize = 800, NumberOfEpochs = 1 }) { MemoryLimitBytes = 8 << 20 };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => large.Fit(mlContext.Data.LoadFromEnumerable(dense)));
        Assert.Equal("HiddenLayerSize", error.ParamName);
        Assert.Contains("HiddenLayerSize 800 with 150 features", error.Message);
        Assert.Contains("8 MiB are available", error.Message);
    }

    [Fact]
    public void Fit_SparseTableBeyondTheMemoryLimit_FailsAfterOneReadingPass()
    {
        var mlContext = new MLContext(seed: 0);
        (SparseRow[] sparse, _) = Rows(20_000, seed: 1);
        long pulled = 0;
        IEnumerable<SparseRow> Lazy()
        {
            foreach (SparseRow row in sparse)
            {
                pulled++;
                yield return row;
            }
        }
        IDataView data = mlContext.Data.LoadFromEnumerable(Lazy());
        var estimator = new XorMlpEstimator(mlContext, new XorMlpEstimator.Options { HiddenLayerSize = 8, NumberOfEpochs = 1 }) { MemoryLimitBytes = 1 << 20 };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        Assert.Equal("Features", error.ParamName);
        Assert.Contains("as sparse rows", error.Message);
        // The view does not know its row count: the sparse rows are read once, without a counting pass, and the check
        // comes once they are read, before training.
        Assert.Equal(20_000, pulled);
    }

    [Fact]
    public void Fit_SparseRows_CancelledWhileReading_Throws()
    {
        var mlContext = new MLContext(seed: 0);
        (SparseRow[] sparse, _) = Rows(10_000, seed: 1);
        using var cancellation = new CancellationTokenSource();
        int pulled = 0;
        IEnumerable<SparseRow> Lazy()
        {
            foreach (SparseRow row in sparse)
            {
                if (++pulled == 5_000)
                {
                    cancellation.Cancel();
                }
                yield return row;
            }
        }
        var estimator = new XorMlpEstimator(mlContext, new XorMlpEstimator.Options { CancellationToken = cancellation.Token });

        Assert.ThrowsAny<OperationCanceledException>(() => estimator.Fit(mlContext.Data.LoadFromEnumerable(Lazy())));
        Assert.InRange(pulled, 5_000, 5_000 + TableReader.CancellationRows);
    }

    [Fact]
    public void Read_SparseRowsAcrossManyBlocks_KeepsEveryValueInPlace()
    {
        // Row lengths that fill, straddle and overflow the reader's growing blocks: empty rows, rows of one value, and
        // rows longer than the first blocks (up to 3,000 values of D2 slots), 30,000+ values in all.
        const int D2 = 4_000;
        var random = new Random(5);
        var rows = new WideSparseRow[1_200];
        for (int r = 0; r < rows.Length; r++)
        {
            int n = r % 97 == 0 ? 0 : r % 101 == 0 ? 3_000 : random.Next(1, 40);
            int[] indices = Enumerable.Range(0, D2).OrderBy(_ => random.Next()).Take(n).Order().ToArray();
            float[] values = indices.Select(i => (float)(random.NextDouble() + 0.5) * (i % 2 == 0 ? 1 : -1)).ToArray();
            rows[r] = new WideSparseRow { Features = new VBuffer<float>(D2, n, values, indices), Label = r % 2 == 0 };
        }
        var mlContext = new MLContext(seed: 0);

        TableReader.Table table = TableReader.Read(mlContext, mlContext.Data.LoadFromEnumerable(rows), "Features", "Label", CancellationToken.None);

        CsrMatrix read = Assert.IsType<CsrMatrix>(table.Sparse);
        Assert.Equal(rows.Length, read.RowCount);
        Assert.True(read.NonZeroCount > 30_000, $"{read.NonZeroCount}");
        for (int r = 0; r < rows.Length; r++)
        {
            int start = read.RowStarts[r], n = read.RowEnds[r] - start;
            Assert.Equal(rows[r].Features.GetIndices().ToArray(), read.Indices.Slice(start, n).ToArray());
            Assert.Equal(rows[r].Features.GetValues().ToArray(), read.Values.Slice(start, n).ToArray());
            Assert.Equal(r % 2 == 0 ? 1f : 0f, table.Labels[r]);
        }
    }

    /// <summary>
    /// The reader tells its caller the layout as soon as it picks it, also when the view does not know its row count
    /// (the sparse memory check then waits for the end of the read): after the sample, not after the last row.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Read_TellsTheLayout_WhenItPicksIt(bool sparse)
    {
        const int Count = 3 * TableReader.SampleRows;
        (SparseRow[] sparseRows, DenseRow[] denseRows) = Rows(Count, seed: 12);
        int pulled = 0;
        IEnumerable<T> Counted<T>(T[] rows)
        {
            foreach (T row in rows)
            {
                pulled++;
                yield return row;
            }
        }
        var mlContext = new MLContext(seed: 0);
        IDataView view = sparse ? mlContext.Data.LoadFromEnumerable(Counted(sparseRows)) : mlContext.Data.LoadFromEnumerable(Counted(denseRows));
        Assert.Null(view.GetRowCount());
        var heard = new List<(bool Sparse, int Pulled)>();

        TableReader.Table table = TableReader.Read(mlContext, view, "Features", "Label", CancellationToken.None,
            layoutChosen: s => heard.Add((s, pulled)));

        Assert.Equal(sparse, table.IsSparse);
        (bool heardSparse, int at) = Assert.Single(heard);
        Assert.Equal(sparse, heardSparse);
        Assert.InRange(at, 1, sparse ? TableReader.SampleRows + 1 : 1);
    }

    private sealed class WideSparseRow
    {
        [VectorType(4_000)]
        public VBuffer<float> Features { get; set; }

        public bool Label { get; set; }
    }
}
