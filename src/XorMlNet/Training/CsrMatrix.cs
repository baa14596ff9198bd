namespace XorMlNet.Training;

/// <summary>
/// A table of float features in compressed sparse rows: for row r, the non-zero values
/// <c>Values[RowStarts[r] .. RowStarts[r + 1])</c> sit in the columns <c>Indices[...]</c> of the same range, in
/// increasing column order. Memory is in proportion to the non-zeros (8 bytes each, plus 4 per row), whatever the width.
/// </summary>
/// <remarks>
/// What the sparse training path reads instead of a dense row-major array: ML.NET's text featurizer yields vectors of
/// ~10⁵ slots with a few hundred non-zeros, which a dense copy would multiply by several hundred. The arrays may be
/// longer than the data (a reader that grew them); only the first <see cref="NonZeroCount"/> entries count.
/// A table can hold at most <see cref="Array.MaxLength"/> non-zeros (one array each for indices and values).
/// </remarks>
internal sealed class CsrMatrix
{
    private readonly int[] _rowStarts;
    private readonly int[] _indices;
    private readonly float[] _values;

    /// <param name="rows">Row count.</param>
    /// <param name="columns">Columns (features) per row, d.</param>
    /// <param name="rowStarts">rows + 1 offsets, non-decreasing, from 0.</param>
    /// <param name="indices">Column of each stored value; increasing within a row, each below <paramref name="columns"/>.</param>
    /// <param name="values">Stored values.</param>
    /// <exception cref="ArgumentException">The arrays do not describe such a table.</exception>
    public CsrMatrix(int rows, int columns, int[] rowStarts, int[] indices, float[] values)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentNullException.ThrowIfNull(rowStarts);
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(values);
        if (rowStarts.Length < checked(rows + 1) || rowStarts[0] != 0)
        {
            throw new ArgumentException($"{rows} rows need {rows + 1} row starts beginning at 0; {rowStarts.Length} were given.", nameof(rowStarts));
        }
        int nonZeros = rowStarts[rows];
        if (nonZeros > indices.Length || nonZeros > values.Length)
        {
            throw new ArgumentException(
                $"The rows hold {nonZeros} values, but {indices.Length} indices and {values.Length} values were given.", nameof(indices));
        }
        for (int r = 0; r < rows; r++)
        {
            int start = rowStarts[r], end = rowStarts[r + 1];
            if (end < start)
            {
                throw new ArgumentException($"Row {r} ends ({end}) before it starts ({start}).", nameof(rowStarts));
            }
            int previous = -1;
            for (int k = start; k < end; k++)
            {
                int column = indices[k];
                if (column <= previous || column >= columns)
                {
                    throw new ArgumentException(
                        $"Row {r} has column {column} after column {previous}; columns must increase and lie in [0, {columns}).", nameof(indices));
                }
                previous = column;
            }
        }
        RowCount = rows;
        ColumnCount = columns;
        _rowStarts = rowStarts;
        _indices = indices;
        _values = values;
    }

    /// <summary>Rows, n.</summary>
    public int RowCount { get; }

    /// <summary>Columns (features) per row, d.</summary>
    public int ColumnCount { get; }

    /// <summary>Stored values over all rows.</summary>
    public int NonZeroCount => _rowStarts[RowCount];

    /// <summary>RowCount + 1 offsets into <see cref="Indices"/> and <see cref="Values"/>.</summary>
    public ReadOnlySpan<int> RowStarts => _rowStarts.AsSpan(0, RowCount + 1);

    /// <summary>The column of each stored value.</summary>
    public ReadOnlySpan<int> Indices => _indices.AsSpan(0, NonZeroCount);

    /// <summary>The stored values.</summary>
    public ReadOnlySpan<float> Values => _values.AsSpan(0, NonZeroCount);

    /// <summary>The bytes the matrix's arrays hold (what it costs in memory).</summary>
    public long Bytes => (long)_rowStarts.Length * sizeof(int) + (long)_indices.Length * sizeof(int) + (long)_values.Length * sizeof(float);

    /// <summary>Bytes of a matrix of <paramref name="rows"/> rows and <paramref name="nonZeros"/> stored values.</summary>
    public static long BytesFor(long rows, long nonZeros) => checked((rows + 1) * sizeof(int) + nonZeros * (sizeof(int) + sizeof(float)));

    /// <summary>Multiplies every stored value of column j by <paramref name="scale"/>[j], in place (a scale-only standardization keeps zeros zero).</summary>
    public void ScaleColumns(ReadOnlySpan<float> scale)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(scale.Length, ColumnCount);
        int n = NonZeroCount;
        for (int k = 0; k < n; k++)
        {
            _values[k] *= scale[_indices[k]];
        }
    }

    /// <summary>The rows <paramref name="rows"/>, in that order, as a new matrix.</summary>
    public CsrMatrix SelectRows(ReadOnlySpan<int> rows)
    {
        long nonZeros = 0;
        foreach (int r in rows)
        {
            nonZeros += _rowStarts[r + 1] - _rowStarts[r];
        }
        var starts = new int[checked(rows.Length + 1)];
        var indices = new int[checked((int)nonZeros)];
        var values = new float[indices.Length];
        int next = 0;
        for (int k = 0; k < rows.Length; k++)
        {
            int r = rows[k], start = _rowStarts[r], count = _rowStarts[r + 1] - start;
            _indices.AsSpan(start, count).CopyTo(indices.AsSpan(next));
            _values.AsSpan(start, count).CopyTo(values.AsSpan(next));
            next += count;
            starts[k + 1] = next;
        }
        return new CsrMatrix(rows.Length, ColumnCount, starts, indices, values);
    }

    /// <summary>The rows as a dense row-major array of RowCount × ColumnCount values (for tests and the reference kernels).</summary>
    public float[] ToDense()
    {
        var dense = new float[checked(RowCount * ColumnCount)];
        for (int r = 0; r < RowCount; r++)
        {
            for (int k = _rowStarts[r]; k < _rowStarts[r + 1]; k++)
            {
                dense[(long)r * ColumnCount + _indices[k]] = _values[k];
            }
        }
        return dense;
    }

    /// <summary>The non-zeros of a dense row-major table as a matrix (for tests and tools).</summary>
    public static CsrMatrix FromDense(ReadOnlySpan<float> dense, int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual((long)dense.Length, (long)rows * columns);
        int nonZeros = 0;
        foreach (float value in dense)
        {
            nonZeros = checked(nonZeros + (value != 0 ? 1 : 0));
        }
        var starts = new int[rows + 1];
        var indices = new int[nonZeros];
        var values = new float[nonZeros];
        int next = 0;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = dense.Slice(r * columns, columns);
            for (int j = 0; j < columns; j++)
            {
                if (row[j] != 0)
                {
                    indices[next] = j;
                    values[next++] = row[j];
                }
            }
            starts[r + 1] = next;
        }
        return new CsrMatrix(rows, columns, starts, indices, values);
    }
}
