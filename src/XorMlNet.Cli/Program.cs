using System.CommandLine;
using System.CommandLine.Help;
using XorMlNet.Cli.Commands;

namespace XorMlNet.Cli;

/// <summary>
/// <c>xormlnet</c>: train, evaluate and apply XorMlNet's two-layer sigmoid network on CSV files.
/// Exit codes are those of <see cref="ExitCodes"/>; every failure is one line on stderr starting with "error:".
/// </summary>
public static class Program
{
    private const string CommandName = "xormlnet";

    /// <summary>The tool's entry point. SIGINT (Ctrl+C) and SIGTERM stop the command cleanly (exit 130 and 143).</summary>
    public static async Task<int> Main(string[] args)
    {
        // Listening before anything else runs: a signal that arrives while a command works must find the handler in place.
        using Interruption interruption = Interruption.ListenToSignals();
        return await RunAsync(args, Console.Out, Console.Error, terminal: !Console.IsOutputRedirected, interruption);
    }

    /// <summary>
    /// Runs the tool in-process as the command line <paramref name="args"/> asks, writing to <paramref name="output"/>
    /// and <paramref name="error"/>, and returns its exit code. The command can be stopped with
    /// <paramref name="cancellationToken"/>; nothing is written then.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        using Interruption interruption = Interruption.FromToken(cancellationToken);
        return await RunAsync(args, output, error, terminal: false, interruption);
    }

    /// <param name="args">The command line.</param>
    /// <param name="output">Where results go.</param>
    /// <param name="error">Where the one-line error and the warnings go.</param>
    /// <param name="terminal"><paramref name="output"/> is a terminal: the training progress line is drawn (see --progress).</param>
    /// <param name="interruption">Stops the command.</param>
    internal static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, bool terminal, Interruption interruption)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(interruption);

        var invocation = new Invocation(terminal, interruption);
        // A RootCommand would be named after the assembly; help and errors should show the command users type.
        var root = new Command(CommandName, "Train, evaluate and apply XorMlNet's two-layer sigmoid network on CSV files.")
        {
            new HelpOption(),
            new VersionOption(),
            TrainCommand.Create(invocation),
            EvaluateCommand.Create(invocation),
            PredictCommand.Create(invocation),
        };
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            string command = parse.CommandResult.Command == root ? CommandName : $"{CommandName} {parse.CommandResult.Command.Name}";
            await error.WriteLineAsync($"error: {Messages.OneLine(parse.Errors[0].Message)} (see '{command} --help')");
            return ExitCodes.Usage;
        }
        var configuration = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,
            // Signals are the Interruption's: System.CommandLine's own handler would end the process after a timeout.
            ProcessTerminationTimeout = null,
        };
        return await parse.InvokeAsync(configuration, interruption.Token);
    }
}

/// <summary>What every command of one run shares: whether output is a terminal, and how the run is stopped.</summary>
internal sealed record Invocation(bool Terminal, Interruption Interruption);
