using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace XorMlNet.Cli.Data;

/// <summary>A cell remembered by a scan, to be named in a message.</summary>
internal readonly record struct Cell(int Row, int Line, string Text);

/// <summary>What one pass over a column found: how many cells are numbers, and the first cell of each kind of trouble.</summary>
internal sealed class ColumnProfile(int index)
{
    /// <summary>The column's index in the header.</summary>
    public int Index { get; } = index;

    /// <summary>Cells that hold a finite number.</summary>
    public int NumberCount { get; private set; }

    /// <summary>Non-empty cells that do not hold a finite number.</summary>
    public int TextCount { get; private set; }

    /// <summary>The first empty (or all-blank) cell.</summary>
    public Cell? FirstEmpty { get; private set; }

    /// <summary>The first non-empty cell that is not a finite number.</summary>
    public Cell? FirstText { get; private set; }

    /// <summary>The first cell that is not a Boolean label (0, 1, true or false, in any case).</summary>
    public Cell? FirstNotBoolean { get; private set; }

    /// <summary>The first number outside [0, 1].</summary>
    public Cell? FirstOutsideUnit { get; private set; }

    /// <summary>Most non-empty cells are numbers: the column is numeric, and its other cells are mistakes.</summary>
    public bool LooksNumeric => NumberCount > TextCount;

    public void Add(in CsvRecord record)
    {
        string text = record.Cells[Index];
        var cell = new Cell(record.Row, record.Line, text);
        string trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            FirstEmpty ??= cell;
            FirstNotBoolean ??= cell;
            return;
        }
        if (CsvFile.TryParseNumber(trimmed, out float value))
        {
            NumberCount++;
            if (value is not (0 or 1))
            {
                FirstNotBoolean ??= cell;
            }
            if (value is < 0 or > 1)
            {
                FirstOutsideUnit ??= cell;
            }
            return;
        }
        TextCount++;
        FirstText ??= cell;
        if (!trimmed.Equals("true", StringComparison.OrdinalIgnoreCase) && !trimmed.Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            FirstNotBoolean ??= cell;
        }
    }
}

/// <summary>
/// One pass over a CSV file before ML.NET reads it. ML.NET's <c>TextLoader</c> reads an empty numeric cell as 0 and an
/// unreadable one as NaN without a word; this scan finds such cells first, so that the tool can name them.
/// </summary>
internal sealed class CsvScan
{
    private readonly ColumnProfile[] _columns;

    private CsvScan(CsvFile file, ColumnProfile[] columns, int rowCount)
    {
        File = file;
        _columns = columns;
        RowCount = rowCount;
    }

    /// <summary>The scanned file.</summary>
    public CsvFile File { get; }

    /// <summary>Number of data rows.</summary>
    public int RowCount { get; }

    /// <summary>The profile of the column at <paramref name="index"/>.</summary>
    public ColumnProfile this[int index] => _columns[index];

    /// <summary>Reads every row of <paramref name="file"/>, which must have at least one.</summary>
    /// <exception cref="CliError">A row is malformed, or there are no data rows.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static CsvScan Run(CsvFile file, CancellationToken cancellationToken)
    {
        var columns = Enumerable.Range(0, file.Header.Count).Select(i => new ColumnProfile(i)).ToArray();
        int rows = 0;
        foreach (CsvRecord record in file.ReadRecords())
        {
            cancellationToken.ThrowIfCancellationRequested();
            rows++;
            foreach (ColumnProfile column in columns)
            {
                column.Add(record);
            }
        }
        if (rows == 0)
        {
            throw new CliError($"'{file.Path}' has a header but no data rows.");
        }
        return new CsvScan(file, columns, rows);
    }

    /// <summary>Every cell of the column is a finite number; <paramref name="role"/> says why it must be ("feature", ...).</summary>
    /// <exception cref="CliError">Names the first empty or non-numeric cell.</exception>
    public void RequireNumbers(int index, string role)
    {
        ColumnProfile column = _columns[index];
        Cell? bad = First(column.FirstEmpty, column.FirstText);
        if (bad is { } cell)
        {
            throw new CliError(cell.Text.Trim().Length == 0
                ? $"{Where(cell, index)} is empty; every {role} cell must hold a number."
                : $"{Where(cell, index)}: '{Messages.Quote(cell.Text)}' is not {NumberProblem(cell.Text)} (a {role} column must hold numbers only){DecimalCommaHint(cell.Text)}.");
        }
    }

    /// <summary>Every cell of the column is 0, 1, true or false.</summary>
    /// <exception cref="CliError">Names the first cell that is not.</exception>
    public void RequireBooleans(int index, string role)
    {
        if (_columns[index].FirstNotBoolean is { } cell)
        {
            throw new CliError($"{Where(cell, index)}: '{Messages.Quote(cell.Text)}' is not a Boolean (a {role} column must hold 0/1 or true/false).");
        }
    }

    /// <summary>
    /// How to load a label column: <see cref="DataKind.Boolean"/> when every cell is 0, 1, true or false;
    /// <see cref="DataKind.Single"/> when every cell is a probability in [0, 1].
    /// </summary>
    /// <exception cref="CliError">Names the first empty cell or the first cell that is neither.</exception>
    public DataKind LabelKind(int index)
    {
        ColumnProfile column = _columns[index];
        if (column.FirstEmpty is { } empty)
        {
            throw new CliError($"{Where(empty, index)} is empty; every row needs a label (0/1, true/false, or a probability in [0, 1]).");
        }
        if (column.FirstNotBoolean is null)
        {
            return DataKind.Boolean;
        }
        if (First(column.FirstText, column.FirstOutsideUnit) is { } bad)
        {
            throw new CliError($"{Where(bad, index)}: '{Messages.Quote(bad.Text)}' is not a label; write 0/1, true/false, or a probability in [0, 1].");
        }
        return DataKind.Single;
    }

    /// <summary>Loads the scanned file with ML.NET's <c>TextLoader</c>, reading the given columns.</summary>
    public IDataView Load(MLContext mlContext, IEnumerable<TextLoader.Column> columns)
        => mlContext.Data.LoadFromTextFile(File.Path, columns.ToArray(), separatorChar: File.Separator, hasHeader: true, allowQuoting: true);

    /// <summary>
    /// A <c>TextLoader</c> column that reads the file's columns <paramref name="indices"/>, in that order, as one
    /// vector of <see cref="float"/> named <paramref name="name"/> (consecutive indices become one range).
    /// </summary>
    public static TextLoader.Column Vector(string name, IReadOnlyList<int> indices)
    {
        var ranges = new List<TextLoader.Range>();
        for (int start = 0; start < indices.Count;)
        {
            int end = start;
            while (end + 1 < indices.Count && indices[end + 1] == indices[end] + 1)
            {
                end++;
            }
            ranges.Add(new TextLoader.Range(indices[start], indices[end]));
            start = end + 1;
        }
        return new TextLoader.Column(name, DataKind.Single, ranges.ToArray());
    }

    private string Where(Cell cell, int index) => $"'{File.Path}', row {cell.Row} (line {cell.Line}), column '{Messages.Quote(File.Header[index])}'";

    /// <summary>A hint for "0,5" in a file separated by semicolons: numbers are written with a decimal point.</summary>
    private string DecimalCommaHint(string text)
        => File.Separator != ',' && double.TryParse(text.Trim().Replace(',', '.'), NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            ? "; write numbers with a decimal point"
            : "";

    private static string NumberProblem(string text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
        {
            return "a number";
        }
        return double.IsFinite(value) ? "within the range of a Single (±3.4e38)" : "a finite number";
    }

    private static Cell? First(Cell? a, Cell? b) => (a, b) switch
    {
        (null, _) => b,
        (_, null) => a,
        ({ } x, { } y) => x.Row <= y.Row ? x : y,
    };
}
