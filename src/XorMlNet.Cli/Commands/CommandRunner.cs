using System.CommandLine;

namespace XorMlNet.Cli.Commands;

/// <summary>What a command's body works with: its output writers, its cancellation, and the phase it is in.</summary>
internal sealed class RunContext(TextWriter output, TextWriter error, Invocation invocation)
{
    private readonly Lock _errorLock = new();

    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    public bool Terminal => invocation.Terminal;

    /// <summary>Cancelled by SIGINT, SIGTERM or the caller's token.</summary>
    public CancellationToken Token => invocation.Interruption.Token;

    /// <summary>What the command is doing, for the line printed when it is stopped: "reading 'd.csv'", "training", ...</summary>
    public string Phase { get; set; } = "starting";

    /// <summary>Ends the command with <see cref="OperationCanceledException"/> once it has been asked to stop.</summary>
    public void ThrowIfStopped() => Token.ThrowIfCancellationRequested();

    /// <summary>Prints "warning: …" on stderr, one line of printable text.</summary>
    public void Warn(string message)
    {
        lock (_errorLock)
        {
            Error.WriteLine($"warning: {Messages.OneLine(message)}");
            Error.Flush();
        }
    }

    public Interruption Interruption => invocation.Interruption;
}

/// <summary>Runs a command's body and turns every failure into one line on stderr and an exit code.</summary>
internal static class CommandRunner
{
    /// <summary>Runs <paramref name="body"/>; returns <see cref="ExitCodes.Success"/> unless it fails or is stopped.</summary>
    public static Task<int> Run(ParseResult parse, Invocation invocation, Action<RunContext> body)
    {
        var context = new RunContext(parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, invocation);
        string command = parse.CommandResult.Command.Name;
        try
        {
            context.ThrowIfStopped();
            body(context);
            return Task.FromResult(ExitCodes.Success);
        }
        catch (Exception ex) when (context.Token.IsCancellationRequested && ex.GetBaseException() is OperationCanceledException)
        {
            context.Error.WriteLine($"error: {Messages.OneLine($"{command} {invocation.Interruption.How} while {context.Phase}")}; nothing was written.");
            return Task.FromResult(invocation.Interruption.ExitCode);
        }
        catch (CliError ex)
        {
            context.Error.WriteLine($"error: {Messages.OneLine(ex.Message)}");
            return Task.FromResult(ExitCodes.Failure);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not one of the failures anticipated with a message of their own: still one line, with the exception's type.
            Exception inner = ex.GetBaseException();
            context.Error.WriteLine($"error: {inner.GetType().Name}: {Messages.OneLine(inner)}");
            return Task.FromResult(ExitCodes.Failure);
        }
    }
}
