using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace XorMlNet.Cli.Tests;

/// <summary>
/// The built tool run as a separate process (<c>dotnet exec XorMlNet.Cli.dll</c>, the dll built beside these tests),
/// with its output read as it comes, so that a test can wait for a phase and send it a real signal.
/// </summary>
internal sealed partial class CliProcess : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private readonly Process _process;
    private readonly StringBuilder _output = new(), _error = new();
    private readonly Task _readOutput, _readError;

    private CliProcess(Process process)
    {
        _process = process;
        _readOutput = Pump(process.StandardOutput, _output);
        _readError = Pump(process.StandardError, _error);
    }

    public int Id => _process.Id;

    public static CliProcess Start(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(Dotnet)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "XorMlNet.Cli.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return new CliProcess(Process.Start(start) ?? throw new InvalidOperationException("The tool did not start."));
    }

    /// <summary>What it has printed on stdout so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, polling every millisecond; fails the test if the process ends first or it takes too long.</summary>
    public void WaitFor(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.False(_process.HasExited, $"The tool exited before {what}.\nstdout:\n{Output}\nstderr:\n{StandardError}");
            Assert.True(clock.Elapsed < Timeout, $"No {what} within {Timeout}.\nstdout:\n{Output}");
            Thread.Sleep(1);
        }
    }

    /// <summary>Sends <paramref name="signal"/> (2 = SIGINT, 15 = SIGTERM) to the process.</summary>
    public void Signal(int signal) => Assert.Equal(0, kill(_process.Id, signal));

    /// <summary>Waits for the end and returns what it did.</summary>
    public CliResult WaitForExit()
    {
        if (!_process.WaitForExit(Timeout))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"The tool did not exit within {Timeout}.\nstdout:\n{Output}");
        }
        _process.WaitForExit();
        Task.WaitAll(_readOutput, _readError);
        return new CliResult(_process.ExitCode, Output, StandardError);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }

    private string StandardError
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    private static Task Pump(StreamReader reader, StringBuilder into) => Task.Run(async () =>
    {
        char[] buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (into)
            {
                into.Append(buffer, 0, read);
            }
        }
    });

    /// <summary>The dotnet executable running these tests, else the one on PATH.</summary>
    private static string Dotnet
    {
        get
        {
            string? current = Environment.ProcessPath;
            return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current
                : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
