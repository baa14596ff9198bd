using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using XorMlNet.Network;
using XorMlNet.Simd;
using XorMlNet.Training;

namespace XorMlNet;

/// <summary>
/// Copies the feature and label columns of a role-mapped <see cref="IDataView"/> into the training matrix, dense
/// row-major floats or compressed sparse rows (<see cref="CsrMatrix"/>), skipping rows that ML.NET's trainers skip
/// (missing label, non-finite feature) with a warning.
/// </summary>
/// <remarks>
/// <para>Layout: the sparse layout is taken when the first <see cref="SampleRows"/> rows (or all, if fewer) all come as
/// sparse vectors (<see cref="VBuffer{T}.IsDense"/> false, as ML.NET's text featurizer and one-hot encoders produce them)
/// holding on average at most one value in <see cref="SparseSlotsPerValue"/> slots; any other column is read densely,
/// as it always was. A <see cref="ReadMode"/> other than <see cref="ReadMode.Auto"/> imposes a layout (validation rows
/// follow the training rows' layout). The sparse layout keeps the stored values that are not zero, never a dense copy.</para>
/// <para>Memory: the dense array is allocated once at its final size (when the view does not know its row count, a
/// cursor pass with no active column counts the rows once the layout is known); the sparse arrays are sized from the
/// sample's values per row when the row count is known, and otherwise grow by half as rows come (no counting pass: for a
/// text pipeline that pass would featurize every document once more). <c>checkMemory</c> is given the layout and its
/// bytes before the large allocation, so that a table that cannot fit fails before it is read (the dense layout after
/// one row, the sparse one after the sample), or, for sparse rows of unknown count, once they are read and before
/// training allocates anything. Training reads the arrays in place: a fit holds one copy of the feature matrix, plus the labels.
/// <c>layoutChosen</c> hears the layout the moment <see cref="ReadMode.Auto"/> picks it (whatever the row count), so
/// that the caller can prepare for it while the rest is read.</para>
/// <para>Cancellation: the token is checked before anything is read and every <see cref="CancellationRows"/> rows of
/// either pass, so a cancelled fit stops reading within that many rows.</para>
/// </remarks>
internal static class TableReader
{
    /// <summary>Rows pulled from a cursor between two checks of the cancellation token.</summary>
    internal const int CancellationRows = 4096;

    /// <summary>Rows whose representation decides the layout (see the remarks).</summary>
    internal const int SampleRows = 1024;

    /// <summary>The sparse layout needs at most one stored value per this many slots, on average over the sample.</summary>
    internal const int SparseSlotsPerValue = 8;

    /// <summary>The layout a read produces.</summary>
    internal enum ReadMode
    {
        /// <summary>Decided from the first rows (see <see cref="TableReader"/>'s remarks).</summary>
        Auto,

        /// <summary>Dense row-major floats.</summary>
        Dense,

        /// <summary>Compressed sparse rows.</summary>
        Sparse,
    }

    /// <summary>
    /// The rows read: dense (the first RowCount × FeatureCount values of the features array, row-major) or sparse
    /// (<see cref="Sparse"/>), and the first RowCount labels, in [0, 1] (arrays may be longer when rows were skipped).
    /// </summary>
    internal sealed class Table
    {
        private readonly float[] _features;
        private readonly float[] _labels;

        public Table(float[] features, float[] labels, int rowCount, int featureCount)
        {
            _features = features;
            _labels = labels;
            RowCount = rowCount;
            FeatureCount = featureCount;
        }

        public Table(CsrMatrix sparse, float[] labels)
        {
            _features = [];
            _labels = labels;
            Sparse = sparse;
            RowCount = sparse.RowCount;
            FeatureCount = sparse.ColumnCount;
        }

        public static Table Empty { get; } = new([], [], 0, 0);

        public int RowCount { get; }

        public int FeatureCount { get; }

        /// <summary>The rows in compressed sparse form; null when the table is dense.</summary>
        public CsrMatrix? Sparse { get; }

        public bool IsSparse => Sparse is not null;

        /// <summary>Dense rows, row-major; empty for a sparse table.</summary>
        public ReadOnlySpan<float> Features => IsSparse ? [] : _features.AsSpan(0, RowCount * FeatureCount);

        public ReadOnlySpan<float> Labels => _labels.AsSpan(0, RowCount);

        /// <summary>The labels as an array of exactly RowCount values (a copy only when the array is longer).</summary>
        public float[] LabelArray => _labels.Length == RowCount ? _labels : _labels[..RowCount];

        /// <summary>Bytes of the feature and label arrays.</summary>
        public long Bytes => (Sparse?.Bytes ?? (long)_features.Length * sizeof(float)) + (long)_labels.Length * sizeof(float);

        /// <summary>
        /// Applies x′ = (x − offset) · scale to every row, in place (the table owns its arrays). A sparse table takes
        /// offset 0 only (its zeros stay zero) and scales its stored values.
        /// </summary>
        /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled.</exception>
        public void Standardize(ReadOnlySpan<float> offset, ReadOnlySpan<float> scale, CancellationToken cancellation)
        {
            if (RowCount == 0)
            {
                return;
            }
            if (Sparse is { } sparse)
            {
                if (offset.ContainsAnyExcept(0f))
                {
                    throw new InvalidOperationException("A sparse table can only be scaled: a non-zero offset would fill every zero.");
                }
                sparse.ScaleColumns(scale, cancellation);
                return;
            }
            SpanMath.StandardizeRows(_features.AsSpan(0, RowCount * FeatureCount), offset, scale, cancellation);
        }
    }

    /// <summary>The layout chosen and an estimate of the bytes the full table will take (features and labels).</summary>
    internal readonly record struct Layout(bool Sparse, long Rows, int FeatureCount, long EstimatedBytes);

    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled before or during the read.</exception>
    public static Table Read(IChannel channel, RoleMappedData data, string role, CancellationToken cancellation,
        ReadMode mode = ReadMode.Auto, Action<Layout>? checkMemory = null, Action<bool>? layoutChosen = null)
    {
        cancellation.ThrowIfCancellationRequested();
        DataViewSchema.Column featureColumn = data.Schema.Feature!.Value;
        DataViewSchema.Column labelColumn = data.Schema.Label!.Value;
        if (featureColumn.Type is not VectorDataViewType { ItemType: NumberDataViewType, IsKnownSize: true } vectorType
            || vectorType.ItemType != NumberDataViewType.Single)
        {
            throw channel.ExceptSchemaMismatch(nameof(data), "feature", featureColumn.Name,
                "known-size vector of Single", featureColumn.Type.ToString());
        }
        int featureCount = vectorType.Size;

        long? knownRows = data.Data.GetRowCount();
        GrowableBuffer? features = null;
        SparseRows? sparse = mode == ReadMode.Dense ? null : new SparseRows(featureColumn.Name, role);
        bool? sparseLayout = mode switch { ReadMode.Dense => false, ReadMode.Sparse => true, _ => null };
        if (sparseLayout == false)
        {
            features = DenseBuffer();
        }
        var labels = new GrowableBuffer(knownRows ?? SampleRows);
        long skippedLabel = 0, skippedFeature = 0, row = -1, sampleValues = 0;

        using DataViewRowCursor cursor = data.Data.GetRowCursor([featureColumn, labelColumn]);
        ValueGetter<VBuffer<float>> getFeatures = cursor.GetGetter<VBuffer<float>>(featureColumn);
        ValueGetter<float> getLabel = LabelGetter(cursor, labelColumn);
        VBuffer<float> buffer = default;
        float label = 0;
        while (cursor.MoveNext())
        {
            if ((++row & (CancellationRows - 1)) == 0)
            {
                cancellation.ThrowIfCancellationRequested();
            }
            getLabel(ref label);
            if (float.IsNaN(label))
            {
                skippedLabel++;
                continue;
            }
            if (label < 0 || label > 1)
            {
                throw channel.Except(
                    $"Row {row} of the {role} data has label {label} in column '{labelColumn.Name}'; a Single label must lie in [0, 1].");
            }
            getFeatures(ref buffer);
            if (sparseLayout is null)
            {
                if (buffer.IsDense)
                {
                    Decide(useSparse: false);
                }
                else
                {
                    sampleValues += buffer.GetValues().Length;
                    if (!sparse!.Append(buffer))
                    {
                        skippedFeature++;
                        continue;
                    }
                    labels.Append(1)[0] = label;
                    if (labels.Count == SampleRows)
                    {
                        Decide(useSparse: sampleValues * SparseSlotsPerValue <= (long)labels.Count * featureCount);
                    }
                    continue;
                }
            }
            if (sparseLayout == true)
            {
                if (!sparse!.Append(buffer))
                {
                    skippedFeature++;
                    continue;
                }
            }
            else
            {
                Span<float> destination = features!.Append(featureCount);
                buffer.CopyTo(destination);
                if (!Kernels.AllFinite<float>(destination))
                {
                    features.Shrink(featureCount);
                    skippedFeature++;
                    continue;
                }
            }
            labels.Append(1)[0] = label;
        }
        if (sparseLayout is null)
        {
            Decide(useSparse: labels.Count > 0 && sampleValues * SparseSlotsPerValue <= (long)labels.Count * featureCount);
        }
        if (sparseLayout == true && knownRows is null && labels.Count > 0)
        {
            // The row count was not known before: the check with the real size, before training allocates anything.
            checkMemory?.Invoke(new Layout(true, labels.Count, featureCount, sparse!.Bytes + (long)labels.Count * sizeof(float)));
        }

        cancellation.ThrowIfCancellationRequested();
        if (skippedLabel + skippedFeature > 0)
        {
            channel.Warning($"Skipped {skippedLabel + skippedFeature} of {row + 1} {role} rows: {skippedLabel} with a missing (NaN) label in '{labelColumn.Name}', {skippedFeature} with a NaN or infinite value in '{featureColumn.Name}'.");
        }
        if (labels.Count == 0)
        {
            throw channel.Except(row < 0
                ? $"The {role} data has no rows."
                : $"The {role} data has no usable rows: all {row + 1} were skipped for a missing label or a non-finite feature.");
        }
        return sparseLayout == true
            ? new Table(sparse!.ToMatrix(featureCount, labels.Count), labels.Items)
            : new Table(features!.Items, labels.Items, labels.Count, featureCount);

        GrowableBuffer DenseBuffer()
        {
            // A view that does not know its row count is counted first (a cursor pass with no active column), so that
            // the array is allocated once at its final size.
            long rows = knownRows ?? CountRows(data.Data, cancellation);
            long values = checked(rows * featureCount);
            checkMemory?.Invoke(new Layout(false, rows, featureCount, checked((values + rows) * sizeof(float))));
            if (values > Array.MaxLength)
            {
                throw channel.Except($"The {role} data has {rows} rows of {featureCount} features in '{featureColumn.Name}', more than one array can hold ({Array.MaxLength} values).");
            }
            return new GrowableBuffer(values);
        }

        // Fixes the layout after the sample: the sparse rows read so far stay, or are copied into the dense array.
        void Decide(bool useSparse)
        {
            sparseLayout = useSparse;
            layoutChosen?.Invoke(useSparse);
            long sampled = Math.Max(1, labels.Count);
            if (useSparse)
            {
                // A known row count gives the size to check now and to reserve; otherwise the arrays grow as rows come
                // and the check runs once all are read.
                if (knownRows is long rows)
                {
                    long valuesPerRow = (sampleValues + sampled - 1) / sampled;
                    long estimated = checked(valuesPerRow * rows);
                    checkMemory?.Invoke(new Layout(true, rows, featureCount, checked(CsrMatrix.BytesFor(rows, estimated) + rows * sizeof(float))));
                    sparse!.Reserve(estimated);
                }
                return;
            }
            features = DenseBuffer();
            if (sparse is not null)
            {
                CsrMatrix sample = sparse.ToMatrix(featureCount, labels.Count);
                for (int r = 0; r < sample.RowCount; r++)
                {
                    Span<float> destination = features.Append(featureCount);
                    destination.Clear();
                    for (int k = sample.RowStarts[r]; k < sample.RowEnds[r]; k++)
                    {
                        destination[sample.Indices[k]] = sample.Values[k];
                    }
                }
                sparse = null;
            }
        }
    }

    /// <summary>Reads the feature and label columns of <paramref name="view"/> outside a fit (for the benchmarks and tests).</summary>
    internal static Table Read(IHostEnvironment env, IDataView view, string featureColumn, string labelColumn, CancellationToken cancellation,
        Action<bool>? layoutChosen = null)
    {
        using IChannel channel = env.Register(nameof(TableReader)).Start("Reading");
        return Read(channel, new RoleMappedData(view, label: labelColumn, feature: featureColumn), "training", cancellation,
            layoutChosen: layoutChosen);
    }

    /// <summary>The rows of a view that does not know its row count: a cursor pass with no active column (what ML.NET's
    /// <c>DataViewUtils.ComputeRowCount</c> does), checking the token as it goes.</summary>
    private static long CountRows(IDataView view, CancellationToken cancellation)
    {
        long count = 0;
        using DataViewRowCursor cursor = view.GetRowCursor([]);
        while (cursor.MoveNext())
        {
            if ((++count & (CancellationRows - 1)) == 0)
            {
                cancellation.ThrowIfCancellationRequested();
            }
        }
        return count;
    }

    private static ValueGetter<float> LabelGetter(DataViewRow cursor, DataViewSchema.Column column)
    {
        if (column.Type == BooleanDataViewType.Instance)
        {
            ValueGetter<bool> getBool = cursor.GetGetter<bool>(column);
            bool value = false;
            return (ref float label) =>
            {
                getBool(ref value);
                label = value ? 1f : 0f;
            };
        }
        if (column.Type == NumberDataViewType.Single)
        {
            return cursor.GetGetter<float>(column);
        }
        throw Contracts.ExceptSchemaMismatch(nameof(column), "label", column.Name, "Boolean or Single", column.Type.ToString());
    }

    /// <summary>
    /// Compressed sparse rows being appended to: the stored values of each row that are not zero. The values go into
    /// blocks that double in size up to <see cref="MaxBlockValues"/> and are never copied while rows arrive; a row
    /// that does not fit in the current block starts the next one. <see cref="ToMatrix"/> hands a single block over
    /// as it is and copies several once into arrays of the exact size, so reading a table of n non-zeros allocates
    /// about 2n values (growing one array by half would allocate about 3n). Sizes are checked: a table of more than
    /// <see cref="Array.MaxLength"/> values fails with a message naming the column.
    /// </summary>
    private sealed class SparseRows(string column, string role)
    {
        /// <summary>The largest block: 2²⁰ values, 8 MiB with their indices; beyond it blocks stop doubling.</summary>
        private const int MaxBlockValues = 1 << 20;

        private readonly List<(int[] Indices, float[] Values, int Count)> _full = [];
        private int[] _starts = new int[SampleRows + 1];
        private int[] _indices = new int[1024];
        private float[] _values = new float[1024];
        /// <summary>Values in the current block.</summary>
        private int _fill;
        /// <summary>Values in the full blocks.</summary>
        private int _fullCount;
        private int _rows;

        /// <summary>The bytes of the finished matrix: the row starts and every value with its index.</summary>
        public long Bytes => (long)(_rows + 1) * sizeof(int) + (long)(_fullCount + _fill) * (sizeof(int) + sizeof(float));

        /// <summary>Makes room for <paramref name="values"/> values in all (an estimate from the sample), in one block
        /// while all rows read so far are in the first.</summary>
        public void Reserve(long values)
        {
            if (_full.Count == 0 && values > _indices.Length)
            {
                int length = (int)Math.Min(values, Array.MaxLength);
                Array.Resize(ref _indices, length);
                Array.Resize(ref _values, length);
            }
        }

        /// <summary>Appends the row's non-zero values; false (and nothing appended) when one of them is NaN or infinite.</summary>
        public bool Append(in VBuffer<float> row)
        {
            ReadOnlySpan<float> values = row.GetValues();
            if (!Kernels.AllFinite(values))
            {
                return false;
            }
            if (values.Length > _indices.Length - _fill)
            {
                NextBlock(values.Length);
            }
            if (_rows + 1 == _starts.Length)
            {
                Array.Resize(ref _starts, (int)Math.Min(Array.MaxLength, (long)_starts.Length * 2));
            }
            int count = _fill;
            if (row.IsDense)
            {
                for (int j = 0; j < values.Length; j++)
                {
                    if (values[j] != 0)
                    {
                        _indices[count] = j;
                        _values[count++] = values[j];
                    }
                }
            }
            else
            {
                ReadOnlySpan<int> indices = row.GetIndices();
                for (int k = 0; k < values.Length; k++)
                {
                    if (values[k] != 0)
                    {
                        _indices[count] = indices[k];
                        _values[count++] = values[k];
                    }
                }
            }
            _fill = count;
            _starts[++_rows] = _fullCount + count;
            return true;
        }

        public CsrMatrix ToMatrix(int columns, int rows)
        {
            if (rows != _rows)
            {
                throw new InvalidOperationException($"{_rows} sparse rows were read for {rows} labels.");
            }
            if (_full.Count == 0)
            {
                return new CsrMatrix(rows, columns, _starts, _indices, _values);
            }
            int total = _fullCount + _fill;
            int[] indices = GC.AllocateUninitializedArray<int>(total);
            float[] values = GC.AllocateUninitializedArray<float>(total);
            int at = 0;
            foreach ((int[] blockIndices, float[] blockValues, int count) in _full.Append((_indices, _values, _fill)))
            {
                blockIndices.AsSpan(0, count).CopyTo(indices.AsSpan(at));
                blockValues.AsSpan(0, count).CopyTo(values.AsSpan(at));
                at += count;
            }
            return new CsrMatrix(rows, columns, _starts, indices, values);
        }

        /// <summary>Closes the current block and opens one with room for at least <paramref name="needed"/> values.</summary>
        private void NextBlock(int needed)
        {
            long total = (long)_fullCount + _fill + needed;
            if (total > Array.MaxLength)
            {
                throw new InvalidOperationException(
                    $"The {role} data holds more than {Array.MaxLength} non-zero values in '{column}', more than one array can hold; use fewer rows or fewer features.");
            }
            _full.Add((_indices, _values, _fill));
            _fullCount += _fill;
            int length = Math.Max(needed, (int)Math.Min(MaxBlockValues, 2L * _indices.Length));
            _indices = GC.AllocateUninitializedArray<int>(length);
            _values = GC.AllocateUninitializedArray<float>(length);
            _fill = 0;
        }
    }

    /// <summary>A float list that hands out spans to write into, sized once from the row count (and grown only if a
    /// second pass over the data finds more rows than the first).</summary>
    private sealed class GrowableBuffer(long capacity)
    {
        private float[] _items = new float[Math.Max(1, Math.Min(capacity, Array.MaxLength))];

        public int Count { get; private set; }

        public Span<float> Append(int count)
        {
            if (Count + count > _items.Length)
            {
                long grown = Math.Max((long)_items.Length * 2, (long)Count + count);
                if (grown > Array.MaxLength)
                {
                    throw new InvalidOperationException($"The table holds more than {Array.MaxLength} values, more than one array can.");
                }
                Array.Resize(ref _items, (int)grown);
            }
            Span<float> span = _items.AsSpan(Count, count);
            Count += count;
            return span;
        }

        public void Shrink(int count) => Count -= count;

        /// <summary>The storage; its first <see cref="Count"/> values are the ones appended.</summary>
        public float[] Items => _items;
    }
}
