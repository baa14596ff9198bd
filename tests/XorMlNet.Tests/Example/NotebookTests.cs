using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace XorMlNet.Tests.Example;

/// <summary>
/// examples/XorNotebook.ipynb, run headless top to bottom as a reader runs it (dotnet-repl from the repository's tool
/// manifest, in the notebook's folder), then read back from the notebook it writes.
/// </summary>
/// <remarks>
/// The committed notebook carries the outputs of a real run so that it reads well where it is only displayed. The test
/// checks that they are this run's outputs. After a change that changes them, run the test once with
/// <c>XORMLNET_UPDATE_NOTEBOOK=1</c>: it then writes this run's outputs into the committed notebook instead.
/// </remarks>
public sealed partial class NotebookTests(ITestOutputHelper log) : IDisposable
{
    private static readonly TimeSpan RestoreTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(10);

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("xormlnet-notebook-");

    [Fact]
    public void Notebook_RunsTopToBottom_PredictsXor_AndCarriesTheOutputsOfThisRun()
    {
        string repository = TestProcess.RepositoryRoot();
        string notebook = Path.Combine(repository, "examples", "XorNotebook.ipynb");
        string output = Path.Combine(_folder.FullName, "XorNotebook.ipynb");

        ProcessResult restore = Run(["tool", "restore"], repository, RestoreTimeout);
        Assert.True(restore.ExitCode == 0, $"dotnet tool restore exited with {restore.ExitCode}:\n{restore.StandardError}\n{restore.StandardOutput}");
        var stopwatch = Stopwatch.StartNew();
        ProcessResult run = Run(["tool", "run", "dotnet-repl", "--run", notebook, "--exit-after-run", "--output-path", output],
            Path.GetDirectoryName(notebook)!, RunTimeout);
        stopwatch.Stop();
        Assert.True(File.Exists(output), $"dotnet-repl wrote no notebook (exit code {run.ExitCode}):\n{run.StandardError}\n{run.StandardOutput}");

        JsonNode source = JsonNode.Parse(File.ReadAllText(notebook))!;
        JsonNode ran = JsonNode.Parse(File.ReadAllText(output))!;
        JsonObject[] sourceCells = CodeCells(source), ranCells = CodeCells(ran);
        Assert.Equal(sourceCells.Length, ranCells.Length);
        Assert.True(ranCells.Length > 1, "The notebook has no code cells past its setup cell.");

        for (int i = 0; i < ranCells.Length; i++)
        {
            JsonArray outputs = ranCells[i]["outputs"]!.AsArray();
            // dotnet-repl stamps every cell it ran; every cell of this notebook prints something.
            Assert.True(ranCells[i]["metadata"]?["dotnet_repl_cellExecutionEndTime"] is not null, $"Code cell {i} did not run.");
            Assert.True(outputs.Count > 0, $"Code cell {i} printed nothing.");
            JsonNode? error = outputs.FirstOrDefault(o => (string?)o!["output_type"] == "error");
            Assert.True(error is null, $"Code cell {i} failed: {error?["evalue"]}");
        }
        Assert.True(run.ExitCode == 0, $"dotnet-repl exited with {run.ExitCode}:\n{run.StandardError}");

        // The predictions the notebook prints, one parseable line a row, checked against XOR of the row's inputs.
        var predictionCells = ranCells.Select(Text).Select(ParsePredictions).Where(rows => rows.Count > 0).ToArray();
        Assert.True(predictionCells.Length >= 2, "Expected the hand-written loop's and the PredictionEngine's predictions.");
        foreach (List<PredictionRow> rows in predictionCells)
        {
            Assert.Equal(new[] { 0, 1, 2, 3 }, rows.Select(r => r.Index));
            Assert.Equal(new[] { (0, 0), (1, 0), (0, 1), (1, 1) }, rows.Select(r => (r.X1, r.X2)));
            Assert.All(rows, r => Assert.Equal(r.X1 ^ r.X2, r.Label));
            Assert.All(rows, r => Assert.Equal(r.Output > 0.5 ? 1 : 0, r.Predicted));
            Assert.All(rows, r => Assert.True(r.Predicted == r.Label, $"row {r.Index}: label {r.Label}, predicted {r.Predicted}"));
        }

        if (Environment.GetEnvironmentVariable("XORMLNET_UPDATE_NOTEBOOK") == "1")
        {
            WriteOutputs(notebook, source, sourceCells, ranCells);
            return;
        }
        // The setup cell's outputs (the build, package restore progress, local paths) are not kept.
        Assert.Empty(sourceCells[0]["outputs"]!.AsArray());
        for (int i = 1; i < ranCells.Length; i++)
        {
            Assert.True(Normalize(sourceCells[i]) == Normalize(ranCells[i]),
                $"The committed outputs of code cell {i} are not this run's (to refresh them, run this test with XORMLNET_UPDATE_NOTEBOOK=1).\n" +
                $"committed:\n{Normalize(sourceCells[i])}\nthis run:\n{Normalize(ranCells[i])}");
        }
        log.WriteLine($"dotnet-repl ran the notebook in {stopwatch.Elapsed.TotalSeconds:F1} s.");
    }

    public void Dispose() => _folder.Delete(recursive: true);

    /// <summary>One line of the notebook's predictions: "row 0: x = (0, 0), label 0, output 0.024056, predicted 0".</summary>
    private sealed record PredictionRow(int Index, int X1, int X2, int Label, double Output, int Predicted);

    [GeneratedRegex(@"^row (\d): x = \((\d), (\d)\), label (\d), (?:output|probability) ([0-9.]+), (?:.*, )?predicted (\d)\r?$", RegexOptions.Multiline)]
    private static partial Regex PredictionLine();

    private static List<PredictionRow> ParsePredictions(string text) => PredictionLine().Matches(text).Select(m => new PredictionRow(
        int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
        int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture),
        double.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[6].Value, CultureInfo.InvariantCulture))).ToList();

    private static JsonObject[] CodeCells(JsonNode notebook)
        => notebook["cells"]!.AsArray().Select(c => c!.AsObject()).Where(c => (string?)c["cell_type"] == "code").ToArray();

    /// <summary>A Jupyter text field: one string, or a list of lines.</summary>
    private static string Joined(JsonNode? text)
        => text is JsonArray lines ? string.Concat(lines.Select(l => (string?)l)) : (string?)text ?? "";

    /// <summary>Everything a cell printed to its standard output.</summary>
    private static string Text(JsonObject cell) => string.Concat(cell["outputs"]!.AsArray()
        .Where(o => (string?)o!["output_type"] == "stream").Select(o => Joined(o!["text"])));

    /// <summary>
    /// A cell's outputs as comparable text: each output's type, then its text, or for a PNG its size in pixels. The
    /// pixels themselves depend on the fonts installed, so they are not compared.
    /// </summary>
    private static string Normalize(JsonObject cell)
    {
        var text = new StringBuilder();
        foreach (JsonNode? output in cell["outputs"]!.AsArray())
        {
            text.Append('[').Append((string?)output!["output_type"]).Append(']').Append('\n');
            if (output["text"] is { } stream)
            {
                text.Append(Joined(stream)).Append('\n');
            }
            foreach ((string mime, JsonNode? value) in output["data"]?.AsObject() ?? new JsonObject())
            {
                text.Append(mime).Append(": ").Append(mime == "image/png" ? PngSize(Joined(value)) : Joined(value)).Append('\n');
            }
        }
        return text.ToString();
    }

    private static string PngSize(string base64)
    {
        byte[] png = Convert.FromBase64String(base64.Replace("\n", ""));
        Assert.True(png.AsSpan(1, 3).SequenceEqual("PNG"u8), "An image/png output is not a PNG.");
        // The IHDR chunk follows the 8-byte signature: length, type, then width and height, big-endian.
        return $"PNG {BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16))}×{BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20))}";
    }

    /// <summary>Writes this run's outputs into the committed notebook; the setup cell's stay empty.</summary>
    private static void WriteOutputs(string notebook, JsonNode source, JsonObject[] sourceCells, JsonObject[] ranCells)
    {
        for (int i = 0; i < sourceCells.Length; i++)
        {
            sourceCells[i]["outputs"] = i == 0 ? new JsonArray() : ranCells[i]["outputs"]!.DeepClone();
        }
        var options = new JsonSerializerOptions { WriteIndented = true, IndentSize = 1, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        File.WriteAllText(notebook, source.ToJsonString(options) + "\n");
    }

    /// <summary>
    /// Runs dotnet with the build configuration of these tests for the notebook's build: that configuration is built
    /// already, so the notebook does not build the library while another test packs it in Release.
    /// </summary>
    private static ProcessResult Run(IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout)
        => TestProcess.Run(TestProcess.Dotnet, arguments, workingDirectory, timeout, new Dictionary<string, string>
        {
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["XORMLNET_CONFIGURATION"] = typeof(NotebookTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug",
        });
}
