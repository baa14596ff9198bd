using System.Globalization;
using System.Text;

namespace XorMlNet.Cli.Data;

/// <summary>One data row of a CSV file: its 1-based number among the data rows, its line in the file, its cells.</summary>
internal readonly record struct CsvRecord(int Row, int Line, string[] Cells);

/// <summary>
/// A comma-separated file with a header row, split the way ML.NET's <c>TextLoader</c> splits it with
/// <c>separatorChar: ','</c>, <c>hasHeader: true</c> and <c>allowQuoting: true</c>: fields may be quoted with
/// <c>"</c> (a quote inside is doubled), one record per line, empty lines skipped. Unlike <c>TextLoader</c>, which
/// reads a short row or an unreadable number as a default value without a word, it rejects every row that does
/// not have one cell per header column, naming the line.
/// </summary>
internal sealed class CsvFile
{
    private readonly string[] _header;

    private CsvFile(string path, string[] header)
    {
        Path = path;
        _header = header;
    }

    /// <summary>The path as the user gave it, used in messages and to load the file.</summary>
    public string Path { get; }

    /// <summary>The column names of the header row, trimmed.</summary>
    public IReadOnlyList<string> Header => _header;

    /// <summary>Opens <paramref name="path"/> and reads its header row.</summary>
    /// <exception cref="CliError">The file is missing, unreadable, empty, or its header has an empty or repeated name.</exception>
    public static CsvFile Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliError(Directory.Exists(path)
                ? $"'{path}' is a folder, not a CSV file."
                : $"The file '{path}' does not exist.");
        }
        string? headerLine;
        try
        {
            using var reader = new StreamReader(path);
            headerLine = reader.ReadLine();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliError($"Cannot read '{path}': {Messages.OneLine(ex)}");
        }
        if (string.IsNullOrWhiteSpace(headerLine))
        {
            throw new CliError($"'{path}' has no header row: its first line must name the columns, separated by commas.");
        }
        string[] header = Split(headerLine, out string? problem)
            ?? throw new CliError($"'{path}', line 1 (the header): {problem}.");
        for (int i = 0; i < header.Length; i++)
        {
            header[i] = header[i].Trim();
            if (header[i].Length == 0)
            {
                throw new CliError($"'{path}', line 1 (the header): column {i + 1} has no name.");
            }
            int first = Array.IndexOf(header, header[i], 0, i);
            if (first >= 0)
            {
                throw new CliError($"'{path}', line 1 (the header): the name '{header[i]}' is used by columns {first + 1} and {i + 1}.");
            }
        }
        return new CsvFile(path, header);
    }

    /// <summary>The index of the column named <paramref name="name"/> (case-sensitive, as ML.NET's names are), or -1.</summary>
    public int IndexOf(string name) => Array.IndexOf(_header, name);

    /// <summary>
    /// The column named <paramref name="name"/>, or an error naming the file, saying what the column was wanted for,
    /// listing the columns it has, and suggesting a name that differs only in case.
    /// </summary>
    public int RequireColumn(string name, string role)
    {
        int index = IndexOf(name);
        if (index >= 0)
        {
            return index;
        }
        string? sameButCase = Header.FirstOrDefault(h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
        string hint = sameButCase is null ? "" : $" (names are case-sensitive: did you mean '{sameButCase}'?)";
        throw new CliError($"'{Path}' has no {role} column '{name}'{hint}; its columns are {ListColumns(Header)}.");
    }

    /// <summary>The data rows, in order.</summary>
    /// <exception cref="CliError">A row has another number of cells than the header, a quote is not closed, or the file cannot be read.</exception>
    public IEnumerable<CsvRecord> ReadRecords()
    {
        StreamReader reader;
        try
        {
            reader = new StreamReader(Path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliError($"Cannot read '{Path}': {Messages.OneLine(ex)}");
        }
        using (reader)
        {
            int line = 1, row = 0;
            reader.ReadLine();
            while (ReadLine(reader) is { } text)
            {
                line++;
                if (text.Length == 0)
                {
                    continue;
                }
                row++;
                string[] cells = Split(text, out string? problem)
                    ?? throw new CliError($"'{Path}', row {row} (line {line}): {problem}.");
                if (cells.Length != Header.Count)
                {
                    throw new CliError(
                        $"'{Path}', row {row} (line {line}) has {Count(cells.Length, "cell")}, but the header has {Count(Header.Count, "column")}.");
                }
                yield return new CsvRecord(row, line, cells);
            }
        }
    }

    /// <summary>'a', 'b' and 'c'.</summary>
    public static string ListColumns(IEnumerable<string> names)
    {
        string[] quoted = names.Select(n => $"'{n}'").ToArray();
        return quoted.Length <= 1 ? string.Concat(quoted) : $"{string.Join(", ", quoted[..^1])} and {quoted[^1]}";
    }

    /// <summary>Parses a number the way the file's numeric cells must be written: invariant culture, finite as a <see cref="float"/>.</summary>
    public static bool TryParseNumber(string text, out float value)
    {
        value = 0;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
        {
            return false;
        }
        value = (float)number;
        return float.IsFinite(value);
    }

    /// <summary>Writes one CSV field, quoted when it holds a comma, a quote, a line break or surrounding white space.</summary>
    public static void WriteField(TextWriter writer, string field)
    {
        bool quote = field.AsSpan().IndexOfAny(",\"\r\n") >= 0
            || (field.Length > 0 && (char.IsWhiteSpace(field[0]) || char.IsWhiteSpace(field[^1])));
        if (!quote)
        {
            writer.Write(field);
            return;
        }
        writer.Write('"');
        writer.Write(field.Replace("\"", "\"\"", StringComparison.Ordinal));
        writer.Write('"');
    }

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    private string? ReadLine(StreamReader reader)
    {
        try
        {
            return reader.ReadLine();
        }
        catch (IOException ex)
        {
            throw new CliError($"Cannot read '{Path}': {Messages.OneLine(ex)}");
        }
    }

    /// <summary>The fields of one line, or null with <paramref name="problem"/> set when a quote is malformed.</summary>
    internal static string[]? Split(string line, out string? problem)
    {
        problem = null;
        var fields = new List<string>();
        var quoted = new StringBuilder();
        int i = 0;
        while (true)
        {
            if (i < line.Length && line[i] == '"')
            {
                quoted.Clear();
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        problem = $"the quoted field {fields.Count + 1} is not closed (a field cannot span lines)";
                        return null;
                    }
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            quoted.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    quoted.Append(line[i++]);
                }
                if (i < line.Length && line[i] != ',')
                {
                    problem = $"field {fields.Count + 1} has text after its closing quote";
                    return null;
                }
                fields.Add(quoted.ToString());
            }
            else
            {
                int comma = line.IndexOf(',', i);
                int end = comma < 0 ? line.Length : comma;
                fields.Add(line[i..end]);
                i = end;
            }
            if (i >= line.Length)
            {
                return fields.ToArray();
            }
            i++;
        }
    }
}
