using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using XorMlNet.Cli;

namespace XorMlNet.Cli.Tests;

/// <summary>What one in-process run of the tool returned and printed.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    /// <summary>The error output, which must be exactly one line.</summary>
    public string ErrorLine
    {
        get
        {
            string[] lines = Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, $"expected one line on stderr, got {lines.Length}:\n{Error}");
            return lines[0].TrimEnd('\r');
        }
    }
}

/// <summary>Runs <c>xormlnet</c> through its real entry point and argument parsing, in-process.</summary>
internal static class Cli
{
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        int exitCode = await Program.RunAsync(args, output, error);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs with the terminal-only live progress line on, and a cancellation token.</summary>
    public static async Task<CliResult> RunLiveAsync(CancellationToken cancellationToken, params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        using Interruption interruption = Interruption.FromToken(cancellationToken);
        int exitCode = await Program.RunAsync(args, output, error, terminal: true, interruption);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Asserts the run succeeded with nothing on stderr.</summary>
    public static CliResult Succeeded(this CliResult result)
    {
        Assert.True(result.ExitCode == 0, $"exit code {result.ExitCode}\nstdout:\n{result.Output}\nstderr:\n{result.Error}");
        Assert.Equal("", result.Error);
        return result;
    }

    /// <summary>Asserts a failure: the exit code, one line on stderr starting "error:", no stack trace anywhere; returns the line.</summary>
    public static string Failed(this CliResult result, int exitCode)
    {
        Assert.True(result.ExitCode == exitCode, $"exit code {result.ExitCode}, expected {exitCode}\nstdout:\n{result.Output}\nstderr:\n{result.Error}");
        string line = result.ErrorLine;
        Assert.StartsWith("error: ", line);
        Assert.DoesNotContain("   at ", result.Error + result.Output);
        Assert.DoesNotContain("Exception", line);
        return line;
    }

    /// <summary>The value printed after <paramref name="name"/> on a metrics line such as "  Accuracy  0.9950".</summary>
    public static double Metric(string output, string name)
    {
        string line = output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return double.Parse(line[name.Length..].Trim(), CultureInfo.InvariantCulture);
    }
}

/// <summary>A temporary folder, deleted with what is in it.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("xormlnet-cli-tests-").FullName;

    public string this[string name] => Path.Combine(Root, name);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>XOR-like CSV files: x1 and x2 in [0, 1] (kept 0.05 away from 0.5), label = (x1 &gt; 0.5) xor (x2 &gt; 0.5), x3 noise, an id.</summary>
internal static class XorCsv
{
    public const string Header = "id,x1,x2,x3,Label";

    /// <summary>The rows, header first; <paramref name="label"/> writes a label (default 0/1).</summary>
    public static List<string> Lines(int rows, int seed, Func<bool, string>? label = null)
    {
        label ??= l => l ? "1" : "0";
        var random = new Random(seed);
        var lines = new List<string> { Header };
        while (lines.Count <= rows)
        {
            double x1 = random.NextDouble(), x2 = random.NextDouble(), x3 = random.NextDouble();
            if (Math.Abs(x1 - 0.5) < 0.05 || Math.Abs(x2 - 0.5) < 0.05)
            {
                continue;
            }
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"r{lines.Count:D3},{x1:F4},{x2:F4},{x3:F4},{label((x1 > 0.5) != (x2 > 0.5))}"));
        }
        return lines;
    }

    public static string Write(string path, int rows, int seed, Func<bool, string>? label = null)
    {
        File.WriteAllLines(path, Lines(rows, seed, label));
        return path;
    }

    /// <summary>Writes <paramref name="lines"/> after changing the cell in <paramref name="column"/> of data row <paramref name="row"/> (1-based).</summary>
    public static string WriteWithCell(string path, List<string> lines, int row, string column, string value)
    {
        int index = Array.IndexOf(lines[0].Split(','), column);
        string[] cells = lines[row].Split(',');
        cells[index] = value;
        var copy = new List<string>(lines) { [row] = string.Join(',', cells) };
        File.WriteAllLines(path, copy);
        return path;
    }
}

/// <summary>Checks of a PNG file's bytes.</summary>
internal static class Png
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Asserts the file is a PNG (signature, then an IHDR chunk) and returns its size in pixels.</summary>
    public static (int Width, int Height) Check(string path)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 33, $"{path} has only {bytes.Length} bytes");
        Assert.Equal(Signature, bytes[..8]);
        Assert.Equal("IHDR", Encoding.ASCII.GetString(bytes, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }
}
