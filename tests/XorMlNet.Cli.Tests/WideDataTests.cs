using Microsoft.ML;
using Microsoft.ML.Data;

namespace XorMlNet.Cli.Tests;

/// <summary>
/// A table of 100,000 columns: training and saving cost memory in proportion to the model. ML.NET saves each scalar
/// column of a model's input schema with buffers of its own (6.8 GB allocated for 100,000 columns, measured), so the
/// tool reads the features as one vector column. Alone in its collection, so that other tests' allocations do not count.
/// </summary>
[Collection(WideDataCollection.Name)]
public sealed class WideDataTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task HundredThousandColumns_TrainSaveAndPredict_InProportionToTheModel()
    {
        string data = WideCsv.Write(_folder["wide.csv"], columns: 100_000, rows: 4);
        string model = _folder["wide.zip"], scored = _folder["scored.csv"];
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        // Twenty epochs: what is measured is what reading, training and saving a table this wide cost per epoch and
        // per column, not how long this table takes to learn.
        CliResult result = (await Cli.RunAsync("train", "--data", data, "--out", model, "--epochs", "20")).Succeeded();

        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        // The model holds 200,003 weights (0.8 MB) and 100,000 column names; the file is read a few times over (4 MB).
        Assert.True(allocated < 1_500_000_000L, $"train allocated {allocated:N0} bytes");
        Assert.InRange(new FileInfo(model).Length, 800_000, 3_000_000);
        Assert.Contains("features 'c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9' and 99,990 more", result.Output);

        (await Cli.RunAsync("predict", "--model", model, "--data", data, "--out", scored)).Succeeded();
        Assert.Equal(5, File.ReadAllLines(scored).Length);
        ITransformer loaded = new MLContext().Model.Load(model, out DataViewSchema inputSchema);
        Assert.Equal(100_000, Assert.IsType<VectorDataViewType>(inputSchema["Features"].Type).Size);
        Assert.IsType<TransformerChain<ITransformer>>(loaded);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WideDataCollection
{
    public const string Name = "wide data";
}
