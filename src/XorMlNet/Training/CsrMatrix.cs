using XorMlNet.Network;

namespace XorMlNet.Training;

/// <summary>
/// A table of float features in compressed sparse rows: for row r, the non-zero values
/// <c>Values[RowStarts[r] .. RowEnds[r])</c> sit in the columns <c>Indices[...]</c> of the same range, in increasing
/// column order. Memory is in proportion to the non-zeros (8 bytes each, plus 4 per row), whatever the width.
/// </summary>
/// <remarks>
/// What the sparse training path reads instead of a dense row-major array: ML.NET's text featurizer yields vectors of
/// ~10⁵ slots with a few hundred non-zeros, which a dense copy would multiply by several hundred. The arrays may be
/// longer than the data (a reader that grew them). A table can hold at most <see cref="Array.MaxLength"/> non-zeros
/// (one array each for indices and values).
/// <para>Each row has a start and an end rather than the next row's start, so that <see cref="SelectRows"/> can
/// pick rows (the validation split) without copying their values: the selection shares the values and indices of the
/// matrix it was taken from and has starts and ends of its own.</para>
/// </remarks>
internal sealed class CsrMatrix
{
    private readonly int[] _rowStarts;
    /// <summary>Row r ends at <c>_rowEnds[r + _endsOffset]</c>: offset 1 when the ends are the starts' own array.</summary>
    private readonly int[] _rowEnds;
    private readonly int _endsOffset;
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
        _rowEnds = rowStarts;
        _endsOffset = 1;
        _indices = indices;
        _values = values;
        NonZeroCount = nonZeros;
        IsSelection = false;
    }

    /// <summary>A selection of rows of a matrix whose arrays it shares (see <see cref="SelectRows"/>).</summary>
    private CsrMatrix(CsrMatrix source, int[] starts, int[] ends, int nonZeros)
    {
        RowCount = starts.Length;
        ColumnCount = source.ColumnCount;
        _rowStarts = starts;
        _rowEnds = ends;
        _endsOffset = 0;
        _indices = source._indices;
        _values = source._values;
        NonZeroCount = nonZeros;
        IsSelection = true;
    }

    /// <summary>Rows, n.</summary>
    public int RowCount { get; }

    /// <summary>Columns (features) per row, d.</summary>
    public int ColumnCount { get; }

    /// <summary>Stored values over the rows of this matrix.</summary>
    public int NonZeroCount { get; }

    /// <summary>Whether the matrix is a selection of another's rows that shares its arrays (<see cref="SelectRows"/>).</summary>
    public bool IsSelection { get; }

    /// <summary>RowCount offsets into <see cref="Indices"/> and <see cref="Values"/>: where each row's values start.</summary>
    public ReadOnlySpan<int> RowStarts => _rowStarts.AsSpan(0, RowCount);

    /// <summary>RowCount offsets into <see cref="Indices"/> and <see cref="Values"/>: where each row's values end (exclusive).</summary>
    public ReadOnlySpan<int> RowEnds => _rowEnds.AsSpan(_endsOffset, RowCount);

    /// <summary>The column of each stored value, for the offsets in <see cref="RowStarts"/> and <see cref="RowEnds"/>
    /// (of a selection: the whole array it shares).</summary>
    public ReadOnlySpan<int> Indices => _indices.AsSpan(0, IsSelection ? _indices.Length : NonZeroCount);

    /// <summary>The stored values, at the same offsets as <see cref="Indices"/>.</summary>
    public ReadOnlySpan<float> Values => _values.AsSpan(0, IsSelection ? _values.Length : NonZeroCount);

    /// <summary>The bytes the matrix holds on its own (what it costs in memory): a selection holds only its row offsets.</summary>
    public long Bytes => IsSelection
        ? 2L * RowCount * sizeof(int)
        : (long)_rowStarts.Length * sizeof(int) + (long)_indices.Length * sizeof(int) + (long)_values.Length * sizeof(float);

    /// <summary>Bytes of a matrix of <paramref name="rows"/> rows and <paramref name="nonZeros"/> stored values.</summary>
    public static long BytesFor(long rows, long nonZeros) => checked((rows + 1) * sizeof(int) + nonZeros * (sizeof(int) + sizeof(float)));

    /// <summary>Multiplies every stored value of column j by <paramref name="scale"/>[j], in place (a scale-only standardization keeps zeros zero).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled (checked every
    /// <see cref="FeatureScaling.CancellationValues"/> values); the values before the check are scaled.</exception>
    public void ScaleColumns(ReadOnlySpan<float> scale, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(scale.Length, ColumnCount);
        if (IsSelection)
        {
            throw new InvalidOperationException("A selection of rows shares its values with the matrix it was taken from: scale that matrix.");
        }
        int n = NonZeroCount;
        for (int k = 0; k < n; k++)
        {
            FeatureScaling.CheckCancellation(k, FeatureScaling.CancellationValues, cancellation);
            _values[k] *= scale[_indices[k]];
        }
    }

    /// <summary>
    /// The rows <paramref name="rows"/>, in that order, as a matrix that shares this one's values and indices: it
    /// allocates two offsets per row, whatever the rows hold.
    /// </summary>
    public CsrMatrix SelectRows(ReadOnlySpan<int> rows)
    {
        ReadOnlySpan<int> starts = RowStarts, ends = RowEnds;
        var selectedStarts = new int[rows.Length];
        var selectedEnds = new int[rows.Length];
        long nonZeros = 0;
        for (int k = 0; k < rows.Length; k++)
        {
            int r = rows[k];
            selectedStarts[k] = starts[r];
            selectedEnds[k] = ends[r];
            nonZeros += ends[r] - starts[r];
        }
        return new CsrMatrix(this, selectedStarts, selectedEnds, checked((int)nonZeros));
    }

    /// <summary>The rows as a dense row-major array of RowCount × ColumnCount values (for tests and the reference kernels).</summary>
    public float[] ToDense()
    {
        var dense = new float[checked(RowCount * ColumnCount)];
        ReadOnlySpan<int> starts = RowStarts, ends = RowEnds;
        for (int r = 0; r < RowCount; r++)
        {
            for (int k = starts[r]; k < ends[r]; k++)
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
