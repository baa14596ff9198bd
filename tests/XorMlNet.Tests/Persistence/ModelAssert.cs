using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace XorMlNet.Tests.Persistence;

/// <summary>Bit-exact comparisons of fitted models and of what they produce.</summary>
internal static class ModelAssert
{
    /// <summary>Same dimensions, weights (bit for bit), histories (bit for bit), stop reason, restarts and saved options.</summary>
    public static void SameParameters(XorMlpModelParameters expected, XorMlpModelParameters actual)
    {
        Assert.Equal(expected.InputSize, actual.InputSize);
        Assert.Equal(expected.HiddenSize, actual.HiddenSize);
        Assert.Equal(Dumps.Weights(expected), Dumps.Weights(actual));
        Assert.Equal(Dumps.Bits(expected.TrainingLossHistory), Dumps.Bits(actual.TrainingLossHistory));
        Assert.Equal(Dumps.Bits(expected.ValidationLossHistory), Dumps.Bits(actual.ValidationLossHistory));
        Assert.Equal(expected.EpochsRun, actual.EpochsRun);
        Assert.Equal(expected.LossHistoryStride, actual.LossHistoryStride);
        Assert.Equal(Dumps.Bits(expected.FeatureOffset), Dumps.Bits(actual.FeatureOffset));
        Assert.Equal(Dumps.Bits(expected.FeatureScale), Dumps.Bits(actual.FeatureScale));
        Assert.Equal(expected.StopReason, actual.StopReason);
        Assert.Equal(expected.Restarts, actual.Restarts);
        Assert.Equal(SavedOptions(expected.TrainingOptions), SavedOptions(actual.TrainingOptions));
    }

    /// <summary>Same column names and types, and <see cref="SameParameters"/>.</summary>
    public static void SameTransformer(XorMlpTransformer expected, XorMlpTransformer actual)
    {
        Assert.Equal(expected.FeatureColumnName, actual.FeatureColumnName);
        Assert.Equal(expected.FeatureColumnType, actual.FeatureColumnType);
        Assert.Equal(expected.LabelColumnName, actual.LabelColumnName);
        SameParameters(expected.Model, actual.Model);
    }

    /// <summary>
    /// Same output schema (names, types, annotations and their values) for <paramref name="inputSchema"/> and for
    /// <paramref name="rows"/>, and every output column of every row bit for bit.
    /// </summary>
    public static void SameScoring(ITransformer expected, ITransformer actual, DataViewSchema inputSchema, IDataView rows)
    {
        Assert.Equal(Dumps.Schema(expected.GetOutputSchema(inputSchema)), Dumps.Schema(actual.GetOutputSchema(inputSchema)));
        IDataView expectedScored = expected.Transform(rows), actualScored = actual.Transform(rows);
        Assert.Equal(Dumps.Schema(expectedScored.Schema), Dumps.Schema(actualScored.Schema));
        IReadOnlyList<string> expectedRows = Dumps.Rows(expectedScored);
        Assert.NotEmpty(expectedRows);
        Assert.Equal(expectedRows, Dumps.Rows(actualScored));
    }

    /// <summary>Every public field of the options that is saved (callbacks and tokens are not), rendered exactly.</summary>
    public static string SavedOptions(XorMlpEstimator.Options options)
        => string.Join("\n", typeof(XorMlpEstimator.Options).GetFields(BindingFlags.Public | BindingFlags.Instance)
            .Where(f => !typeof(Delegate).IsAssignableFrom(f.FieldType) && f.FieldType != typeof(CancellationToken))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => $"{f.Name}={Dumps.Format(f.GetValue(options))}"));

    /// <summary>The last transformer of a loaded model (the model itself when it is not a chain).</summary>
    public static ITransformer Last(ITransformer model)
        => model is IEnumerable<ITransformer> chain ? chain.Last() : model;
}
