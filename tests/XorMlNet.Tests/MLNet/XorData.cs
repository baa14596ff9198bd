using Microsoft.ML;
using Microsoft.ML.Data;

namespace XorMlNet.Tests.MLNet;

/// <summary>The XOR table and other small tables for the ML.NET tests.</summary>
internal static class XorData
{
    public sealed class Row
    {
        public float X1 { get; set; }
        public float X2 { get; set; }
        public bool Label { get; set; }
    }

    public sealed class Prediction
    {
        public float Score { get; set; }
        public float Probability { get; set; }
        public bool PredictedLabel { get; set; }
    }

    public static Row[] Rows { get; } =
    [
        new() { X1 = 0, X2 = 0, Label = false },
        new() { X1 = 1, X2 = 0, Label = true },
        new() { X1 = 0, X2 = 1, Label = true },
        new() { X1 = 1, X2 = 1, Label = false },
    ];

    public static IDataView Load(MLContext mlContext) => mlContext.Data.LoadFromEnumerable(Rows);

    /// <summary>The XOR table with X1 and X2 already concatenated into Features, for estimators used alone.</summary>
    public static IDataView LoadFeatures(MLContext mlContext)
        => mlContext.Transforms.Concatenate("Features", nameof(Row.X1), nameof(Row.X2)).Fit(Load(mlContext)).Transform(Load(mlContext));

    /// <summary>Concatenate(X1, X2) → Features, then the estimator.</summary>
    public static EstimatorChain<XorMlpTransformer> Pipeline(MLContext mlContext, XorMlpEstimator trainer)
        => mlContext.Transforms.Concatenate("Features", nameof(Row.X1), nameof(Row.X2)).Append(trainer);
}
