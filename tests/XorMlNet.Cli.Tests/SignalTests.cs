namespace XorMlNet.Cli.Tests;

/// <summary>
/// SIGINT and SIGTERM sent to the built tool in a process of its own, in each phase of <c>train</c>: the exit code
/// shells expect (130, 143), one line that says what was stopped and that nothing was written, the progress line
/// cleared, and no model or temporary file left.
/// </summary>
public sealed class SignalTests : IDisposable
{
    private const int SigInt = 2, SigTerm = 15;

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(SigInt, ExitCodes.Cancelled, "interrupted (SIGINT)")]
    [InlineData(SigTerm, ExitCodes.Terminated, "terminated (SIGTERM)")]
    public void SignalDuringTraining_ExitsCleanly_ClearsTheProgressLine_WritesNothing(int signal, int exitCode, string how)
    {
        // Random labels and many epochs: the loss cannot reach the tolerance soon, so training lasts until the signal.
        var random = new Random(5);
        string data = XorCsv.Write(_folder["train.csv"], rows: 2000, seed: 5, label: _ => random.Next(2).ToString(System.Globalization.CultureInfo.InvariantCulture));
        using CliProcess tool = CliProcess.Start(_folder.Root,
            "train", "--data", data, "--out", "model.zip", "--plot", "loss.png", "--epochs", "100000000", "--hidden", "16", "--progress", "always");

        tool.WaitFor(() => tool.Output.Contains("\repoch", StringComparison.Ordinal), "a progress line");
        tool.Signal(signal);
        CliResult result = tool.WaitForExit();

        Assert.Equal($"error: train {how} while training; nothing was written.", result.Failed(exitCode));
        // The last thing on stdout erases the progress line: carriage return, blanks over it, carriage return.
        Assert.Matches(@"\r +\r$", result.Output);
        Assert.Equal(["train.csv"], Directory.GetFiles(_folder.Root).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(SigInt, ExitCodes.Cancelled, "interrupted (SIGINT)")]
    [InlineData(SigTerm, ExitCodes.Terminated, "terminated (SIGTERM)")]
    public void SignalDuringTheSave_ExitsCleanly_AndRemovesTheTemporaryFile(int signal, int exitCode, string how)
    {
        // 300,000 features: a model of a few MB whose save takes a few tenths of a second, learnt in a few epochs (the
        // first column is the label): twenty are enough, and keep the run short in Debug too.
        string data = WideCsv.Write(_folder["wide.csv"], columns: 300_000, rows: 4);
        string temporary = _folder[".model.zip.xormlnet-tmp"];
        using CliProcess tool = CliProcess.Start(_folder.Root, "train", "--data", data, "--out", "model.zip", "--epochs", "20");

        // The temporary file also exists for a moment when the output is checked, before training: wait for training's end first.
        tool.WaitFor(() => tool.Output.Contains("Stopped after", StringComparison.Ordinal), "the end of training");
        tool.WaitFor(() => File.Exists(temporary), "the temporary model file");
        tool.Signal(signal);
        CliResult result = tool.WaitForExit();

        Assert.Equal($"error: train {how} while saving the model; nothing was written.", result.Failed(exitCode));
        Assert.Equal(["wide.csv"], Directory.GetFiles(_folder.Root).Select(Path.GetFileName));
    }

    [Fact]
    public void SignalWhilePredictReadsOrWrites_ExitsCleanly_WritesNothing()
    {
        // A model first, then a file of 600,000 rows to score: seconds of reading and writing, in which the signal lands.
        string train = XorCsv.Write(_folder["train.csv"], rows: 200, seed: 6);
        using (CliProcess trainer = CliProcess.Start(_folder.Root, "train", "--data", train, "--out", "model.zip", "--hidden", "8"))
        {
            trainer.WaitForExit().Succeeded();
        }
        string data = XorCsv.Write(_folder["big.csv"], rows: 600_000, seed: 7);
        using CliProcess tool = CliProcess.Start(_folder.Root, "predict", "--model", "model.zip", "--data", data, "--out", "scored.csv");

        Thread.Sleep(TimeSpan.FromSeconds(1.5));
        tool.Signal(SigInt);
        CliResult result = tool.WaitForExit();

        Assert.Matches(@"^error: predict interrupted \(SIGINT\) while (loading|reading|writing) '[^']+'; nothing was written\.$", result.Failed(ExitCodes.Cancelled));
        Assert.Equal("", result.Output);
        Assert.Equal(["big.csv", "model.zip", "train.csv"], Directory.GetFiles(_folder.Root).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void StaleTemporaryFileOfAKilledRun_IsReplaced_NotPiledUp()
    {
        string data = XorCsv.Write(_folder["train.csv"], rows: 200, seed: 6);
        File.WriteAllText(_folder[".model.zip.xormlnet-tmp"], "left by a run that was killed");

        using CliProcess tool = CliProcess.Start(_folder.Root, "train", "--data", data, "--out", "model.zip", "--hidden", "8");
        tool.WaitForExit().Succeeded();

        Assert.Equal(["model.zip", "train.csv"], Directory.GetFiles(_folder.Root).Select(Path.GetFileName).Order());
    }
}

/// <summary>Wide CSV files: a label every other row, the same label as the first column (which a network learns at once), then many small random features.</summary>
internal static class WideCsv
{
    public static string Write(string path, int columns, int rows)
    {
        var random = new Random(columns);
        using var writer = new StreamWriter(path);
        writer.Write(string.Join(',', Enumerable.Range(0, columns).Select(i => $"c{i}")));
        writer.Write(",Label\n");
        for (int row = 0; row < rows; row++)
        {
            // The first column is the label itself, which the network learns in a few epochs; the rest is noise.
            writer.Write(row % 2);
            writer.Write(',');
            for (int i = 1; i < columns; i++)
            {
                writer.Write(((random.NextDouble() - 0.5) * 0.01).ToString("F4", System.Globalization.CultureInfo.InvariantCulture));
                writer.Write(',');
            }
            writer.Write(row % 2);
            writer.Write('\n');
        }
        return path;
    }
}
