
namespace XorMlNet.Cli.Tests;

/// <summary>Separators, files that are not CSV, and error lines that show printable text only, cut to a sane length.</summary>
[Collection(TrainedModelCollection.Name)]
public sealed class CsvFormatTests(TrainedModel trained) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(";", "semicolon")]
    [InlineData("\t", "tab")]
    public async Task Train_FindsTheSeparatorInTheHeader(string separator, string name)
    {
        string data = _folder["sep.csv"];
        File.WriteAllLines(data, trained.TrainLines.Select(l => l.Replace(",", separator, StringComparison.Ordinal)));

        CliResult result = (await Cli.RunAsync("train", "--data", data, "--out", _folder["m.zip"], "--hidden", "8")).Succeeded();

        Assert.Contains($"200 rows (separator: {name}), features 'x1', 'x2' and 'x3'", result.Output);
        Assert.InRange(Cli.Metric(result.Output, "Accuracy"), 0.9, 1.0);
    }

    [Fact]
    public async Task Predict_OnASemicolonFile_WritesSemicolons()
    {
        string data = _folder["in.csv"], scored = _folder["out.csv"];
        File.WriteAllLines(data, ["x1;x2;x3", "0.9;0.1;0.5", "0.9;0.9;0.5"]);

        (await Cli.RunAsync("predict", "--model", trained.ModelPath, "--data", data, "--out", scored)).Succeeded();

        string[] lines = File.ReadAllLines(scored);
        Assert.Equal("x1;x2;x3;Score;Probability;PredictedLabel", lines[0]);
        Assert.StartsWith("0.9;0.1;0.5;", lines[1]);
        Assert.EndsWith(";true", lines[1]);
        Assert.EndsWith(";false", lines[2]);
    }

    [Fact]
    public async Task Train_WithSeparatorOption()
    {
        string data = _folder["pipe.csv"];
        File.WriteAllLines(data, trained.TrainLines.Select(l => l.Replace(",", "|", StringComparison.Ordinal)));

        CliResult result = (await Cli.RunAsync("train", "--data", data, "--out", _folder["m.zip"], "--separator", "|", "--hidden", "8")).Succeeded();

        Assert.Contains("(separator: '|')", result.Output);
    }

    [Fact]
    public async Task Train_HeaderThatReadsAsOneJoinedColumn_SaysSo()
    {
        string data = _folder["pipe.csv"];
        File.WriteAllLines(data, ["x1|x2|Label", "0.1|0.2|1"]);

        string line = (await Cli.RunAsync("train", "--data", data, "--out", _folder["m.zip"])).Failed(ExitCodes.Failure);

        Assert.Equal($"error: '{data}' has no label column 'Label': its header reads as one column, 'x1|x2|Label', with no comma in it; " +
            "if its columns are separated by something else, say what with --separator.", line);
    }

    [Fact]
    public async Task Train_NumberWithADecimalCommaInASemicolonFile_GetsAHint()
    {
        string data = _folder["eu.csv"];
        File.WriteAllLines(data, ["x1;x2;Label", "0.1;0.2;1", "0.3;0.4;0", "0,5;0.3;0"]);

        string line = (await Cli.RunAsync("train", "--data", data, "--out", _folder["m.zip"])).Failed(ExitCodes.Failure);

        Assert.EndsWith("'0,5' is not a number (a feature column must hold numbers only); write numbers with a decimal point.", line);
    }

    [Fact]
    public async Task Train_BinaryFile_OneShortPrintableLine()
    {
        // A file of zeros renamed .csv: its "first line" is 10 MB of NUL characters.
        string data = _folder["zeros.csv"];
        File.WriteAllBytes(data, new byte[10 << 20]);

        string line = (await Cli.RunAsync("train", "--data", data, "--out", _folder["m.zip"])).Failed(ExitCodes.Failure);

        Assert.Equal($"error: '{data}' is not a text file: byte 0 is NUL. A CSV file is UTF-8 text with a header row.", line);
    }

    [Fact]
    public async Task ErrorLine_ShowsControlCharactersAsCodes_AndCutsALongCell()
    {
        string data = XorCsv.WriteWithCell(_folder["bad.csv"], trained.TrainLines, row: 7, column: "x2", value: "\u001b[31mred\u0007" + new string('9', 5000) + "x");

        CliResult result = await Cli.RunAsync("train", "--data", data, "--out", _folder["m.zip"]);
        string line = result.Failed(ExitCodes.Failure);

        Assert.StartsWith($"error: '{data}', row 7 (line 8), column 'x2': '\\x1B[31mred\\x0799999", line);
        Assert.Contains("…' is not a number", line);
        Assert.DoesNotContain(line, c => char.IsControl(c));
        Assert.InRange(line.Length, 1, 300);
    }

    [Fact]
    public async Task AMillionHeaderColumns_AreRead_AndTheMissingLabelNamed()
    {
        string data = _folder["million.csv"];
        using (var writer = new StreamWriter(data))
        {
            writer.Write(string.Join(',', Enumerable.Range(0, 1_000_000).Select(i => $"c{i}")));
            writer.Write("\n1");
            writer.Write(new string(',', 999_999));
            writer.Write('\n');
        }

        string line = (await Cli.RunAsync("train", "--data", data, "--out", _folder["m.zip"])).Failed(ExitCodes.Failure);

        // Reached only once the header is read and its names checked for repeats.
        Assert.Equal($"error: '{data}' has no label column 'Label'; its columns are 'c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9' and 999,990 more.", line);
    }

    [Fact]
    public async Task RepeatedNameAmongAMillionColumns_IsFound()
    {
        string data = _folder["repeat.csv"];
        File.WriteAllText(data, string.Join(',', Enumerable.Range(0, 1_000_000).Select(i => i == 999_999 ? "c3" : $"c{i}")) + "\n");

        string line = (await Cli.RunAsync("train", "--data", data, "--out", _folder["m.zip"])).Failed(ExitCodes.Failure);

        Assert.Equal($"error: '{data}', line 1 (the header): the name 'c3' is used by columns 4 and 1000000.", line);
    }
}
