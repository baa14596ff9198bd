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

    /// <summary>The tool's entry point.</summary>
    public static Task<int> Main(string[] args)
        => RunAsync(args, Console.Out, Console.Error, liveProgress: !Console.IsOutputRedirected, handleCtrlC: true, CancellationToken.None);

    /// <summary>
    /// Runs the tool in-process as the command line <paramref name="args"/> asks, writing to <paramref name="output"/>
    /// and <paramref name="error"/>, and returns its exit code. Training can be stopped with
    /// <paramref name="cancellationToken"/>; no model is written then.
    /// </summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
        => RunAsync(args, output, error, liveProgress: false, handleCtrlC: false, cancellationToken);

    /// <param name="args">The command line.</param>
    /// <param name="output">Where results go.</param>
    /// <param name="error">Where the one-line error goes.</param>
    /// <param name="liveProgress">Draw the training progress line, redrawn in place: for a terminal.</param>
    /// <param name="handleCtrlC">Turn Ctrl+C (and SIGTERM) into cancellation: for the process's own entry point only.</param>
    /// <param name="cancellationToken">Cancels training.</param>
    internal static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, bool liveProgress, bool handleCtrlC,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        // A RootCommand would be named after the assembly; help and errors should show the command users type.
        var root = new Command(CommandName, "Train, evaluate and apply XorMlNet's two-layer sigmoid network on CSV files.")
        {
            new HelpOption(),
            new VersionOption(),
            TrainCommand.Create(liveProgress),
            EvaluateCommand.Create(),
            PredictCommand.Create(),
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
            ProcessTerminationTimeout = handleCtrlC ? TimeSpan.FromSeconds(5) : null,
        };
        return await parse.InvokeAsync(configuration, cancellationToken);
    }
}
