using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace XorMlNet.Tests.MLNet;

/// <summary>
/// Multiclass through ML.NET's meta-trainers, as with ML.NET's own binary trainers: <c>OneVersusAll(XorMlp())</c> and
/// <c>PairwiseCoupling(XorMlp())</c> compile as written here, fit iris (3 classes) in a whole pipeline, and the fitted
/// pipeline cross-validates, evaluates, explains (PFI), predicts one row, and saves and loads in a fresh process with
/// identical scores.
/// </summary>
public sealed class MulticlassTests
{
    private const int HiddenLayerSize = 8;

    public sealed class IrisRow
    {
        [LoadColumn(0)] public float SepalLength { get; set; }
        [LoadColumn(1)] public float SepalWidth { get; set; }
        [LoadColumn(2)] public float PetalLength { get; set; }
        [LoadColumn(3)] public float PetalWidth { get; set; }
        [LoadColumn(4)] public string Species { get; set; } = "";
    }

    public sealed class IrisPrediction
    {
        public string PredictedLabel { get; set; } = "";

        public float[] Score { get; set; } = [];
    }

    internal static IDataView LoadIris(MLContext mlContext)
        => mlContext.Data.LoadFromTextFile<IrisRow>(Path.Combine(AppContext.BaseDirectory, "Data", "iris.csv"), separatorChar: ',', hasHeader: true);

    /// <summary>Species → key Label, the four measures → standardized Features, the meta-trainer, key → species name.</summary>
    internal static IEstimator<ITransformer> IrisPipeline(MLContext mlContext, Func<MLContext, IEstimator<ITransformer>> trainer)
        => mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(IrisRow.Species))
            .Append(mlContext.Transforms.Concatenate("Features", nameof(IrisRow.SepalLength), nameof(IrisRow.SepalWidth), nameof(IrisRow.PetalLength), nameof(IrisRow.PetalWidth)))
            .Append(mlContext.Transforms.NormalizeMeanVariance("Features"))
            .Append(trainer(mlContext))
            .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

    internal static OneVersusAllTrainer OneVersusAll(MLContext mlContext)
        => mlContext.MulticlassClassification.Trainers.OneVersusAll(mlContext.BinaryClassification.Trainers.XorMlp(hiddenLayerSize: HiddenLayerSize));

    private static PairwiseCouplingTrainer PairwiseCoupling(MLContext mlContext)
        => mlContext.MulticlassClassification.Trainers.PairwiseCoupling(mlContext.BinaryClassification.Trainers.XorMlp(hiddenLayerSize: HiddenLayerSize));

    [Fact]
    public void OneVersusAll_OnIris_CrossValidatesToMacroAccuracyOf95Percent()
    {
        var mlContext = new MLContext(seed: 1);
        var folds = mlContext.MulticlassClassification.CrossValidate(LoadIris(mlContext), IrisPipeline(mlContext, OneVersusAll), numberOfFolds: 5);

        double macro = folds.Average(f => f.Metrics.MacroAccuracy);
        Assert.True(macro >= 0.95, $"5-fold macro-accuracy {macro:F4} ({string.Join(", ", folds.Select(f => f.Metrics.MacroAccuracy.ToString("F3", CultureInfo.InvariantCulture)))})");
        foreach (var fold in folds)
        {
            var ova = Assert.IsType<MulticlassPredictionTransformer<OneVersusAllModelParameters>>(((IEnumerable<ITransformer>)fold.Model).ElementAt(3));
            object[] classes = SubModels(ova.Model);
            Assert.Equal(3, classes.Length);
            Assert.All(classes, m => Assert.IsType<XorMlpModelParameters>(m));
        }
    }

    [Fact]
    public void PairwiseCoupling_OnIris_CrossValidatesToMacroAccuracyOf95Percent()
    {
        var mlContext = new MLContext(seed: 1);
        var folds = mlContext.MulticlassClassification.CrossValidate(LoadIris(mlContext), IrisPipeline(mlContext, PairwiseCoupling), numberOfFolds: 5);

        double macro = folds.Average(f => f.Metrics.MacroAccuracy);
        Assert.True(macro >= 0.95, $"5-fold macro-accuracy {macro:F4}");
    }

    [Fact]
    public void OneVersusAll_FittedPipeline_EvaluatesExplainsAndPredictsAsABuiltInOne()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView iris = LoadIris(mlContext);
        ITransformer model = IrisPipeline(mlContext, OneVersusAll).Fit(iris);
        ITransformer[] steps = ((IEnumerable<ITransformer>)model).ToArray();
        IDataView scored = model.Transform(iris);

        MulticlassClassificationMetrics metrics = mlContext.MulticlassClassification.Evaluate(scored);
        Assert.True(metrics.MacroAccuracy > 0.95, $"training macro-accuracy {metrics.MacroAccuracy}");
        Assert.True(metrics.LogLoss < 0.5, $"log-loss {metrics.LogLoss}");

        // PFI on the trainer's input: the petal measures separate the species, the sepal ones much less.
        var ova = (MulticlassPredictionTransformer<OneVersusAllModelParameters>)steps[3];
        IDataView features = new TransformerChain<ITransformer>(steps[..3]).Transform(iris);
        var importance = mlContext.MulticlassClassification.PermutationFeatureImportance(ova, features, permutationCount: 3);
        double[] drop = importance.Select(m => -m.MacroAccuracy.Mean).ToArray();
        Assert.Equal(4, drop.Length);
        Assert.True(Math.Max(drop[2], drop[3]) > Math.Max(drop[0], drop[1]), $"macro-accuracy drops: {string.Join(", ", drop)}");

        // A PredictionEngine gives the species and scores Transform gives.
        using var engine = mlContext.Model.CreatePredictionEngine<IrisRow, IrisPrediction>(model);
        IrisPrediction[] transformed = mlContext.Data.CreateEnumerable<IrisPrediction>(scored, reuseRowObject: false).ToArray();
        IrisRow[] rows = mlContext.Data.CreateEnumerable<IrisRow>(iris, reuseRowObject: false).ToArray();
        for (int i = 0; i < rows.Length; i += 7)
        {
            IrisPrediction predicted = engine.Predict(rows[i]);
            Assert.Equal(transformed[i].PredictedLabel, predicted.PredictedLabel);
            Assert.Equal(transformed[i].Score, predicted.Score);
        }
        Assert.Equal("virginica", engine.Predict(new IrisRow { SepalLength = 7.7f, SepalWidth = 3f, PetalLength = 6.1f, PetalWidth = 2.3f }).PredictedLabel);
    }

    [Fact]
    public void OneVersusAll_FittedPipeline_SavesAndLoadsInAFreshProcessWithIdenticalScores()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView iris = LoadIris(mlContext);
        ITransformer model = IrisPipeline(mlContext, OneVersusAll).Fit(iris);
        string folder = Directory.CreateTempSubdirectory("xormlnet-ova-").FullName;
        try
        {
            string modelPath = Path.Combine(folder, "model.zip"), rowsPath = Path.Combine(folder, "rows.idv");
            mlContext.Model.Save(model, iris.Schema, modelPath);
            using (FileStream stream = File.Create(rowsPath))
            {
                mlContext.Data.SaveAsBinary(iris, stream, keepHidden: false);
            }

            ProcessResult host = TestProcess.RunBuiltApp("XorMlNet.LoadHost", [modelPath, rowsPath], folder, TimeSpan.FromMinutes(3));

            Assert.True(host.ExitCode == 0, $"XorMlNet.LoadHost exited with {host.ExitCode}:\n{host.StandardError}");
            string[] lines = host.OutputLines;
            Assert.Equal($"transformer {typeof(Microsoft.ML.Transforms.KeyToValueMappingTransformer).FullName}", lines[1]);
            Assert.Equal(Expected(model.Transform(iris)), lines.Where(l => l.StartsWith("row ", StringComparison.Ordinal)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The binary model of each class (ML.NET keeps the property that lists them internal).</summary>
    private static object[] SubModels(OneVersusAllModelParameters model)
    {
        var property = typeof(OneVersusAllModelParameters).GetProperty("SubModelParameters", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("OneVersusAllModelParameters.SubModelParameters is gone.");
        return ((IEnumerable<object>)property.GetValue(model)!).ToArray();
    }

    /// <summary>The host's row lines for these predictions: the score vector's bits joined by ',', the species.</summary>
    private static string[] Expected(IDataView scored)
    {
        var lines = new List<string>();
        using DataViewRowCursor cursor = scored.GetRowCursor([scored.Schema["Score"], scored.Schema["PredictedLabel"]]);
        ValueGetter<VBuffer<float>> score = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
        ValueGetter<ReadOnlyMemory<char>> label = cursor.GetGetter<ReadOnlyMemory<char>>(scored.Schema["PredictedLabel"]);
        VBuffer<float> s = default;
        ReadOnlyMemory<char> l = default;
        for (long row = 0; cursor.MoveNext(); row++)
        {
            score(ref s);
            label(ref l);
            lines.Add($"row {row} {string.Join(",", s.DenseValues().Select(v => BitConverter.SingleToInt32Bits(v).ToString("X8", CultureInfo.InvariantCulture)))} {l}");
        }
        Assert.Equal(150, lines.Count);
        return [.. lines];
    }
}
