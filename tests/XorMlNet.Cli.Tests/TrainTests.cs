using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace XorMlNet.Cli.Tests;

[Collection(TrainedModelCollection.Name)]
public sealed class TrainTests(TrainedModel trained) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Train_SavesAModelThatLoads_WithTheInferredFeatures()
    {
        trained.Result.Succeeded();

        ITransformer model = new MLContext().Model.Load(trained.ModelPath, out DataViewSchema inputSchema);

        var chain = Assert.IsType<TransformerChain<ITransformer>>(model);
        XorMlpModelParameters network = Assert.IsType<XorMlpTransformer>(chain.LastTransformer).Model;
        Assert.Equal(3, network.InputSize);
        Assert.Equal(8, network.HiddenSize);
        // The input schema: the features as one vector whose slot names are the CSV columns, and the label.
        Assert.Equal(["Features", "Label"], inputSchema.Select(c => c.Name));
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 3), inputSchema["Features"].Type);
        VBuffer<ReadOnlyMemory<char>> slotNames = default;
        inputSchema["Features"].GetSlotNames(ref slotNames);
        Assert.Equal(["x1", "x2", "x3"], slotNames.DenseValues().Select(n => n.ToString()));
        Assert.Equal(BooleanDataViewType.Instance, inputSchema["Label"].Type);
        Assert.Contains("features 'x1', 'x2' and 'x3'", trained.Result.Output);
        Assert.Contains("Not used: 'id' (not numeric).", trained.Result.Output);
    }

    [Fact]
    public void Train_PrintsPlausibleMetricsOnTheTrainingData()
    {
        string output = trained.Result.Succeeded().Output;

        Assert.Contains("Metrics on the training data:", output);
        Assert.InRange(Cli.Metric(output, "Accuracy"), 0.9, 1.0);
        Assert.InRange(Cli.Metric(output, "AUC"), 0.9, 1.0);
        Assert.InRange(Cli.Metric(output, "F1 score"), 0.9, 1.0);
        Assert.InRange(Cli.Metric(output, "Log-loss"), 0.0, 0.5);
        Assert.Matches(@"Stopped after \d+ epochs", output);
    }

    [Fact]
    public void Train_LeavesOnlyItsOutputsInTheFolder()
    {
        trained.Result.Succeeded();

        Assert.Equal(["loss.png", "model.zip", "train.csv"], Directory.GetFiles(trained.Folder.Root).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Train_WithPlot_WritesTheLossCurveAsAPng()
    {
        trained.Result.Succeeded();

        Assert.Equal((800, 500), Png.Check(trained.PlotPath));
        Assert.Contains($"Wrote the loss curve to '{trained.PlotPath}'.", trained.Result.Output);
    }

    [Fact]
    public async Task Train_WithNamedFeaturesNormalizationAdamAndTrueFalseLabels()
    {
        string data = XorCsv.Write(_folder["tf.csv"], rows: 200, seed: 2, label: l => l ? "true" : "False");
        string modelPath = _folder["tf.zip"];

        CliResult result = (await Cli.RunAsync("train", "--data", data, "--out", modelPath, "--features", "x2, x1", "--normalize",
            "--solver", "adam", "--learning-rate", "0.05", "--batch-size", "32", "--validation-fraction", "0.2", "--epochs", "3000",
            "--hidden", "6", "--seed", "7")).Succeeded();

        Assert.Contains("features 'x2' and 'x1' (normalized), label 'Label' (Boolean)", result.Output);
        Assert.Contains("Not used: 'id' and 'x3'.", result.Output);
        var chain = Assert.IsType<TransformerChain<ITransformer>>(new MLContext().Model.Load(modelPath, out _));
        Assert.Collection(chain,
            t => Assert.IsType<NormalizingTransformer>(t),
            t => Assert.IsType<XorMlpTransformer>(t));
        XorMlpModelParameters network = Assert.IsType<XorMlpTransformer>(chain.LastTransformer).Model;
        Assert.Equal(2, network.InputSize);
        Assert.Equal(XorMlNet.Solver.Adam, network.TrainingOptions.Solver);
        Assert.Equal(32, network.TrainingOptions.BatchSize);
        Assert.Equal(network.EpochsRun, network.ValidationLossHistory.Count);
        Assert.InRange(Cli.Metric(result.Output, "Accuracy"), 0.9, 1.0);
    }

    [Theory]
    [InlineData("adam", 0.01)]
    [InlineData("momentum", 4.0)]
    public async Task Train_WithoutALearningRate_UsesTheSolversOwn(string solver, double expected)
    {
        string data = XorCsv.Write(_folder["solver.csv"], rows: 200, seed: 4);
        string modelPath = _folder["solver.zip"];

        (await Cli.RunAsync("train", "--data", data, "--out", modelPath, "--features", "x1,x2", "--hidden", "8", "--solver", solver, "--epochs", "3000")).Succeeded();

        XorMlpModelParameters network = ((TransformerChain<ITransformer>)new MLContext().Model.Load(modelPath, out _)).LastTransformer switch
        {
            XorMlpTransformer t => t.Model,
            var other => throw new InvalidOperationException($"last step {other.GetType().Name}"),
        };
        Assert.Equal(expected, network.TrainingOptions.LearningRate);
    }

    [Fact]
    public async Task Train_WithTheFlagsOfTheOtherTrainerOptions_SavesThemInTheModel()
    {
        string data = XorCsv.Write(_folder["flags.csv"], rows: 200, seed: 5);
        string modelPath = _folder["flags.zip"];

        (await Cli.RunAsync("train", "--data", data, "--out", modelPath, "--features", "x1,x2", "--hidden", "8", "--l2", "0.001",
            "--momentum", "0.8", "--nesterov", "--max-restarts", "2", "--restart-patience", "500", "--loss-tolerance", "0.002",
            "--initial-weight-scale", "0.2", "--threads", "1")).Succeeded();

        XorMlpModelParameters network = Assert.IsType<XorMlpTransformer>(((TransformerChain<ITransformer>)new MLContext().Model.Load(modelPath, out _)).LastTransformer).Model;
        XorMlpEstimator.Options saved = network.TrainingOptions;
        Assert.Equal(0.001, saved.L2Regularization);
        Assert.Equal(0.8, saved.Momentum);
        Assert.True(saved.UseNesterov);
        Assert.Equal(2, saved.MaxRestarts);
        Assert.Equal(500, saved.RestartPatience);
        Assert.Equal(0.002, saved.LossTolerance);
        Assert.Equal(0.2, saved.InitialWeightScale);
    }

    [Fact]
    public async Task Train_WithProbabilityLabels_LoadsTheLabelAsSingle()
    {
        string data = XorCsv.Write(_folder["soft.csv"], rows: 200, seed: 3, label: l => l ? "0.9" : "0.1");
        string modelPath = _folder["soft.zip"];

        CliResult result = (await Cli.RunAsync("train", "--data", data, "--out", modelPath, "--features", "x1,x2", "--hidden", "8")).Succeeded();

        Assert.Contains("label 'Label' (Single)", result.Output);
        new MLContext().Model.Load(modelPath, out DataViewSchema inputSchema);
        Assert.Equal(NumberDataViewType.Single, inputSchema["Label"].Type);
        Assert.InRange(Cli.Metric(result.Output, "AUC"), 0.9, 1.0);
    }

    [Fact]
    public async Task Train_OnATerminal_DrawsTheProgressLineInPlace()
    {
        string modelPath = _folder["live.zip"];

        CliResult result = (await Cli.RunLiveAsync(CancellationToken.None,
            "train", "--data", trained.TrainPath, "--out", modelPath, "--hidden", "8", "--validation-fraction", "0.25")).Succeeded();

        Assert.Matches(@"\repoch +\d+  training loss [0-9.eE-]+ +validation loss [0-9.eE-]+ +[0-9.]+ s", result.Output);
        Assert.True(File.Exists(modelPath));
    }

    [Fact]
    public async Task Train_Cancelled_WritesNoModel()
    {
        string modelPath = _folder["cancelled.zip"];
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        CliResult result = await Cli.RunLiveAsync(cancellation.Token, "train", "--data", trained.TrainPath, "--out", modelPath);

        Assert.Contains("cancelled", result.Failed(ExitCodes.Cancelled));
        Assert.Empty(Directory.GetFiles(_folder.Root));
    }
}
