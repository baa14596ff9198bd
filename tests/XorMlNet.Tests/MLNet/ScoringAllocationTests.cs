using Microsoft.ML;
using Microsoft.ML.Data;

namespace XorMlNet.Tests.MLNet;

public class ScoringAllocationTests
{
    /// <summary>
    /// The per-row code behind Score and Probability (what every ML.NET cursor and PredictionEngine calls) allocates
    /// nothing, for dense and sparse feature vectors.
    /// </summary>
    [Fact]
    public void RowScorer_AllocatesNothingPerRow_DenseOrSparse()
    {
        var mlContext = new MLContext(seed: 0);
        XorMlpEstimatorTests.WideRow[] rows = XorMlpEstimatorTests.SyntheticRows(2_000, seed: 11, label: x => x[0] * x[1] > 0);
        XorMlpModelParameters model = new XorMlpEstimator(new XorMlpEstimator.Options { HiddenLayerSize = 16, NumberOfEpochs = 20 })
            .Fit(mlContext.Data.LoadFromEnumerable(rows)).Model;
        XorMlpModelParameters.RowScorer scorer = model.CreateRowScorer();
        VBuffer<float>[] dense = rows.Select(r => new VBuffer<float>(3, r.Features)).ToArray();
        VBuffer<float>[] sparse = rows.Select(r => new VBuffer<float>(3, 2, [r.Features[0], r.Features[2]], [0, 2])).ToArray();
        float sum = 0;
        WarmUp(() => sum += Score(scorer, dense) + Score(scorer, sparse));

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int pass = 0; pass < 10; pass++)
        {
            sum += Score(scorer, dense) + Score(scorer, sparse);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(float.IsFinite(sum));
        Assert.Equal(0, allocated);
    }

    /// <summary>
    /// Transform and a cursor reading Score, Probability and PredictedLabel allocate nothing per row beyond what the
    /// input's own cursor allocates. (ML.NET's BinaryClassifierScorer, which Transform no longer goes through, allocates a
    /// few bytes per row: 34 KB over these 20,000 rows, 4.5 MB per million rows in the Scoring benchmark.)
    /// </summary>
    [Fact]
    public void TransformAndCursor_AllocateNothingPerRow_BeyondTheInput()
    {
        var mlContext = new MLContext(seed: 0);
        XorMlpEstimatorTests.WideRow[] rows = XorMlpEstimatorTests.SyntheticRows(20_000, seed: 16, label: x => x[1] > 0);
        IDataView data = mlContext.Data.LoadFromEnumerable(rows);
        ITransformer model = new XorMlpEstimator(new XorMlpEstimator.Options { HiddenLayerSize = 4, NumberOfEpochs = 5 }).Fit(data);
        IDataView half = mlContext.Data.TakeRows(data, rows.Length / 2), all = mlContext.Data.TakeRows(data, rows.Length);
        long ScoringBeyondInput(IDataView input)
        {
            IDataView scored = model.Transform(input);
            long inputOnly = Allocated(() => Drain(input, [input.Schema["Features"]]));
            long withScoring = Allocated(() => Drain(scored, [scored.Schema["Score"], scored.Schema["Probability"], scored.Schema["PredictedLabel"]]));
            return withScoring - inputOnly;
        }
        WarmUp(() =>
        {
            ScoringBeyondInput(half);
            ScoringBeyondInput(all);
        });

        // The least of three measurements: scoring allocates the same each time, while a stray allocation of the
        // runtime's on this thread (a tier change when the whole suite loads both cores) lands in one at most.
        long tenThousand = Enumerable.Range(0, 3).Min(_ => ScoringBeyondInput(half));
        long twentyThousand = Enumerable.Range(0, 3).Min(_ => ScoringBeyondInput(all));

        // What scoring adds beyond the input's cursor (the cursor, its getters: a few kilobytes) is the same for 10,000
        // and 20,000 rows: nothing per row. Under 0.05 B per row of slack for a stray allocation of the runtime's.
        Assert.True(Math.Abs(twentyThousand - tenThousand) < 512,
            $"scoring beyond the input: {tenThousand} B for {rows.Length / 2} rows, {twentyThousand} B for {rows.Length} rows");
    }

    /// <summary>
    /// Runs <paramref name="action"/> until the JIT has had time to install its optimized code (tiering works in the
    /// background, ~100 ms after the calls): a tier change during the measurement can allocate on the measuring thread,
    /// which has nothing to do with the rows (seen once as 4,296 bytes when the whole suite loaded both cores).
    /// </summary>
    private static void WarmUp(Action action)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int pass = 0; pass < 3 || clock.ElapsedMilliseconds < 400; pass++)
        {
            action();
            Thread.Sleep(50);
        }
    }

    private static long Allocated(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static double Drain(IDataView data, DataViewSchema.Column[] columns)
    {
        using DataViewRowCursor cursor = data.GetRowCursor(columns);
        var readers = new List<Func<double>>();
        foreach (DataViewSchema.Column column in columns)
        {
            if (column.Type is BooleanDataViewType)
            {
                ValueGetter<bool> getter = cursor.GetGetter<bool>(column);
                bool value = false;
                readers.Add(() => { getter(ref value); return value ? 1 : 0; });
            }
            else if (column.Type is VectorDataViewType)
            {
                ValueGetter<VBuffer<float>> getter = cursor.GetGetter<VBuffer<float>>(column);
                VBuffer<float> value = default;
                readers.Add(() => { getter(ref value); return value.GetValues()[0]; });
            }
            else
            {
                ValueGetter<float> getter = cursor.GetGetter<float>(column);
                float value = 0;
                readers.Add(() => { getter(ref value); return value; });
            }
        }
        double sum = 0;
        while (cursor.MoveNext())
        {
            foreach (Func<double> read in readers)
            {
                sum += read();
            }
        }
        return sum;
    }

    private static float Score(XorMlpModelParameters.RowScorer scorer, VBuffer<float>[] rows)
    {
        float sum = 0;
        foreach (VBuffer<float> row in rows)
        {
            sum += scorer.Score(in row);
        }
        return sum;
    }
}
