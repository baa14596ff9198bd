using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using XorMlNet.Tests.MLNet;
using XorMlNet.Tests.Persistence;

namespace XorMlNet.Tests.Onnx;

/// <summary>
/// <c>mlContext.Model.ConvertToOnnx</c> exports the network inside whole pipelines, and ONNX Runtime (directly, and
/// through ML.NET's <c>ApplyOnnxModel</c>) computes what ML.NET's Transform computes: Probability to 1e-5 absolute,
/// PredictedLabel identical except where Probability is within 1e-5 of 0.5, on 10,000 rows with off-grid and
/// extreme feature values.
/// </summary>
public sealed class OnnxExportTests
{
    private const double ProbabilityTolerance = 1e-5;
    private const int RowCount = 10_000;

    public static TheoryData<string> Pipelines => new() { "xor", "concat-minmax", "concat-meanvariance", "synthetic", "wide" };

    [Theory]
    [MemberData(nameof(Pipelines))]
    public void Export_OfFittedPipeline_ScoresInOnnxRuntimeAsInMLNet(string name)
    {
        OnnxCase trained = OnnxCase.ByName(name);
        var mlContext = new MLContext(seed: 1);
        IDataView rows = trained.Rows(mlContext, RowCount);
        byte[] onnx = Export(mlContext, trained.Model, rows);

        using var session = new InferenceSession(onnx);
        Assert.Equal(trained.InputColumns.Order(), session.InputMetadata.Keys.Where(k => k != "Label").Order());
        OnnxScores fromOnnx = OnnxScores.Run(session, rows);
        OnnxScores fromMlNet = OnnxScores.Read(trained.Model.Transform(rows), "Score", "Probability", "PredictedLabel");

        AssertAgree(fromMlNet, fromOnnx);
    }

    [Theory]
    [MemberData(nameof(Pipelines))]
    public void Export_DropsBackIntoAnMLNetPipeline_ThroughApplyOnnxModel(string name)
    {
        OnnxCase trained = OnnxCase.ByName(name);
        var mlContext = new MLContext(seed: 1);
        IDataView rows = trained.Rows(mlContext, RowCount);
        string file = Path.Combine(Path.GetTempPath(), $"xormlnet-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllBytes(file, Export(mlContext, trained.Model, rows));
            ITransformer onnxModel = mlContext.Transforms.ApplyOnnxModel(file).Fit(rows);
            // ApplyOnnxModel gives the graph's outputs their ML.NET names back, as vectors of one value.
            OnnxScores fromOnnx = OnnxScores.Read(onnxModel.Transform(rows), "Score", "Probability", "PredictedLabel");
            (onnxModel as IDisposable)?.Dispose();
            OnnxScores fromMlNet = OnnxScores.Read(trained.Model.Transform(rows), "Score", "Probability", "PredictedLabel");
            AssertAgree(fromMlNet, fromOnnx);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("xor")]
    [InlineData("synthetic")]
    public void Export_OfModelLoadedInAFreshProcess_ScoresAsTheFittedModel(string name)
    {
        OnnxCase trained = OnnxCase.ByName(name);
        var mlContext = new MLContext(seed: 1);
        IDataView rows = trained.Rows(mlContext, RowCount);
        string folder = Directory.CreateTempSubdirectory("xormlnet-onnx-").FullName;
        try
        {
            string model = Path.Combine(folder, "model.zip"), rowsFile = Path.Combine(folder, "rows.idv"), onnx = Path.Combine(folder, "model.onnx");
            mlContext.Model.Save(trained.Model, trained.InputSchema, model);
            using (FileStream stream = File.Create(rowsFile))
            {
                mlContext.Data.SaveAsBinary(rows, stream, keepHidden: false);
            }

            ProcessResult host = TestProcess.RunBuiltApp("XorMlNet.LoadHost", [model, rowsFile, onnx], folder, TimeSpan.FromMinutes(3));
            Assert.True(host.ExitCode == 0, $"XorMlNet.LoadHost exited with {host.ExitCode}:\n{host.StandardError}");

            using var session = new InferenceSession(onnx);
            AssertAgree(OnnxScores.Read(trained.Model.Transform(rows), "Score", "Probability", "PredictedLabel"), OnnxScores.Run(session, rows));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Export_OfTransformerAlone_TakesTheFeatureVectorAsItsInput()
    {
        OnnxCase trained = OnnxCase.ByName("synthetic");
        var mlContext = new MLContext(seed: 1);
        // Materialized feature vectors: ONNX export walks a view back through the transforms that made it.
        var random = new Random(9);
        IDataView features = mlContext.Data.LoadFromEnumerable(Enumerable.Range(0, 1000)
            .Select(_ => new FeatureRow { Features = Enumerable.Range(0, 5).Select(_ => OnnxCase.Value(random)).ToArray() }).ToArray());
        XorMlpTransformer ours = trained.Ours;

        using var session = new InferenceSession(Export(mlContext, ours, features));

        Assert.Equal(["Features"], session.InputMetadata.Keys);
        AssertAgree(OnnxScores.Read(ours.Transform(features), "Score", "Probability", "PredictedLabel"), OnnxScores.Run(session, features));
    }

    private sealed class FeatureRow
    {
        [VectorType(5)]
        public float[] Features { get; set; } = [];
    }

    [Fact]
    public void Export_OfNetworkAlone_HasNoTransformerOutputsAsInputs_AndScoresOneRow()
    {
        // The export that once silently left the network out made Score, Probability and PredictedLabel graph inputs.
        OnnxCase trained = OnnxCase.ByName("xor");
        var mlContext = new MLContext(seed: 1);
        IDataView rows = mlContext.Data.LoadFromEnumerable(new[] { new XorData.Row { X1 = 1, X2 = 0, Label = true } });

        using var session = new InferenceSession(Export(mlContext, trained.Model, rows));

        Assert.DoesNotContain(session.InputMetadata.Keys, k => k is "Score" or "Probability" or "PredictedLabel" or "Features");
        Assert.Contains("Score.output", session.OutputMetadata.Keys);
        OnnxScores onnx = OnnxScores.Run(session, rows);
        float expected = OnnxScores.Read(trained.Model.Transform(rows), "Score", "Probability", "PredictedLabel").Score[0];
        Assert.True(expected > 1, $"the XOR model's score for (1, 0) is {expected}");
        Assert.Equal(expected, onnx.Score[0], 1e-4);
        Assert.True(onnx.PredictedLabel[0]);
    }

    [Fact]
    public void Export_OfOneVersusAllPipeline_ScoresEveryClassInOnnxRuntimeAsInMLNet()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView iris = MulticlassTests.LoadIris(mlContext);
        ITransformer model = MulticlassTests.IrisPipeline(mlContext, MulticlassTests.OneVersusAll).Fit(iris);

        using var session = new InferenceSession(Export(mlContext, model, iris));
        using var results = session.Run(OnnxScores.Inputs(session, iris), ["Score.output", "PredictedLabel.output"]);

        float[] onnxScores = results.Single(r => r.Name == "Score.output").AsTensor<float>().ToArray();
        string[] onnxLabels = results.Single(r => r.Name == "PredictedLabel.output").AsTensor<string>().ToArray();
        IDataView scored = model.Transform(iris);
        float[] scores = OnnxScores.Tensor<float>(scored, scored.Schema["Score"]).ToArray();
        string[] labels = OnnxScores.Tensor<ReadOnlyMemory<char>>(scored, scored.Schema["PredictedLabel"]).Select(l => l.ToString()).ToArray();
        Assert.Equal(3 * 150, scores.Length);
        Assert.Equal(scores.Length, onnxScores.Length);
        for (int i = 0; i < scores.Length; i++)
        {
            Assert.True(Math.Abs(scores[i] - onnxScores[i]) <= ProbabilityTolerance, $"score {i}: ML.NET {scores[i]:R}, ONNX {onnxScores[i]:R}");
        }
        Assert.Equal(labels, onnxLabels);
    }

    internal static byte[] Export(MLContext mlContext, ITransformer model, IDataView rows)
    {
        using var stream = new MemoryStream();
        mlContext.Model.ConvertToOnnx(model, rows, stream);
        return stream.ToArray();
    }

    internal static void AssertAgree(OnnxScores expected, OnnxScores actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.True(expected.Count > 0, "no rows were scored");
        int labelDifferences = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            float p = expected.Probability[i];
            double error = Math.Abs(p - actual.Probability[i]);
            Assert.True(error <= ProbabilityTolerance,
                $"row {i}: ML.NET Probability {p:R}, ONNX {actual.Probability[i]:R} (|Δ| = {error:E2}); Score {expected.Score[i]:R} vs {actual.Score[i]:R}");
            if (expected.PredictedLabel[i] != actual.PredictedLabel[i])
            {
                Assert.True(Math.Abs(p - 0.5) <= ProbabilityTolerance, $"row {i}: PredictedLabel {expected.PredictedLabel[i]} vs {actual.PredictedLabel[i]} at Probability {p:R}");
                labelDifferences++;
            }
            // Score is Σ W2·σ(·) + b2: bounded by the weights whatever the features, so an absolute bound fits it.
            Assert.True(Math.Abs(expected.Score[i] - actual.Score[i]) <= 1e-4 * (1 + Math.Abs(expected.Score[i])),
                $"row {i}: ML.NET Score {expected.Score[i]:R}, ONNX {actual.Score[i]:R}");
        }
        Assert.True(labelDifferences <= expected.Count / 1000, $"{labelDifferences} labels differ");
    }
}
