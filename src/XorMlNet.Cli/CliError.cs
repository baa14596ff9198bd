using System.Globalization;
using System.Text;
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

    /// <summary>Interrupted (Ctrl+C, SIGINT), as shells report it: 128 + 2.</summary>
    public const int Cancelled = 130;

    /// <summary>Asked to stop (SIGTERM), as shells report it: 128 + 15.</summary>
    public const int Terminated = 143;
}

/// <summary>A failure the user can fix, with a message that says what is wrong and where, shown as one line on stderr.</summary>
internal sealed class CliError(string message) : Exception(message);

/// <summary>Turns exception messages and file contents into the single line of printable text the tool prints.</summary>
internal static partial class Messages
{
    /// <summary>The longest line the tool prints for an error or a warning, in characters.</summary>
    public const int MaxLineLength = 1000;

    /// <summary>The longest piece of a file (a cell, a header) quoted in a message, in characters.</summary>
    public const int MaxQuoteLength = 60;

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

    /// <summary>
    /// <paramref name="text"/> as one line of printable text: every run of white space, line breaks included, made
    /// one space; every other control or invisible format character shown as its code (\x00, \u200B); cut to
    /// <see cref="MaxLineLength"/> characters.
    /// </summary>
    public static string OneLine(string text)
    {
        // Only the start of a huge text can be shown; cutting first keeps the work and memory small.
        string start = text.Length > 4 * MaxLineLength ? text[..(4 * MaxLineLength)] : text;
        return Cut(Printable(WhiteSpace().Replace(start, " ").Trim()), MaxLineLength);
    }

    /// <summary>A piece of a file for a message: printable, cut to <see cref="MaxQuoteLength"/> characters.</summary>
    public static string Quote(string text) => Cut(Printable(text), MaxQuoteLength);

    /// <summary><paramref name="text"/> with control, format and unpaired surrogate characters replaced by their code.</summary>
    public static string Printable(string text)
    {
        int first = 0;
        while (first < text.Length && IsPrintable(text, first))
        {
            first++;
        }
        if (first == text.Length)
        {
            return text;
        }
        var builder = new StringBuilder(text.Length + 16).Append(text, 0, first);
        for (int i = first; i < text.Length && builder.Length <= MaxLineLength; i++)
        {
            if (IsPrintable(text, i))
            {
                builder.Append(text[i]);
                if (char.IsHighSurrogate(text[i]))
                {
                    builder.Append(text[++i]);
                }
            }
            else
            {
                builder.Append(text[i] < 0x100
                    ? string.Create(CultureInfo.InvariantCulture, $"\\x{(int)text[i]:X2}")
                    : string.Create(CultureInfo.InvariantCulture, $"\\u{(int)text[i]:X4}"));
            }
        }
        return builder.ToString();
    }

    /// <summary><paramref name="text"/>, or its first characters and "…" when it is longer than <paramref name="length"/>.</summary>
    public static string Cut(string text, int length)
    {
        if (text.Length <= length)
        {
            return text;
        }
        int end = length - 1;
        if (char.IsHighSurrogate(text[end - 1]))
        {
            end--;
        }
        return string.Concat(text.AsSpan(0, end), "…");
    }

    private static bool IsPrintable(string text, int i)
    {
        char c = text[i];
        if (char.IsHighSurrogate(c))
        {
            return i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
        }
        if (char.IsLowSurrogate(c))
        {
            return i > 0 && char.IsHighSurrogate(text[i - 1]);
        }
        UnicodeCategory category = char.GetUnicodeCategory(c);
        return c == ' ' || (category is not (UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.SpaceSeparator));
    }

    [GeneratedRegex(@"\s*Actual value was .*$", RegexOptions.Singleline)]
    private static partial Regex ActualValue();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
