using System.Text.RegularExpressions;

namespace XorMlNet.Cli;

/// <summary>The process exit codes of <c>xormlnet</c>.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>Bad input (a file, a column, a cell, a model, an option value) or a failure reading or writing a file.</summary>
    public const int Failure = 1;

    /// <summary>The command line itself could not be parsed: an unknown option, a missing required one, a value of the wrong type.</summary>
    public const int Usage = 2;

    /// <summary>Interrupted (Ctrl+C), as shells report SIGINT.</summary>
    public const int Cancelled = 130;
}

/// <summary>A failure the user can fix, with a message that says what is wrong and where, shown as one line on stderr.</summary>
internal sealed class CliError(string message) : Exception(message);

/// <summary>Turns exception messages into the single line the tool prints.</summary>
internal static partial class Messages
{
    /// <summary>
    /// The message on one line: line breaks become spaces, and the "(Parameter 'x')" and "Actual value was …" that
    /// <see cref="ArgumentException"/> appends are dropped.
    /// </summary>
    public static string OneLine(Exception ex)
    {
        string message = ex.Message;
        if (ex is ArgumentException { ParamName: { } name })
        {
            message = message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal);
        }
        if (ex is ArgumentOutOfRangeException)
        {
            message = ActualValue().Replace(message, "");
        }
        return OneLine(message);
    }

    /// <summary><paramref name="text"/> with every run of white space, line breaks included, made one space.</summary>
    public static string OneLine(string text) => WhiteSpace().Replace(text, " ").Trim();

    [GeneratedRegex(@"\s*Actual value was .*$", RegexOptions.Singleline)]
    private static partial Regex ActualValue();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
