using Microsoft.ML.Data;
using XorMlNet.Network;

namespace XorMlNet.Benchmarks;

/// <summary>The suite's tables.</summary>
public static class Data
{
    public const int LargeRows = 1_000_000;
    public const int LargeInputs = 16;

    /// <summary>A row of the XOR table as the notebook's pipeline sees it: two columns, concatenated into Features.</summary>
    public sealed class XorRow
    {
        public float X1 { get; set; }
        public float X2 { get; set; }
        public bool Label { get; set; }
    }

    /// <summary>A row of the synthetic table: 16 features in one vector column.</summary>
    public sealed class WideRow
    {
        [VectorType(LargeInputs)]
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }

    /// <summary>ML.NET's three binary-classifier outputs.</summary>
    public sealed class Prediction
    {
        public float Score { get; set; }
        public float Probability { get; set; }
        public bool PredictedLabel { get; set; }
    }

    public static XorRow[] XorRows { get; } =
    [
        new() { X1 = 0, X2 = 0, Label = false },
        new() { X1 = 1, X2 = 0, Label = true },
        new() { X1 = 0, X2 = 1, Label = true },
        new() { X1 = 1, X2 = 1, Label = false },
    ];

    public static float[] XorFeatures => [0, 0, 1, 0, 0, 1, 1, 1];

    public static float[] XorTargets => [0, 1, 1, 0];

    /// <summary>
    /// <paramref name="rows"/> × <paramref name="inputs"/> standard normal features (numpy's generator, seed 2024), label
    /// x0·x1 &gt; 0 flipped for 5% of the rows: row-major features and 0/1 targets.
    /// </summary>
    public static (float[] Features, float[] Targets) Synthetic(int rows = LargeRows, int inputs = LargeInputs)
    {
        var random = new NumpyRandom(2024);
        var features = new float[(long)rows * inputs];
        var targets = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < inputs; i++)
            {
                features[(long)r * inputs + i] = (float)random.NextGaussian();
            }
            bool label = features[(long)r * inputs] * features[(long)r * inputs + 1] > 0;
            if (random.NextDouble() < 0.05)
            {
                label = !label;
            }
            targets[r] = label ? 1 : 0;
        }
        return (features, targets);
    }

    public const int SparseRows = 200_000;
    public const int SparseSlots = 100_000;
    public const int SparseValuesPerRow = 30;

    /// <summary>A row of the sparse table: <see cref="SparseSlots"/> slots, <see cref="SparseValuesPerRow"/> of them stored.</summary>
    public sealed class SparseRow
    {
        public VBuffer<float> Features { get; set; }
        public bool Label { get; set; }
    }

    /// <summary>
    /// The sparse table, shaped like a bag of words: each row holds <see cref="SparseValuesPerRow"/> distinct slots of
    /// <see cref="SparseSlots"/> (uniform, numpy's generator, seed 2024) with counts 1–3; the label is whether the row
    /// has a slot below 1,000 XOR whether it has one in 1,000–1,999 (the text benchmark's two word groups).
    /// </summary>
    public static SparseRow[] SparseTable()
    {
        var random = new NumpyRandom(2024);
        var rows = new SparseRow[SparseRows];
        var slots = new SortedSet<int>();
        for (int r = 0; r < SparseRows; r++)
        {
            slots.Clear();
            while (slots.Count < SparseValuesPerRow)
            {
                slots.Add((int)(random.NextDouble() * SparseSlots));
            }
            int[] indices = [.. slots];
            float[] values = [.. indices.Select(_ => (float)(1 + (int)(random.NextDouble() * 3)))];
            bool first = indices[0] < 1_000, second = indices.Any(i => i is >= 1_000 and < 2_000);
            rows[r] = new SparseRow { Features = new VBuffer<float>(SparseSlots, indices.Length, values, indices), Label = first ^ second };
        }
        return rows;
    }

    /// <summary>The schema of <see cref="SparseRow"/> with the vector's size, which the type alone does not give.</summary>
    public static SchemaDefinition SparseSchema()
    {
        SchemaDefinition schema = SchemaDefinition.Create(typeof(SparseRow));
        schema[nameof(SparseRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, SparseSlots);
        return schema;
    }

    /// <summary>The synthetic table as rows for <c>LoadFromEnumerable</c>.</summary>
    public static WideRow[] SyntheticRows(int rows = LargeRows)
    {
        (float[] x, float[] y) = Synthetic(rows);
        var result = new WideRow[rows];
        for (int r = 0; r < rows; r++)
        {
            result[r] = new WideRow { Features = x.AsSpan(r * LargeInputs, LargeInputs).ToArray(), Label = y[r] > 0.5f };
        }
        return result;
    }
}
