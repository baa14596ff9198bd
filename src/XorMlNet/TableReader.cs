using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace XorMlNet;

/// <summary>
/// Copies the feature and label columns of a role-mapped <see cref="IDataView"/> into dense row-major arrays for the
/// network, skipping rows that ML.NET's trainers skip (missing label, non-finite feature) with a warning.
/// </summary>
internal static class TableReader
{
    /// <summary>Dense rows: <see cref="Features"/> is RowCount × FeatureCount, <see cref="Labels"/> is in [0, 1].</summary>
    internal sealed record Table(float[] Features, float[] Labels, int FeatureCount)
    {
        public static Table Empty { get; } = new([], [], 0);

        public int RowCount => Labels.Length;
    }

    public static Table Read(IChannel channel, RoleMappedData data, string role)
    {
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
        var features = new GrowableBuffer(knownRows is { } n ? checked(n * featureCount) : 1024L * featureCount);
        var labels = new GrowableBuffer(knownRows ?? 1024);
        long skippedLabel = 0, skippedFeature = 0, row = -1;

        using DataViewRowCursor cursor = data.Data.GetRowCursor([featureColumn, labelColumn]);
        ValueGetter<VBuffer<float>> getFeatures = cursor.GetGetter<VBuffer<float>>(featureColumn);
        ValueGetter<float> getLabel = LabelGetter(cursor, labelColumn);
        VBuffer<float> buffer = default;
        float label = 0;
        while (cursor.MoveNext())
        {
            row++;
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
            if (!AllFinite(destination))
            {
                features.Shrink(featureCount);
                skippedFeature++;
                continue;
            }
            labels.Append(1)[0] = label;
        }

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
        return new Table(features.ToArray(), labels.ToArray(), featureCount);
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

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A float list that hands out spans to write into, sized once when the row count is known.</summary>
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

        public float[] ToArray() => Count == _items.Length ? _items : _items.AsSpan(0, Count).ToArray();
    }
}
