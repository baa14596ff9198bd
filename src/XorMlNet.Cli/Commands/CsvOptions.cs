using System.CommandLine;
using XorMlNet.Cli.Data;

namespace XorMlNet.Cli.Commands;

/// <summary>The options every command that reads a CSV file shares.</summary>
internal static class CsvOptions
{
    /// <summary>--separator: the field separator, found from the header when not given.</summary>
    public static Option<string?> Separator() => new("--separator")
    {
        Description = "The field separator: one character, or 'tab' [default: the comma, tab or semicolon the header holds most of].",
    };

    /// <summary>The separator the option gives, or null to find it.</summary>
    public static char? ParseSeparator(string? value) => value is null ? null : CsvFile.ParseSeparator(value);
}
