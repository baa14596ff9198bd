namespace XorMlNet.Cli.Tests;

/// <summary>
/// One <c>xormlnet train</c> run shared by the tests that evaluate, predict or load its model: 200 rows of
/// <see cref="XorCsv"/> with the features left to inference (x1, x2 and x3; the text column id is not used).
/// </summary>
public sealed class TrainedModel : IAsyncLifetime
{
    internal TempFolder Folder { get; } = new();

    internal List<string> TrainLines { get; } = XorCsv.Lines(rows: 200, seed: 1);

    internal string TrainPath => Folder["train.csv"];

    internal string ModelPath => Folder["model.zip"];

    internal string PlotPath => Folder["loss.png"];

    internal CliResult Result { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        File.WriteAllLines(TrainPath, TrainLines);
        Result = await Cli.RunAsync("train", "--data", TrainPath, "--label", "Label", "--out", ModelPath, "--hidden", "8", "--plot", PlotPath);
    }

    public Task DisposeAsync()
    {
        Folder.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class TrainedModelCollection : ICollectionFixture<TrainedModel>
{
    public const string Name = "trained model";
}
