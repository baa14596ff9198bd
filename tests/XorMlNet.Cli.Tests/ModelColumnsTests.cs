using Microsoft.ML;
using Microsoft.ML.Data;

namespace XorMlNet.Cli.Tests;

/// <summary><c>evaluate</c> and <c>predict</c> take the label and the feature columns from the model, and refuse a model that is not XorMlNet's.</summary>
public sealed class ModelColumnsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private async Task<(string Data, string Model)> TrainWithLabel(string label)
    {
        string data = _folder["train.csv"], model = _folder["model.zip"];
        File.WriteAllLines(data, XorCsv.Lines(rows: 200, seed: 4).Select(l => l.Replace(",Label", "," + label, StringComparison.Ordinal)));
        (await Cli.RunAsync("train", "--data", data, "--out", model, "--label", label, "--features", "x2,x1", "--hidden", "8")).Succeeded();
        return (data, model);
    }

    [Fact]
    public async Task Evaluate_UsesTheModelsLabel_WithoutLabelOption()
    {
        (string data, string model) = await TrainWithLabel("is_positive");

        CliResult result = (await Cli.RunAsync("evaluate", "--model", model, "--data", data)).Succeeded();

        Assert.Contains("(200 rows, label 'is_positive')", result.Output);
        Assert.InRange(Cli.Metric(result.Output, "Accuracy"), 0.9, 1.0);
    }

    [Fact]
    public async Task Evaluate_LabelOptionStillChoosesAnotherColumn()
    {
        (string data, string model) = await TrainWithLabel("is_positive");
        string relabelled = _folder["relabelled.csv"];
        File.WriteAllLines(relabelled, File.ReadAllLines(data).Select(l => l.Replace(",is_positive", ",truth", StringComparison.Ordinal)));

        CliResult result = (await Cli.RunAsync("evaluate", "--model", model, "--data", relabelled, "--label", "truth")).Succeeded();

        Assert.Contains("label 'truth'", result.Output);
    }

    [Fact]
    public async Task Predict_ReadsTheModelsFeaturesInTheirOrder_FromAFileWithoutTheLabel()
    {
        (_, string model) = await TrainWithLabel("is_positive");
        string data = _folder["in.csv"], scored = _folder["scored.csv"];
        File.WriteAllLines(data, ["x1,x2", "0.9,0.1", "0.1,0.1"]);

        (await Cli.RunAsync("predict", "--model", model, "--data", data, "--out", scored)).Succeeded();

        string[] lines = File.ReadAllLines(scored);
        Assert.EndsWith(",true", lines[1]);
        Assert.EndsWith(",false", lines[2]);
    }

    [Theory]
    [InlineData("evaluate")]
    [InlineData("predict")]
    public async Task ModelOfAnotherTrainer_IsRefused(string command)
    {
        string data = XorCsv.Write(_folder["train.csv"], rows: 100, seed: 3);
        var mlContext = new MLContext(seed: 0);
        IDataView view = mlContext.Data.LoadFromTextFile(data,
            [new TextLoader.Column("Features", DataKind.Single, 1, 3), new TextLoader.Column("Label", DataKind.Boolean, 4)],
            separatorChar: ',', hasHeader: true);
        ITransformer other = mlContext.BinaryClassification.Trainers.LbfgsLogisticRegression().Fit(view);
        string model = _folder["lbfgs.zip"];
        mlContext.Model.Save(other, view.Schema, model);

        CliResult result = await Cli.RunAsync(command == "evaluate"
            ? ["evaluate", "--model", model, "--data", data]
            : ["predict", "--model", model, "--data", data, "--out", _folder["scored.csv"]]);

        Assert.Equal($"error: '{model}' is an ML.NET model, but not XorMlNet's: its last step is " +
            "BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>. " +
            "xormlnet evaluates and applies the models 'xormlnet train' writes.", result.Failed(ExitCodes.Failure));
        Assert.False(File.Exists(_folder["scored.csv"]));
    }
}
