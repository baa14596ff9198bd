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
