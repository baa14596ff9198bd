using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace XorMlNet.Cli;

/// <summary>Evaluation of scored data and the printout of its metrics.</summary>
internal static class MetricsReport
{
    /// <summary>
    /// ML.NET's binary-classification metrics of <paramref name="scored"/> against its label column. A label of
    /// probabilities (Single) counts as positive above 0.5, as the prediction does; ML.NET's evaluator alone would
    /// count every label above 0 as positive.
    /// </summary>
    /// <exception cref="CliError">The metrics are undefined (e.g. only one class in the data) or the data is not scored.</exception>
    public static CalibratedBinaryClassificationMetrics Evaluate(MLContext mlContext, IDataView scored, string labelColumn, string dataPath)
    {
        try
        {
            if (scored.Schema[labelColumn].Type == NumberDataViewType.Single)
            {
                string classColumn = $"{labelColumn} > 0.5";
                scored = mlContext.Transforms.Expression(classColumn, "p : p > 0.5", labelColumn).Fit(scored).Transform(scored);
                labelColumn = classColumn;
            }
            return mlContext.BinaryClassification.Evaluate(scored, labelColumn);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            throw new CliError($"Cannot compute the metrics on '{dataPath}': {Messages.OneLine(ex)}");
        }
    }

    /// <summary>Accuracy, AUC, F1 and log-loss, one per line, indented.</summary>
    public static void WriteMetrics(TextWriter output, CalibratedBinaryClassificationMetrics metrics)
    {
        output.WriteLine(Line("Accuracy", metrics.Accuracy));
        output.WriteLine(Line("AUC", metrics.AreaUnderRocCurve));
        output.WriteLine(Line("F1 score", metrics.F1Score));
        output.WriteLine(Line("Log-loss", metrics.LogLoss));
    }

    /// <summary>The accuracy alone, when the other metrics are undefined.</summary>
    public static void WriteAccuracy(TextWriter output, double accuracy) => output.WriteLine(Line("Accuracy", accuracy));

    /// <summary>ML.NET's confusion table (rows: the truth; columns: the prediction), with precision and recall.</summary>
    public static void WriteConfusionMatrix(TextWriter output, CalibratedBinaryClassificationMetrics metrics)
    {
        output.WriteLine("Confusion matrix:");
        output.Write(metrics.ConfusionMatrix.GetFormattedConfusionTable());
    }

    private static string Line(string name, double value) => string.Create(CultureInfo.InvariantCulture, $"  {name,-9} {value:F4}");
}
