namespace XorMlNet.Tests.Example;

/// <summary>The README's main job, run as a user runs it: a separate process in a folder of its own.</summary>
public sealed class ExampleAppTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("xormlnet-example-");

    [Fact]
    public void MainJob_TrainsSavesReloadsAndScores_AsTheReadmeSays()
    {
        ProcessResult result = TestProcess.RunBuiltApp("XorMlNet.Example", [], _folder.FullName, Timeout);

        Assert.True(result.ExitCode == 0, result.StandardError + result.StandardOutput);
        string output = result.StandardOutput;
        Assert.Contains("Evaluate: accuracy 100 %, AUC 1.00", output);
        Assert.Contains("its last transformer is XorMlpTransformer", output);
        string[] rows = result.OutputLines.Where(l => l.StartsWith("  0.0   0.0", StringComparison.Ordinal) || l.StartsWith("  1.0", StringComparison.Ordinal) || l.StartsWith("  0.0   1.0", StringComparison.Ordinal)).ToArray();
        Assert.Equal(8, rows.Length);
        Assert.All(rows, row => Assert.EndsWith(row.Contains("      0 ") ? "False" : "True", row.TrimEnd()));
        Assert.True(new FileInfo(Path.Combine(_folder.FullName, "xor-model.zip")).Length > 0);
        Assert.Empty(_folder.GetFiles("*.tmp"));
        // Output to a file or a pipe gets no progress redraws: no carriage return, and the lines stand apart.
        Assert.DoesNotContain('\r', output);
        Assert.Equal("Training the 2-2-1 sigmoid network on XOR...", result.OutputLines[0]);
        Assert.StartsWith("Stopped after ", result.OutputLines[1]);
    }

    [Theory]
    [InlineData("missing.zip", "Cannot load the model 'missing.zip': Could not find file")]
    [InlineData("not-a-model.zip", "Cannot load the model 'not-a-model.zip': it is not a model file (a model is the zip archive that mlContext.Model.Save writes).")]
    public void ScoreOnly_WithAMissingOrUnreadableModel_PrintsOneLineAndFails(string file, string expected)
    {
        File.WriteAllText(Path.Combine(_folder.FullName, "not-a-model.zip"), "this is not a zip");

        ProcessResult result = TestProcess.RunBuiltApp("XorMlNet.Example", ["--score", file], _folder.FullName, Timeout);

        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(expected, line);
        Assert.DoesNotContain("   at ", result.StandardError);
        Assert.Equal("this is not a zip", File.ReadAllText(Path.Combine(_folder.FullName, "not-a-model.zip")));
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
