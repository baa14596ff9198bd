using Microsoft.ML;
using Microsoft.ML.Data;

namespace XorMlNet.Tests.MLNet;

/// <summary>
/// Cancellation reaches the reading of the training table, not only the epochs: the view below generates its rows lazily
/// and counts how many a fit pulls, so the tests see how far reading went (no timing).
/// </summary>
public class ReadCancellationTests
{
    /// <summary>A view of <paramref name="rows"/> lazily generated rows that does not know its row count (so Fit counts them first).</summary>
    private sealed class LazyRows(int rows, Action<long>? onRow = null)
    {
        private long _pulled;

        public long Pulled => Interlocked.Read(ref _pulled);

        public IEnumerable<Row> Generate()
        {
            for (int i = 0; i < rows; i++)
            {
                long pulled = Interlocked.Increment(ref _pulled);
                onRow?.Invoke(pulled);
                yield return new Row { Features = [i % 2, (i >> 1) % 2], Label = (i % 2) != ((i >> 1) % 2) };
            }
        }
    }

    private sealed class Row
    {
        [VectorType(2)]
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }

    [Fact]
    public void Fit_TokenCancelledBeforehand_ThrowsWithoutReadingARow()
    {
        var mlContext = new MLContext(seed: 0);
        var lazy = new LazyRows(5_000_000);
        IDataView data = mlContext.Data.LoadFromEnumerable(lazy.Generate());
        Assert.Null(data.GetRowCount());
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        var estimator = new XorMlpEstimator(mlContext, new XorMlpEstimator.Options { CancellationToken = cancellation.Token });

        Assert.ThrowsAny<OperationCanceledException>(() => estimator.Fit(data));
        Assert.Equal(0, lazy.Pulled);
    }

    [Theory]
    [InlineData(100_000)] // while the rows are counted (the first pass)
    [InlineData(1_050_000)] // while they are copied (the second pass)
    public void Fit_CancelledWhileReading_StopsWithinAFewThousandRows(long cancelAtRow)
    {
        const int Rows = 1_000_000;
        var mlContext = new MLContext(seed: 0);
        using var cancellation = new CancellationTokenSource();
        var lazy = new LazyRows(Rows, pulled =>
        {
            if (pulled == cancelAtRow)
            {
                cancellation.Cancel();
            }
        });
        IDataView data = mlContext.Data.LoadFromEnumerable(lazy.Generate());
        var estimator = new XorMlpEstimator(mlContext, new XorMlpEstimator.Options { NumberOfEpochs = 5, CancellationToken = cancellation.Token });

        Assert.ThrowsAny<OperationCanceledException>(() => estimator.Fit(data));
        // The reader checks the token every TableReader.CancellationRows rows of a pass.
        Assert.InRange(lazy.Pulled, cancelAtRow, cancelAtRow + TableReader.CancellationRows);
    }

    private sealed class SparseRow
    {
        [VectorType(64)]
        public VBuffer<float> Features { get; set; }

        public bool Label { get; set; }
    }

    [Fact]
    public void Fit_CancelledOnceTheTableIsRead_StopsBeforeScalingIt()
    {
        // The token is cancelled by the log line that follows the read, after the reader's last check: the next stage,
        // the scaling's passes over the whole table (hundreds of milliseconds on millions of rows), must see it, not
        // only the epochs after it. The scaling's own log line is written once its statistics are computed.
        const int Rows = 20_000, Slots = 64;
        var mlContext = new MLContext(seed: 0);
        using var cancellation = new CancellationTokenSource();
        var messages = new List<string>();
        mlContext.Log += (_, e) =>
        {
            lock (messages)
            {
                messages.Add(e.Message);
            }
            if (e.Message.Contains("as sparse rows", StringComparison.Ordinal))
            {
                cancellation.Cancel();
            }
        };
        IEnumerable<SparseRow> Generate()
        {
            for (int i = 0; i < Rows; i++)
            {
                int a = i % Slots, b = (a + 1 + i / Slots % (Slots - 1)) % Slots;
                (int first, int second) = a < b ? (a, b) : (b, a);
                yield return new SparseRow
                {
                    Features = new VBuffer<float>(Slots, 2, [1f, 2f], [first, second]),
                    Label = (a & 1) != (b & 1),
                };
            }
        }
        IDataView data = mlContext.Data.LoadFromEnumerable(Generate());
        var estimator = new XorMlpEstimator(mlContext, new XorMlpEstimator.Options
        {
            NumberOfEpochs = 5,
            NormalizeFeatures = FeatureNormalization.Yes,
            CancellationToken = cancellation.Token,
        });

        Assert.ThrowsAny<OperationCanceledException>(() => estimator.Fit(data));
        lock (messages)
        {
            Assert.Contains(messages, m => m.Contains("as sparse rows", StringComparison.Ordinal));
            Assert.DoesNotContain(messages, m => m.Contains("Scaling the", StringComparison.Ordinal));
            Assert.DoesNotContain(messages, m => m.Contains("Training a ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Fit_UncancelledToken_ReadsEveryRowTwiceAndTrains()
    {
        // The control for the tests above: with a live token the same view is counted, then copied, in full.
        const int Rows = 20_000;
        var mlContext = new MLContext(seed: 0);
        var lazy = new LazyRows(Rows);
        IDataView data = mlContext.Data.LoadFromEnumerable(lazy.Generate());
        using var cancellation = new CancellationTokenSource();
        var estimator = new XorMlpEstimator(mlContext, new XorMlpEstimator.Options { NumberOfEpochs = 3, CancellationToken = cancellation.Token });

        XorMlpTransformer model = estimator.Fit(data);

        Assert.Equal(2L * Rows, lazy.Pulled);
        Assert.Equal(3, model.Model.EpochsRun);
    }
}
