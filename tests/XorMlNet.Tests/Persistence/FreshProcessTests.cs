using Microsoft.ML;
using Microsoft.ML.Data;

namespace XorMlNet.Tests.Persistence;

/// <summary>
/// Saves a fitted model, loads it in a separate, fresh process (tests/XorMlNet.LoadHost: a new MLContext, no
/// registration call, references XorMlNet only) and compares what that process prints with this process's model:
/// our transformer's type, every weight bit for bit, and Score, Probability and PredictedLabel of every row bit for bit.
/// </summary>
public class FreshProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Theory]
    [MemberData(nameof(TrainedModels.Names), MemberType = typeof(TrainedModels))]
    public void Load_InFreshProcess_GivesOurTransformerWithIdenticalWeightsAndScores(string name)
    {
        TrainedModels.Case trained = TrainedModels.ByName(name);
        using var folder = new TempFolder();
        string modelPath = Path.Combine(folder.Path, "model.zip"), rowsPath = Path.Combine(folder.Path, "rows.idv");
        var mlContext = new MLContext();
        mlContext.Model.Save(trained.Model, trained.InputSchema, modelPath);
        SaveRows(mlContext, trained.ScoreRows, rowsPath);

        string[] output = RunHost(modelPath, rowsPath);

        Assert.Equal($"transformer {typeof(XorMlpTransformer).FullName}", output[1]);
        Assert.Equal($"model {typeof(TransformerChain<ITransformer>).FullName}", output[0]);
        Assert.Equal("input " + string.Join(" ", trained.InputSchema.Select(c => $"{c.Name}:{c.Type}")), output[2]);
        Assert.Equal(Expected(trained.Ours, trained.Model, trained.ScoreRows), output[3..]);
    }

    [Fact]
    public void Load_InFreshProcess_OfTransformerSavedAlone_GivesOurTransformer()
    {
        TrainedModels.Case trained = TrainedModels.Xor;
        ITransformer concat = ((IEnumerable<ITransformer>)trained.Model).First();
        IDataView featureRows = concat.Transform(trained.ScoreRows);
        using var folder = new TempFolder();
        string modelPath = Path.Combine(folder.Path, "model.zip"), rowsPath = Path.Combine(folder.Path, "rows.idv");
        var mlContext = new MLContext();
        mlContext.Model.Save(trained.Ours, featureRows.Schema, modelPath);
        SaveRows(mlContext, featureRows, rowsPath);

        string[] output = RunHost(modelPath, rowsPath);

        Assert.Equal($"model {typeof(XorMlpTransformer).FullName}", output[0]);
        Assert.Equal($"transformer {typeof(XorMlpTransformer).FullName}", output[1]);
        Assert.Equal(Expected(trained.Ours, trained.Ours, featureRows), output[3..]);
    }

    /// <summary>What the host prints after its header lines, computed from the model in this process.</summary>
    private static string[] Expected(XorMlpTransformer ours, ITransformer model, IDataView rows)
    {
        var lines = new List<string>(Dumps.Weights(ours.Model).Split('\n'));
        IDataView scored = model.Transform(rows);
        using DataViewRowCursor cursor = scored.GetRowCursor(scored.Schema);
        ValueGetter<float> score = cursor.GetGetter<float>(scored.Schema["Score"]), probability = cursor.GetGetter<float>(scored.Schema["Probability"]);
        ValueGetter<bool> label = cursor.GetGetter<bool>(scored.Schema["PredictedLabel"]);
        float s = 0, p = 0;
        bool l = false;
        for (long row = 0; cursor.MoveNext(); row++)
        {
            score(ref s);
            probability(ref p);
            label(ref l);
            lines.Add($"row {row} {Dumps.Bits([s])} {Dumps.Bits([p])} {(l ? 1 : 0)}");
        }
        Assert.True(lines.Count > 4, "no rows were scored");
        return [.. lines];
    }

    private static void SaveRows(MLContext mlContext, IDataView rows, string path)
    {
        using FileStream stream = File.Create(path);
        mlContext.Data.SaveAsBinary(rows, stream, keepHidden: false);
    }

    /// <summary>Runs the host built with this test assembly on the same dotnet, and returns its standard output lines.</summary>
    private static string[] RunHost(string modelPath, string rowsPath)
    {
        ProcessResult result = TestProcess.RunBuiltApp("XorMlNet.LoadHost", [modelPath, rowsPath], Path.GetDirectoryName(modelPath)!, Timeout);
        Assert.True(result.ExitCode == 0, $"XorMlNet.LoadHost exited with {result.ExitCode}:\n{result.StandardError}\n{result.StandardOutput}");
        return result.OutputLines;
    }

    private sealed class TempFolder : IDisposable
    {
        public TempFolder() => Directory.CreateDirectory(Path);

        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "xormlnet-" + Guid.NewGuid().ToString("N"));

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
