using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using XorMlNet.Network;

namespace XorMlNet;

/// <summary>
/// Copies the feature and label columns of a role-mapped <see cref="IDataView"/> into dense row-major arrays for the
/// network, skipping rows that ML.NET's trainers skip (missing label, non-finite feature) with a warning.
/// </summary>
/// <remarks>
/// Memory: the arrays are allocated once at their final size (when the view does not know its row count, a first
/// cursor pass with no active column counts the rows), and training reads them in place, so a fit holds one copy
/// of the feature matrix, plus the labels.
/// Cancellation: the token is checked before anything is read and every <see cref="CancellationRows"/> rows of
/// either pass, so a cancelled fit stops reading within that many rows.
/// </remarks>
internal static class TableReader
{
    /// <summary>Rows pulled from a cursor between two checks of the cancellation token.</summary>
    internal const int CancellationRows = 4096;

    /// <summary>
    /// Dense rows: the first RowCount × FeatureCount values of the features array, row-major, and the first RowCount
    /// labels, in [0, 1] (the arrays may be longer when rows were skipped).
    /// </summary>
    internal sealed class Table(float[] features, float[] labels, int rowCount, int featureCount)
    {
        public static Table Empty { get; } = new([], [], 0, 0);

        public int RowCount { get; } = rowCount;

        public int FeatureCount { get; } = featureCount;

        public ReadOnlySpan<float> Features => features.AsSpan(0, RowCount * FeatureCount);

        public ReadOnlySpan<float> Labels => labels.AsSpan(0, RowCount);

        /// <summary>Applies x′ = (x − offset) · scale to every row, in place (the table owns its arrays).</summary>
        public void Standardize(ReadOnlySpan<float> offset, ReadOnlySpan<float> scale)
            => FeatureScaling.Apply(features.AsSpan(0, RowCount * FeatureCount), offset, scale);
    }

    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled before or during the read.</exception>
    public static Table Read(IChannel channel, RoleMappedData data, string role, CancellationToken cancellation)
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

        long rows = data.Data.GetRowCount() ?? CountRows(data.Data, cancellation);
        if (rows * featureCount > Array.MaxLength)
        {
            throw channel.Except($"The {role} data has {rows} rows of {featureCount} features, more than one array can hold ({Array.MaxLength} values).");
        }
        var features = new GrowableBuffer(rows * featureCount);
        var labels = new GrowableBuffer(rows);
        long skippedLabel = 0, skippedFeature = 0, row = -1;

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
            Span<float> destination = features.Append(featureCount);
            buffer.CopyTo(destination);
            if (!Kernels.AllFinite<float>(destination))
            {
                features.Shrink(featureCount);
                skippedFeature++;
                continue;
            }
            labels.Append(1)[0] = label;
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
        return new Table(features.Items, labels.Items, labels.Count, featureCount);
    }

    /// <summary>Reads the feature and label columns of <paramref name="view"/> outside a fit (for the benchmarks).</summary>
    internal static Table Read(IHostEnvironment env, IDataView view, string featureColumn, string labelColumn, CancellationToken cancellation)
    {
        using IChannel channel = env.Register(nameof(TableReader)).Start("Reading");
        return Read(channel, new RoleMappedData(view, label: labelColumn, feature: featureColumn), "training", cancellation);
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
