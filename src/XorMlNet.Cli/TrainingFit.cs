using Microsoft.ML;
using Microsoft.ML.Data;

namespace XorMlNet.Cli;

/// <summary>
/// How a fitted model does on its training data against the simplest rule, always predicting the majority class.
/// A label of probabilities (Single) counts as positive above 0.5, as the prediction does.
/// </summary>
internal sealed record TrainingFit(int Rows, int Positives, int Correct)
{
    /// <summary>The share of rows the model predicts right.</summary>
    public double Accuracy => (double)Correct / Rows;

    /// <summary>The class of most rows (true on a tie).</summary>
    public bool MajorityClass => 2L * Positives >= Rows;

    /// <summary>The accuracy of always predicting <see cref="MajorityClass"/>.</summary>
    public double MajorityRate => (double)Math.Max(Positives, Rows - Positives) / Rows;

    /// <summary>Every row has the same class: AUC and the metrics built on both classes are undefined.</summary>
    public bool SingleClass => Positives == 0 || Positives == Rows;

    /// <summary>Counts the rows, the positive ones and those predicted right in <paramref name="scored"/>.</summary>
    public static TrainingFit Measure(IDataView scored, string label, CancellationToken cancellationToken)
    {
        DataViewSchema.Column labelColumn = scored.Schema[label];
        DataViewSchema.Column predicted = scored.Schema["PredictedLabel"];
        using DataViewRowCursor cursor = scored.GetRowCursor([labelColumn, predicted]);
        Func<bool> isPositive = labelColumn.Type == BooleanDataViewType.Instance
            ? Getter<bool>(cursor, labelColumn, v => v)
            : Getter<float>(cursor, labelColumn, v => v > 0.5f);
        ValueGetter<bool> getPredicted = cursor.GetGetter<bool>(predicted);
        int rows = 0, positives = 0, correct = 0;
        bool prediction = false;
        while (cursor.MoveNext())
        {
            if ((rows & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            bool positive = isPositive();
            getPredicted(ref prediction);
            rows++;
            positives += positive ? 1 : 0;
            correct += positive == prediction ? 1 : 0;
        }
        return new TrainingFit(rows, positives, correct);
    }

    private static Func<bool> Getter<T>(DataViewRowCursor cursor, DataViewSchema.Column column, Func<T, bool> positive)
    {
        ValueGetter<T> getter = cursor.GetGetter<T>(column);
        T value = default!;
        return () =>
        {
            getter(ref value);
            return positive(value);
        };
    }
}
