namespace XorMlNet.Cli.Tests;

/// <summary>
/// No command writes over one of its own inputs, and an output that cannot be written is reported before any work:
/// one line naming the option and the path, nothing printed on stdout, every input unchanged.
/// </summary>
[Collection(TrainedModelCollection.Name)]
public sealed class OutputSafetyTests(TrainedModel trained) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Train_OutTheTrainingData_IsRefused_AndTheDataKept()
    {
        string data = XorCsv.Write(_folder["d.csv"], rows: 50, seed: 1);
        byte[] before = File.ReadAllBytes(data);

        CliResult result = await Cli.RunAsync("train", "--data", data, "--out", data);

        Assert.Equal($"error: --out '{data}' is the same file as --data '{data}': xormlnet never writes over one of its inputs; choose another file for the model.",
            result.Failed(ExitCodes.Failure));
        Assert.Equal("", result.Output);
        Assert.Equal(before, File.ReadAllBytes(data));
    }

    [Fact]
    public async Task Train_PlotOverTheDataOrTheModel_IsRefused()
    {
        string data = XorCsv.Write(_folder["d.csv"], rows: 50, seed: 1);
        string model = _folder["m.zip"];

        string overData = (await Cli.RunAsync("train", "--data", data, "--out", model, "--plot", data)).Failed(ExitCodes.Failure);
        string overModel = (await Cli.RunAsync("train", "--data", data, "--out", model, "--plot", model)).Failed(ExitCodes.Failure);

        Assert.StartsWith($"error: --plot '{data}' is the same file as --data '{data}'", overData);
        Assert.StartsWith($"error: --plot '{model}' is the same file as --out '{model}'", overModel);
        Assert.Equal(["d.csv"], Directory.GetFiles(_folder.Root).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Train_OutThroughASymbolicLinkToTheData_IsRefused()
    {
        string data = XorCsv.Write(_folder["d.csv"], rows: 50, seed: 1);
        string link = _folder["link.zip"];
        File.CreateSymbolicLink(link, data);
        byte[] before = File.ReadAllBytes(data);

        string line = (await Cli.RunAsync("train", "--data", data, "--out", link)).Failed(ExitCodes.Failure);

        Assert.StartsWith($"error: --out '{link}' is the same file as --data '{data}'", line);
        Assert.Equal(before, File.ReadAllBytes(data));
    }

    [Fact]
    public async Task Predict_OutTheModel_IsRefused_AndTheModelKept()
    {
        string model = _folder["m.zip"];
        File.Copy(trained.ModelPath, model);
        byte[] before = File.ReadAllBytes(model);

        CliResult result = await Cli.RunAsync("predict", "--model", model, "--data", trained.TrainPath, "--out", model);

        Assert.Equal($"error: --out '{model}' is the same file as --model '{model}': xormlnet never writes over one of its inputs; choose another file for the predictions.",
            result.Failed(ExitCodes.Failure));
        Assert.Equal(before, File.ReadAllBytes(model));
    }

    [Fact]
    public async Task Predict_OutTheInput_IsRefused_AndTheInputKept()
    {
        string data = XorCsv.Write(_folder["in.csv"], rows: 30, seed: 2);
        byte[] before = File.ReadAllBytes(data);
        // The same file named another way: through "." and a relative path from the working folder is still the input.
        string sameFile = Path.Combine(_folder.Root, ".", "in.csv");

        CliResult result = await Cli.RunAsync("predict", "--model", trained.ModelPath, "--data", data, "--out", sameFile);

        Assert.StartsWith($"error: --out '{sameFile}' is the same file as --data '{data}'", result.Failed(ExitCodes.Failure));
        Assert.Equal(before, File.ReadAllBytes(data));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Train_EmptyOut_IsReportedBeforeTraining(string output)
    {
        CliResult result = await Cli.RunAsync("train", "--data", trained.TrainPath, "--out", output);

        Assert.Equal("error: --out is empty; name the file to write the model to.", result.Failed(ExitCodes.Failure));
        Assert.Equal("", result.Output);
    }

    [Fact]
    public async Task Train_OutAFolder_IsReportedBeforeTraining()
    {
        CliResult result = await Cli.RunAsync("train", "--data", trained.TrainPath, "--out", _folder.Root);

        Assert.Equal($"error: Cannot write the model to '{_folder.Root}' (--out): it is a folder.", result.Failed(ExitCodes.Failure));
        Assert.Equal("", result.Output);
    }

    [Fact]
    public async Task Train_OutInAFolderThatTakesNoFile_IsReportedBeforeTraining()
    {
        // Nothing can be created in /proc, not even by root (for whom a read-only folder is writable).
        string model = "/proc/xormlnet-model.zip";

        CliResult result = await Cli.RunAsync("train", "--data", trained.TrainPath, "--out", model);

        Assert.StartsWith($"error: Cannot write the model to '{model}' (--out): ", result.Failed(ExitCodes.Failure));
        Assert.Equal("", result.Output);
    }

    [Fact]
    public async Task Predict_OutInAFolderThatTakesNoFile_IsReportedBeforeScoring()
    {
        string scored = "/proc/xormlnet-scored.csv";

        CliResult result = await Cli.RunAsync("predict", "--model", trained.ModelPath, "--data", trained.TrainPath, "--out", scored);

        Assert.StartsWith($"error: Cannot write the predictions to '{scored}' (--out): ", result.Failed(ExitCodes.Failure));
        Assert.Equal("", result.Output);
    }
}
