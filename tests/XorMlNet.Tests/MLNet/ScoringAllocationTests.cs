using Microsoft.ML;
using Microsoft.ML.Data;

namespace XorMlNet.Tests.MLNet;

public class ScoringAllocationTests
{
    /// <summary>
    /// The per-row code behind Score and Probability (what every ML.NET cursor and PredictionEngine calls) allocates
    /// nothing, for dense and sparse feature vectors. (ML.NET's own scoring machinery around it allocates about a
    /// byte per row, for LbfgsLogisticRegression as for us; that is not ours to change.)
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
        float sum = Score(scorer, dense) + Score(scorer, sparse);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int pass = 0; pass < 10; pass++)
        {
            sum += Score(scorer, dense) + Score(scorer, sparse);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(float.IsFinite(sum));
        Assert.Equal(0, allocated);
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
