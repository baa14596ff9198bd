using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace XorMlNet.Cli.Tests;

/// <summary>What <c>train</c> does with a fit that is no use, a single class, and the warnings ML.NET logs.</summary>
public sealed class TrainOutcomeTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task SingleClass_TrainsSavesAndExitsZero_WithAWarningThatAucIsUndefined()
    {
        string data = XorCsv.Write(_folder["one.csv"], rows: 100, seed: 7, label: _ => "0");
        string model = _folder["one.zip"];

        CliResult result = await Cli.RunAsync("train", "--data", data, "--out", model);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal($"warning: every row of '{data}' has the label false in 'Label': with a single class, AUC (and F1 and log-loss) are undefined; only the accuracy is shown.",
            result.Error.TrimEnd('\n'));
        Assert.Equal(1.0, Cli.Metric(result.Output, "Accuracy"));
        Assert.DoesNotContain("AUC", result.Output);
        Assert.True(File.Exists(model));
    }

    [Fact]
    public async Task FeaturesThatCarryNothing_NoBetterThanTheMajority_ExitsNonZero_WritesNothing()
    {
        // 60 rows true, 40 false, and one feature that is the same in every row: no model can beat "always true".
        string data = _folder["flat.csv"];
        File.WriteAllLines(data, ["x,Label", .. Enumerable.Range(0, 100).Select(i => i < 60 ? "0.5,1" : "0.5,0")]);
        string model = _folder["flat.zip"];

        CliResult result = await Cli.RunAsync("train", "--data", data, "--out", model, "--plot", _folder["flat.png"]);

        // The trainer's own warning (it did not learn), then the tool's verdict.
        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        string[] lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("warning: Training did not learn", lines[0]);
        Assert.Equal($"error: The fitted model is no better than always predicting the majority class on '{data}': accuracy 60.0 %, " +
            "and predicting true for every row scores 60.0 %. Nothing was written; try --normalize, another --learning-rate, more --hidden units or more --epochs.",
            lines[1]);
        Assert.Contains("it did not learn; see the warning", result.Output);
        Assert.Equal(["flat.csv"], Directory.GetFiles(_folder.Root).Select(Path.GetFileName));
    }

    [Fact]
    public async Task RandomLabels_LearningRateFarTooHigh_ExitsNonZero()
    {
        var random = new Random(8);
        string data = XorCsv.Write(_folder["noise.csv"], rows: 200, seed: 8, label: _ => random.Next(2).ToString(CultureInfo.InvariantCulture));

        CliResult result = await Cli.RunAsync("train", "--data", data, "--out", _folder["noise.zip"], "--learning-rate", "1000", "--epochs", "2000");

        string line = result.Failed(ExitCodes.Failure);
        Assert.StartsWith($"error: Training on '{data}' diverged (--learning-rate is the likely cause): ", line);
        Assert.False(File.Exists(_folder["noise.zip"]));
    }

    [Fact]
    public void WarningRelay_PassesOnWarningsOnly_AsTheyAreLogged()
    {
        var mlContext = new MLContext(seed: 0);
        var received = new List<string>();
        WarningRelay.Attach(mlContext, received.Add);

        using (IChannel channel = ((IChannelProvider)mlContext).Start("XorMlp"))
        {
            channel.Info(MessageSensitivity.None, "an epoch went by");
            channel.Warning(MessageSensitivity.None, "the model ended saturated");
            channel.Trace(MessageSensitivity.None, "detail");
        }

        Assert.Equal(["the model ended saturated"], received);
    }
}
