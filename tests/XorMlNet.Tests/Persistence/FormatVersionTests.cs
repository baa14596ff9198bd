using Microsoft.ML;
using Microsoft.ML.Data;
using XorMlNet.Network;
using XorMlNet.Tests.MLNet;

namespace XorMlNet.Tests.Persistence;

/// <summary>
/// Files of the first format (0x00010001, Data/xor-format-v1.zip: the command-line tool's XOR pipeline of that format,
/// 20 epochs, one row held out for validation) still load and score, and long runs save a bounded history.
/// </summary>
public class FormatVersionTests
{
    private static string Version1File => Path.Combine(AppContext.BaseDirectory, "Data", "xor-format-v1.zip");

    [Fact]
    public void Version1File_Loads_WithItsHistories_AndScoresTheFeaturesAsTheyAre()
    {
        var mlContext = new MLContext();
        ITransformer loaded = mlContext.Model.Load(Version1File, out DataViewSchema inputSchema);
        XorMlpModelParameters model = ((XorMlpTransformer)ModelAssert.Last(loaded)).Model;

        Assert.Equal(2, model.InputSize);
        Assert.Equal(20, model.EpochsRun);
        Assert.Equal(1, model.LossHistoryStride);
        Assert.Equal(20, model.TrainingLossHistory.Count);
        Assert.Equal(20, model.ValidationLossHistory.Count);
        Assert.Empty(model.FeatureOffset);
        Assert.Empty(model.FeatureScale);
        Assert.Equal(FeatureNormalization.No, model.TrainingOptions.NormalizeFeatures);
        Assert.Equal(StopReason.MaximumEpochs, model.StopReason);

        var network = new TwoLayerNetwork<double>(2, model.HiddenSize, [.. model.W1.Select(v => (double)v), .. model.B1.Select(v => (double)v),
            .. model.W2.Select(v => (double)v), model.B2]);
        var hidden = new double[model.HiddenSize];
        IDataView rows = mlContext.Data.LoadFromEnumerable(TrainedModels.XorScoreRows.Select(r => new CsvRow { X1 = r.X1, X2 = r.X2 }));
        XorData.Prediction[] scored = [.. mlContext.Data.CreateEnumerable<XorData.Prediction>(loaded.Transform(rows), false)];
        for (int i = 0; i < scored.Length; i++)
        {
            double z2 = network.Score([TrainedModels.XorScoreRows[i].X1, TrainedModels.XorScoreRows[i].X2], hidden);
            Assert.True(Math.Abs(scored[i].Score - z2) <= 1e-5 * (1 + Math.Abs(z2)), $"row {i}: {scored[i].Score} vs {z2}");
        }

        // Saved again, it is written in the current format and reads back the same.
        byte[] resaved = ModelZip.Save(loaded, inputSchema);
        XorMlpModelParameters again = ((XorMlpTransformer)ModelAssert.Last(ModelZip.Load(resaved, out _))).Model;
        ModelAssert.SameParameters(model, again);
    }

    /// <summary>600,000 epochs (more than the 524,288 kept one by one): every second epoch is kept, and saved and loaded as such.</summary>
    [Fact]
    public void LongRun_KeepsABoundedHistory_ThroughSaveAndLoad()
    {
        var mlContext = new MLContext(seed: 0);
        var options = new XorMlpEstimator.Options { NumberOfEpochs = 600_000, LossTolerance = 0, MaxRestarts = 0, ProgressInterval = 100_000 };
        var fitted = XorData.Pipeline(mlContext, new XorMlpEstimator(mlContext, options)).Fit(XorData.Load(mlContext));
        XorMlpModelParameters model = fitted.LastTransformer.Model;

        Assert.Equal(600_000, model.EpochsRun);
        Assert.Equal(2, model.LossHistoryStride);
        Assert.Equal(300_000, model.TrainingLossHistory.Count);

        XorMlpModelParameters loaded = ((XorMlpTransformer)ModelAssert.Last(ModelZip.Load(ModelZip.Save(fitted, XorData.Load(mlContext).Schema), out _))).Model;
        ModelAssert.SameParameters(model, loaded);
        Assert.Equal(2, loaded.LossHistoryStride);
    }

    private sealed class CsvRow
    {
        public float X1 { get; set; }
        public float X2 { get; set; }
    }
}
