using System.Globalization;
using System.Text.RegularExpressions;

namespace XorMlNet.Cli.Tests;

[Collection(TrainedModelCollection.Name)]
public sealed class EvaluatePredictTests(TrainedModel trained) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Evaluate_PrintsMetricsAndAConfusionMatrixCoveringEveryRow()
    {
        string test = XorCsv.Write(_folder["test.csv"], rows: 150, seed: 11);

        string output = (await Cli.RunAsync("evaluate", "--model", trained.ModelPath, "--data", test, "--label", "Label")).Succeeded().Output;

        Assert.Contains($"Metrics of '{trained.ModelPath}' on '{test}' (150 rows, label 'Label'):", output);
        Assert.InRange(Cli.Metric(output, "Accuracy"), 0.85, 1.0);
        Assert.InRange(Cli.Metric(output, "AUC"), 0.9, 1.0);
        Assert.InRange(Cli.Metric(output, "F1 score"), 0.85, 1.0);
        Assert.InRange(Cli.Metric(output, "Log-loss"), 0.0, 0.7);
        Assert.Contains("Confusion matrix:", output);
        // " positive ||       71 |        3 | 0.9595": the counts of the truth rows add up to the rows evaluated.
        MatchCollection rows = Regex.Matches(output, @"^\s*(positive|negative) \|\|\s*(\d+) \|\s*(\d+) \|", RegexOptions.Multiline);
        Assert.Equal(2, rows.Count);
        Assert.Equal(150, rows.Sum(m => int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) + int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Predict_WritesTheInputColumnsAsTheyWereThenScoreProbabilityAndPredictedLabel()
    {
        List<string> input = XorCsv.Lines(rows: 120, seed: 12);
        string data = _folder["in.csv"], scored = _folder["scored.csv"];
        File.WriteAllLines(data, input);

        CliResult result = (await Cli.RunAsync("predict", "--model", trained.ModelPath, "--data", data, "--out", scored)).Succeeded();

        Assert.Contains("Scored 120 rows", result.Output);
        string[] lines = File.ReadAllLines(scored);
        Assert.Equal($"{XorCsv.Header},Score,Probability,PredictedLabel", lines[0]);
        Assert.Equal(input.Count, lines.Length);
        int correct = 0;
        for (int row = 1; row < lines.Length; row++)
        {
            string[] cells = lines[row].Split(',');
            Assert.Equal(input[row], string.Join(',', cells[..5]));
            float score = float.Parse(cells[5], CultureInfo.InvariantCulture);
            float probability = float.Parse(cells[6], CultureInfo.InvariantCulture);
            bool predicted = bool.Parse(cells[7]);
            Assert.InRange(probability, 0f, 1f);
            Assert.Equal(score > 0, predicted);
            Assert.Equal(probability > 0.5f, predicted);
            correct += predicted == (cells[4] == "1") ? 1 : 0;
        }
        Assert.InRange(correct, 102, 120);
        Assert.Equal(["in.csv", "scored.csv"], Directory.GetFiles(_folder.Root).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task Predict_AcceptsColumnsInAnotherOrder_WithoutTheLabel_AndQuotedText()
    {
        string data = _folder["reordered.csv"], scored = _folder["scored.csv"];
        File.WriteAllLines(data,
        [
            "x3,note,x2,x1",
            "0.5,\"first, with a comma\",0.1,0.9",
            "0.5,plain,0.9,0.9",
        ]);

        (await Cli.RunAsync("predict", "--model", trained.ModelPath, "--data", data, "--out", scored)).Succeeded();

        string[] lines = File.ReadAllLines(scored);
        Assert.Equal(3, lines.Length);
        Assert.Equal("x3,note,x2,x1,Score,Probability,PredictedLabel", lines[0]);
        Assert.StartsWith("0.5,\"first, with a comma\",0.1,0.9,", lines[1]);
        Assert.EndsWith(",true", lines[1]);
        Assert.StartsWith("0.5,plain,0.9,0.9,", lines[2]);
        Assert.EndsWith(",false", lines[2]);
    }
}
