using System.CommandLine;

namespace XorMlNet.Cli.Commands;

/// <summary>Runs a command's body and turns every failure into one line on stderr and an exit code.</summary>
internal static class CommandRunner
{
    /// <summary>Runs <paramref name="body"/> with the invocation's output writer; returns <see cref="ExitCodes.Success"/> unless it fails.</summary>
    public static Task<int> Run(ParseResult parse, Action<TextWriter> body)
    {
        TextWriter output = parse.InvocationConfiguration.Output;
        TextWriter error = parse.InvocationConfiguration.Error;
        try
        {
            body(output);
            return Task.FromResult(ExitCodes.Success);
        }
        catch (CliError ex)
        {
            error.WriteLine($"error: {Messages.OneLine(ex.Message)}");
            return Task.FromResult(ExitCodes.Failure);
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("error: cancelled; nothing was written.");
            return Task.FromResult(ExitCodes.Cancelled);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not one of the failures anticipated with a message of their own: still one line, with the exception's type.
            Exception inner = ex.GetBaseException();
            error.WriteLine($"error: {inner.GetType().Name}: {Messages.OneLine(inner)}");
            return Task.FromResult(ExitCodes.Failure);
        }
    }
}
