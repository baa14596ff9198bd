using System.Globalization;
using System.Text;

namespace XorMlNet.Cli.Data;

/// <summary>One data row of a CSV file: its 1-based number among the data rows, its line in the file, its cells.</summary>
internal readonly record struct CsvRecord(int Row, int Line, string[] Cells);

/// <summary>
/// A delimited text file with a header row, split the way ML.NET's <c>TextLoader</c> splits it with
/// <c>hasHeader: true</c> and <c>allowQuoting: true</c>: fields separated by <see cref="Separator"/> (a comma, a
/// semicolon or a tab, found from the header unless given), may be quoted with <c>"</c> (a quote inside is doubled),
/// one record per line, empty lines skipped. Unlike <c>TextLoader</c>, which reads a short row or an unreadable
/// number as a default value without a word, it rejects every row that does not have one cell per header column,
/// naming the line.
/// </summary>
internal sealed class CsvFile
{
    /// <summary>The separators found without being told: comma first, then tab, then semicolon.</summary>
    private static readonly char[] KnownSeparators = [',', '\t', ';'];

    /// <summary>The header row may be this long: room for millions of column names.</summary>
    internal const int MaxHeaderLength = 256 << 20;

    /// <summary>How much of the file's start is read to tell text from binary data.</summary>
    private const int BinaryProbeBytes = 64 << 10;

    private readonly string[] _header;
    private readonly Dictionary<string, int> _indices;

    private CsvFile(string path, string[] header, Dictionary<string, int> indices, char separator)
    {
        Path = path;
        _header = header;
        _indices = indices;
        Separator = separator;
    }

    /// <summary>The path as the user gave it, used in messages and to load the file.</summary>
    public string Path { get; }

    /// <summary>The column names of the header row, trimmed.</summary>
    public IReadOnlyList<string> Header => _header;

    /// <summary>The field separator.</summary>
    public char Separator { get; }

    /// <summary>"comma", "semicolon", "tab" or the character itself, for messages.</summary>
    public string SeparatorName => NameOf(Separator);

    /// <summary>Opens <paramref name="path"/> and reads its header row.</summary>
    /// <param name="path">The file.</param>
    /// <param name="separator">The field separator, or null to find it in the header: the comma, tab or semicolon it holds most of (the comma when none).</param>
    /// <exception cref="CliError">The file is missing, unreadable, binary, empty, or its header has an empty or repeated name.</exception>
    public static CsvFile Open(string path, char? separator = null)
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
            CheckText(path);
            using var reader = new StreamReader(path);
            headerLine = ReadBoundedLine(reader, MaxHeaderLength);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliError($"Cannot read '{path}': {Messages.OneLine(ex)}");
        }
        if (headerLine is null)
        {
            throw new CliError($"'{path}': the first line is longer than {MaxHeaderLength / (1 << 20)} Mi characters; a CSV file starts with a header row naming its columns.");
        }
        if (string.IsNullOrWhiteSpace(headerLine))
        {
            throw new CliError($"'{path}' has no header row: its first line must name the columns, separated by commas (or semicolons or tabs).");
        }
        char sep = separator ?? Detect(headerLine);
        string[] header = Split(headerLine, sep, out string? problem)
            ?? throw new CliError($"'{path}', line 1 (the header): {problem}.");
        var indices = new Dictionary<string, int>(header.Length, StringComparer.Ordinal);
        for (int i = 0; i < header.Length; i++)
        {
            header[i] = header[i].Trim();
            if (header[i].Length == 0)
            {
                throw new CliError($"'{path}', line 1 (the header): column {i + 1} has no name.");
            }
            if (!indices.TryAdd(header[i], i))
            {
                throw new CliError($"'{path}', line 1 (the header): the name '{Messages.Quote(header[i])}' is used by columns {indices[header[i]] + 1} and {i + 1}.");
            }
        }
        return new CsvFile(path, header, indices, sep);
    }

    /// <summary>The separator given as an option value: one character, or "tab".</summary>
    /// <exception cref="CliError">Not a usable separator.</exception>
    public static char ParseSeparator(string value)
    {
        if (value is "tab" or "\\t" or "\t")
        {
            return '\t';
        }
        if (value.Length != 1 || value[0] is '"' or '\r' or '\n' || char.IsLetterOrDigit(value[0]) || value[0] is '.' or '-' or '+')
        {
            throw new CliError($"--separator '{Messages.Quote(value)}': give one character such as ',' or ';', or 'tab'.");
        }
        return value[0];
    }

    private static string NameOf(char separator) => separator switch
    {
        ',' => "comma",
        ';' => "semicolon",
        '\t' => "tab",
        ' ' => "space",
        _ => $"'{separator}'",
    };

    /// <summary>The known separator the header holds most of, outside quotes; the comma when it holds none.</summary>
    private static char Detect(string header)
    {
        var counts = new int[KnownSeparators.Length];
        bool quoted = false;
        foreach (char c in header)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && Array.IndexOf(KnownSeparators, c) is int k and >= 0)
            {
                counts[k]++;
            }
        }
        int best = 0;
        for (int k = 1; k < counts.Length; k++)
        {
            if (counts[k] > counts[best])
            {
                best = k;
            }
        }
        return KnownSeparators[best];
    }

    /// <summary>A NUL byte near the start marks binary data (or UTF-16 text), which is not read as CSV.</summary>
    private static void CheckText(string path)
    {
        using FileStream stream = File.OpenRead(path);
        byte[] start = new byte[BinaryProbeBytes];
        int read = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        int nul = Array.IndexOf(start, (byte)0, 0, read);
        if (nul >= 0)
        {
            throw new CliError($"'{path}' is not a text file: byte {nul} is NUL. A CSV file is UTF-8 text with a header row.");
        }
    }

    /// <summary>The first line, without its terminator; null when it is longer than <paramref name="limit"/> characters.</summary>
    private static string? ReadBoundedLine(StreamReader reader, int limit)
    {
        var line = new StringBuilder();
        char[] buffer = new char[64 << 10];
        while (true)
        {
            int read = reader.Read(buffer, 0, buffer.Length);
            if (read == 0)
            {
                return line.ToString();
            }
            int end = Array.IndexOf(buffer, '\n', 0, read);
            int take = end < 0 ? read : end;
            if (line.Length + take > limit)
            {
                return null;
            }
            line.Append(buffer, 0, take);
            if (end >= 0)
            {
                return line.Length > 0 && line[^1] == '\r' ? line.ToString(0, line.Length - 1) : line.ToString();
            }
        }
    }

    /// <summary>The index of the column named <paramref name="name"/> (case-sensitive, as ML.NET's names are), or -1.</summary>
    public int IndexOf(string name) => _indices.TryGetValue(name, out int index) ? index : -1;

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
        if (Header.Count == 1 && Header[0].Length > name.Length)
        {
            throw new CliError(
                $"'{Path}' has no {role} column '{name}': its header reads as one column, '{Messages.Quote(Header[0])}', with no {SeparatorName} in it; " +
                "if its columns are separated by something else, say what with --separator.");
        }
        string? sameButCase = Header.FirstOrDefault(h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
        string hint = sameButCase is null ? "" : $" (names are case-sensitive: did you mean '{Messages.Quote(sameButCase)}'?)";
        throw new CliError($"'{Path}' has no {role} column '{Messages.Quote(name)}'{hint}; its columns are {ListColumns(Header)}.");
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
                string[] cells = Split(text, Separator, out string? problem)
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

    /// <summary>The most column names a message lists.</summary>
    private const int MaxListed = 12;

    /// <summary>'a', 'b' and 'c'; past a dozen names, the first ten and how many more.</summary>
    public static string ListColumns(IEnumerable<string> names)
    {
        var quoted = new List<string>(MaxListed + 1);
        int count = 0;
        foreach (string name in names)
        {
            if (count++ <= MaxListed)
            {
                quoted.Add($"'{Messages.Quote(name)}'");
            }
        }
        if (count > MaxListed)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{string.Join(", ", quoted.Take(MaxListed - 2))} and {count - (MaxListed - 2):N0} more");
        }
        return quoted.Count <= 1 ? string.Concat(quoted) : $"{string.Join(", ", quoted[..^1])} and {quoted[^1]}";
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

    /// <summary>Writes one CSV field, quoted when it holds the separator, a quote, a line break or surrounding white space.</summary>
    public static void WriteField(TextWriter writer, string field, char separator)
    {
        bool quote = field.AsSpan().IndexOfAny("\"\r\n") >= 0 || field.Contains(separator, StringComparison.Ordinal)
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
    internal static string[]? Split(string line, char separator, out string? problem)
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
                if (i < line.Length && line[i] != separator)
                {
                    problem = $"field {fields.Count + 1} has text after its closing quote";
                    return null;
                }
                fields.Add(quoted.ToString());
            }
            else
            {
                int comma = line.IndexOf(separator, i);
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
