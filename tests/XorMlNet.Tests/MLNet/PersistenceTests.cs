using Microsoft.ML;
using Microsoft.ML.Data;
using XorMlNet.Tests.Persistence;

namespace XorMlNet.Tests.MLNet;

/// <summary>
/// In-process round trips through <c>mlContext.Model.Save</c> / <c>Model.Load</c>: a new <see cref="MLContext"/> and no
/// registration call, our own transformer back inside ML.NET's chain, bit-identical weights, histories, options,
/// output schema and output columns. (A separate process: Persistence/FreshProcessTests; bad files:
/// Persistence/CorruptModelTests.)
/// </summary>
public class PersistenceTests
{
    [Fact]
    public void SaveLoad_ThroughStream_GivesOurTransformerAndIdenticalScores()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView data = XorData.Load(mlContext);
        ITransformer model = XorData.Pipeline(mlContext, new XorMlpEstimator()).Fit(data);

        using var stream = new MemoryStream();
        mlContext.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        ITransformer loaded = new MLContext().Model.Load(stream, out DataViewSchema inputSchema);

        var chain = Assert.IsAssignableFrom<TransformerChain<ITransformer>>(loaded);
        XorMlpTransformer ours = Assert.IsType<XorMlpTransformer>(chain.LastTransformer);
        Assert.Equal(Dumps.Schema(data.Schema), Dumps.Schema(inputSchema));
        ModelAssert.SameTransformer((XorMlpTransformer)((IEnumerable<ITransformer>)model).Last(), ours);
        // Seven rows, where training had four.
        ModelAssert.SameScoring(model, loaded, inputSchema, mlContext.Data.LoadFromEnumerable(TrainedModels.XorScoreRows));
    }

    [Theory]
    [MemberData(nameof(TrainedModels.Names), MemberType = typeof(TrainedModels))]
    public void SaveLoad_ThroughStream_RoundTripsBitIdentically(string name)
    {
        TrainedModels.Case trained = TrainedModels.ByName(name);
        using var stream = new MemoryStream();
        new MLContext().Model.Save(trained.Model, trained.InputSchema, stream);
        stream.Position = 0;

        ITransformer loaded = new MLContext().Model.Load(stream, out DataViewSchema inputSchema);

        AssertRoundTrip(trained, loaded, inputSchema);
    }

    [Theory]
    [MemberData(nameof(TrainedModels.Names), MemberType = typeof(TrainedModels))]
    public void SaveLoad_ThroughFile_RoundTripsBitIdentically(string name)
    {
        TrainedModels.Case trained = TrainedModels.ByName(name);
        string path = Path.Combine(Path.GetTempPath(), $"xormlnet-{name}-{Guid.NewGuid():N}.zip");
        try
        {
            new MLContext().Model.Save(trained.Model, trained.InputSchema, path);

            ITransformer loaded = new MLContext().Model.Load(path, out DataViewSchema inputSchema);

            AssertRoundTrip(trained, loaded, inputSchema);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SaveLoad_TransformerAlone_ComesBackAsOurTransformer()
    {
        TrainedModels.Case trained = TrainedModels.Xor;
        // What our transformer sees: the input schema after Concatenate.
        IEnumerable<ITransformer> steps = (IEnumerable<ITransformer>)trained.Model;
        DataViewSchema featureSchema = steps.First().GetOutputSchema(trained.InputSchema);
        IDataView featureRows = steps.First().Transform(trained.ScoreRows);
        using var stream = new MemoryStream();
        new MLContext().Model.Save(trained.Ours, featureSchema, stream);
        stream.Position = 0;

        ITransformer loaded = new MLContext().Model.Load(stream, out DataViewSchema inputSchema);

        XorMlpTransformer ours = Assert.IsType<XorMlpTransformer>(loaded);
        Assert.Equal(Dumps.Schema(featureSchema), Dumps.Schema(inputSchema));
        ModelAssert.SameTransformer(trained.Ours, ours);
        ModelAssert.SameScoring(trained.Ours, ours, inputSchema, featureRows);
    }

    [Fact]
    public void SaveLoad_SyntheticModel_KeepsValidationHistoryRestartsSingleLabelsAndSizes()
    {
        TrainedModels.Case trained = TrainedModels.Synthetic;
        XorMlpModelParameters original = trained.Ours.Model;
        // Preconditions: this model exercises what it is meant to.
        Assert.Equal(5, original.InputSize);
        Assert.Equal(16, original.HiddenSize);
        Assert.True(original.Restarts > 0, $"the model should have restarted (Restarts = {original.Restarts})");
        Assert.NotEmpty(original.ValidationLossHistory);
        Assert.NotEqual(TrainedModels.Xor.Ours.Model.EpochsRun, original.EpochsRun);
        Assert.Equal(NumberDataViewType.Single, trained.InputSchema["Label"].Type);

        ITransformer loaded = ModelZip.Load(ModelZip.Save(trained.Model, trained.InputSchema), out DataViewSchema inputSchema);

        XorMlpModelParameters reloaded = Assert.IsType<XorMlpTransformer>(ModelAssert.Last(loaded)).Model;
        Assert.Equal(original.Restarts, reloaded.Restarts);
        Assert.Equal(original.ValidationLossHistory.Count, reloaded.ValidationLossHistory.Count);
        Assert.Equal(NumberDataViewType.Single, inputSchema["Label"].Type);
        AssertRoundTrip(trained, loaded, inputSchema);
    }

    [Theory]
    [MemberData(nameof(TrainedModels.Names), MemberType = typeof(TrainedModels))]
    public void Save_OfLoadedModel_WritesTheSameEntries(string name)
    {
        TrainedModels.Case trained = TrainedModels.ByName(name);
        byte[] saved = ModelZip.Save(trained.Model, trained.InputSchema);
        ITransformer loaded = ModelZip.Load(saved, out DataViewSchema inputSchema);

        byte[] resaved = ModelZip.Save(loaded, inputSchema);

        Assert.Equal(ModelZip.EntryNames(saved), ModelZip.EntryNames(resaved));
        foreach (string entry in new[] { ModelZip.TransformerEntry(trained.OurIndex), ModelZip.ModelParametersEntry(trained.OurIndex), ModelZip.TrainSchemaEntry(trained.OurIndex) })
        {
            Assert.True(ModelZip.ReadEntry(saved, entry).AsSpan().SequenceEqual(ModelZip.ReadEntry(resaved, entry)), $"entry {entry} changed");
        }
    }

    [Fact]
    public void PredictionEngine_OnLoadedModels_GivesTheOriginalPredictions()
    {
        TrainedModels.Case xor = TrainedModels.Xor;
        AssertPredictionEngine<XorData.Row>(xor, TrainedModels.XorScoreRows);
        TrainedModels.Case synthetic = TrainedModels.Synthetic;
        AssertPredictionEngine<TrainedModels.SyntheticRow>(synthetic, TrainedModels.SyntheticRows(5, seed: 14));
    }

    private static void AssertPredictionEngine<TRow>(TrainedModels.Case trained, TRow[] rows)
        where TRow : class
    {
        var mlContext = new MLContext();
        ITransformer loaded = ModelZip.Load(ModelZip.Save(trained.Model, trained.InputSchema), out DataViewSchema inputSchema);
        var original = mlContext.Model.CreatePredictionEngine<TRow, XorData.Prediction>(trained.Model, trained.InputSchema);
        var reloaded = mlContext.Model.CreatePredictionEngine<TRow, XorData.Prediction>(loaded, inputSchema);
        foreach (TRow row in rows)
        {
            XorData.Prediction expected = original.Predict(row), actual = reloaded.Predict(row);
            Assert.Equal(BitConverter.SingleToInt32Bits(expected.Score), BitConverter.SingleToInt32Bits(actual.Score));
            Assert.Equal(BitConverter.SingleToInt32Bits(expected.Probability), BitConverter.SingleToInt32Bits(actual.Probability));
            Assert.Equal(expected.PredictedLabel, actual.PredictedLabel);
        }
    }

    private static void AssertRoundTrip(TrainedModels.Case trained, ITransformer loaded, DataViewSchema inputSchema)
    {
        var chain = Assert.IsAssignableFrom<TransformerChain<ITransformer>>(loaded);
        ITransformer[] steps = [.. chain];
        ITransformer[] originalSteps = [.. (IEnumerable<ITransformer>)trained.Model];
        Assert.Equal(originalSteps.Select(t => t.GetType()), steps.Select(t => t.GetType()));
        XorMlpTransformer ours = Assert.IsType<XorMlpTransformer>(steps[trained.OurIndex]);
        Assert.Same(ours, chain.LastTransformer);
        Assert.Equal(Dumps.Schema(trained.InputSchema), Dumps.Schema(inputSchema));
        ModelAssert.SameTransformer(trained.Ours, ours);
        ModelAssert.SameScoring(trained.Model, loaded, inputSchema, trained.ScoreRows);
    }
}
