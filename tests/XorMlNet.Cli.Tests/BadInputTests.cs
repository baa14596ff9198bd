namespace XorMlNet.Cli.Tests;

/// <summary>Each bad input ends with one line on stderr that says what and where, a non-zero exit code, and no file written.</summary>
[Collection(TrainedModelCollection.Name)]
public sealed class BadInputTests(TrainedModel trained) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string ModelOut => _folder["out.zip"];

    private async Task<string> TrainFails(string data, params string[] more)
    {
        CliResult result = await Cli.RunAsync(["train", "--data", data, "--out", ModelOut, .. more]);
        string line = result.Failed(ExitCodes.Failure);
        Assert.False(File.Exists(ModelOut));
        return line;
    }

    [Fact]
    public async Task Train_MissingDataFile()
    {
        string missing = _folder["missing.csv"];

        Assert.Equal($"error: The file '{missing}' does not exist.", await TrainFails(missing));
    }

    [Fact]
    public async Task Train_HeaderWithoutTheLabel()
    {
        string data = _folder["nolabel.csv"];
        File.WriteAllLines(data, ["id,x1,x2,x3,Target", .. trained.TrainLines.Skip(1)]);

        string line = await TrainFails(data);

        Assert.Equal($"error: '{data}' has no label column 'Label'; its columns are 'id', 'x1', 'x2', 'x3' and 'Target'.", line);
    }

    [Fact]
    public async Task Train_LabelNamedInAnotherCase_GetsAHint()
    {
        string line = await TrainFails(trained.TrainPath, "--label", "label");

        Assert.Contains("no label column 'label' (names are case-sensitive: did you mean 'Label'?)", line);
    }

    [Fact]
    public async Task Train_NonNumericCell_NamesRowLineAndColumn()
    {
        string data = XorCsv.WriteWithCell(_folder["abc.csv"], trained.TrainLines, row: 57, column: "x2", value: "abc");

        string line = await TrainFails(data);

        Assert.Equal($"error: '{data}', row 57 (line 58), column 'x2': 'abc' is not a number (a feature column must hold numbers only).", line);
    }

    [Fact]
    public async Task Train_EmptyCell_NamesRowLineAndColumn()
    {
        string data = XorCsv.WriteWithCell(_folder["empty.csv"], trained.TrainLines, row: 9, column: "x1", value: "");

        Assert.Equal($"error: '{data}', row 9 (line 10), column 'x1' is empty; every feature cell must hold a number.", await TrainFails(data));
    }

    [Fact]
    public async Task Train_NonNumericCellInANamedFeature()
    {
        string data = XorCsv.WriteWithCell(_folder["nan.csv"], trained.TrainLines, row: 3, column: "x3", value: "NaN");

        string line = await TrainFails(data, "--features", "x1,x3");

        Assert.Contains("row 3 (line 4), column 'x3': 'NaN' is not a finite number", line);
    }

    [Fact]
    public async Task Train_LabelThatIsNotALabel()
    {
        string data = XorCsv.WriteWithCell(_folder["label2.csv"], trained.TrainLines, row: 20, column: "Label", value: "2");

        string line = await TrainFails(data);

        Assert.Equal($"error: '{data}', row 20 (line 21), column 'Label': '2' is not a label; write 0/1, true/false, or a probability in [0, 1].", line);
    }

    [Fact]
    public async Task Train_RowWithTooFewCells()
    {
        string data = _folder["short.csv"];
        File.WriteAllLines(data, [.. trained.TrainLines.Take(5), "r999,0.1,0.2", .. trained.TrainLines.Skip(5)]);

        Assert.Equal($"error: '{data}', row 5 (line 6) has 3 cells, but the header has 5 columns.", await TrainFails(data));
    }

    [Fact]
    public async Task Train_UnknownFeature()
    {
        string line = await TrainFails(trained.TrainPath, "--features", "x1,x9");

        Assert.Equal($"error: '{trained.TrainPath}' has no feature column 'x9'; its columns are 'id', 'x1', 'x2', 'x3' and 'Label'.", line);
    }

    [Fact]
    public async Task Train_OptionValueTheTrainerRejects_NamesTheOption()
    {
        Assert.Equal("error: --learning-rate -1: LearningRate must be positive and finite.",
            await TrainFails(trained.TrainPath, "--learning-rate", "-1"));
    }

    [Fact]
    public async Task Train_ValueOfAnyTrainerFlagTheTrainerRejects_NamesTheFlag()
    {
        Assert.Equal("error: --l2 -1: L2Regularization must be zero or positive, and finite.",
            await TrainFails(trained.TrainPath, "--l2", "-1"));
        Assert.Equal("error: --momentum 1: Momentum must be in [0, 1).",
            await TrainFails(trained.TrainPath, "--momentum", "1"));
    }

    [Fact]
    public async Task Train_OutputFolderMissing_FailsBeforeTraining()
    {
        string model = Path.Combine(_folder.Root, "no-such-folder", "model.zip");

        CliResult result = await Cli.RunAsync("train", "--data", trained.TrainPath, "--out", model);

        Assert.Equal($"error: Cannot write the model to '{model}' (--out): its folder does not exist.", result.Failed(ExitCodes.Failure));
        Assert.Equal("", result.Output);
    }

    [Theory]
    [InlineData(new[] { "train", "--data", "x.csv" }, "Option '--out' is required.")]
    [InlineData(new[] { "train", "--data", "x.csv", "--out", "m.zip", "--epochs", "many" }, "Cannot parse argument 'many' for option '--epochs'")]
    [InlineData(new[] { "predict", "--model", "m.zip", "--data", "x.csv", "--out", "s.csv", "--bogus" }, "Unrecognized command or argument '--bogus'.")]
    [InlineData(new string[0], "Required command was not provided.")]
    public async Task UsageErrors_ExitWithTwo(string[] args, string expected)
    {
        string line = (await Cli.RunAsync(args)).Failed(ExitCodes.Usage);

        Assert.Contains(expected, line);
        Assert.EndsWith("--help')", line);
    }

    [Theory]
    [InlineData("evaluate")]
    [InlineData("predict")]
    public async Task ModelTrainedOnOtherColumns_NamesTheMissingOne(string command)
    {
        string data = _folder["two-features.csv"];
        File.WriteAllLines(data, trained.TrainLines.Select(l => string.Join(',', l.Split(',') is var c ? [c[0], c[1], c[2], c[4]] : c)));
        string scored = _folder["scored.csv"];

        CliResult result = await Cli.RunAsync(command == "evaluate"
            ? ["evaluate", "--model", trained.ModelPath, "--data", data]
            : ["predict", "--model", trained.ModelPath, "--data", data, "--out", scored]);

        Assert.Equal(
            $"error: The model '{trained.ModelPath}' was trained on the columns 'x1', 'x2' and 'x3', but '{data}' has no column 'x3'; its columns are 'id', 'x1', 'x2' and 'Label'.",
            result.Failed(ExitCodes.Failure));
        Assert.False(File.Exists(scored));
    }

    [Fact]
    public async Task Evaluate_MissingModelFile()
    {
        string model = _folder["none.zip"];

        CliResult result = await Cli.RunAsync("evaluate", "--model", model, "--data", trained.TrainPath);

        Assert.Equal($"error: The model file '{model}' does not exist.", result.Failed(ExitCodes.Failure));
    }

    [Fact]
    public async Task Evaluate_FileThatIsNotAModel()
    {
        CliResult result = await Cli.RunAsync("evaluate", "--model", trained.TrainPath, "--data", trained.TrainPath);

        Assert.StartsWith($"error: '{trained.TrainPath}' is not a model file", result.Failed(ExitCodes.Failure));
    }

    [Fact]
    public async Task Evaluate_DataWithoutTheLabel()
    {
        string data = _folder["unlabelled.csv"];
        File.WriteAllLines(data, trained.TrainLines.Select(l => l[..l.LastIndexOf(',')]));

        CliResult result = await Cli.RunAsync("evaluate", "--model", trained.ModelPath, "--data", data);

        Assert.Equal($"error: '{data}' has no label column 'Label'; its columns are 'id', 'x1', 'x2' and 'x3'.", result.Failed(ExitCodes.Failure));
    }

    [Fact]
    public async Task Predict_NonNumericCell_WritesNothing()
    {
        string data = XorCsv.WriteWithCell(_folder["bad.csv"], trained.TrainLines, row: 4, column: "x1", value: "0,5");
        string scored = _folder["scored.csv"];

        CliResult result = await Cli.RunAsync("predict", "--model", trained.ModelPath, "--data", data, "--out", scored);

        Assert.Equal($"error: '{data}', row 4 (line 5) has 6 cells, but the header has 5 columns.", result.Failed(ExitCodes.Failure));
        Assert.False(File.Exists(scored));
    }

    [Fact]
    public async Task Predict_TextInAFeatureColumn()
    {
        string data = XorCsv.WriteWithCell(_folder["bad.csv"], trained.TrainLines, row: 4, column: "x1", value: "one");
        string scored = _folder["scored.csv"];

        CliResult result = await Cli.RunAsync("predict", "--model", trained.ModelPath, "--data", data, "--out", scored);

        Assert.Equal($"error: '{data}', row 4 (line 5), column 'x1': 'one' is not a number (a feature column must hold numbers only).", result.Failed(ExitCodes.Failure));
        Assert.False(File.Exists(scored));
    }

    [Fact]
    public async Task Predict_InputThatAlreadyHasAnOutputColumn()
    {
        string data = _folder["scored-before.csv"];
        File.WriteAllLines(data, ["x1,x2,x3,Probability", "0.1,0.2,0.3,0.5"]);

        CliResult result = await Cli.RunAsync("predict", "--model", trained.ModelPath, "--data", data, "--out", _folder["again.csv"]);

        Assert.Equal($"error: '{data}' already has a column 'Probability', which predict adds; rename or remove it.", result.Failed(ExitCodes.Failure));
    }
}
