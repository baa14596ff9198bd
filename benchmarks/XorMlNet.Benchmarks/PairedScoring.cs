using System.Diagnostics;
using Microsoft.ML;

namespace XorMlNet.Benchmarks;

/// <summary>
/// The two scoring comparisons with LbfgsLogisticRegression as paired measurements, for a machine whose load drifts: our model and
/// <c>LbfgsLogisticRegression</c> are timed back to back, many times, alternating which goes first, and the ratio is
/// taken within each pair. The median of those ratios is what a slow change of load on a shared machine disturbs
/// least; BenchmarkDotNet (the <c>Scoring</c> and <c>PredictionEngineLatency</c> classes) runs all of one model's
/// iterations and then all of the other's.
/// </summary>
public static class PairedScoring
{
    private const int Pairs = 15;
    private const int Predictions = 1_000_000;

    public static int Run()
    {
        Console.WriteLine($"Building the {Data.LargeRows:N0} × {Data.LargeInputs} table ...");
        var mlContext = new MLContext(seed: 0);
        Data.WideRow[] rows = Data.SyntheticRows();
        IDataView train = mlContext.Data.LoadFromEnumerable(rows.Take(20_000));
        IDataView data = mlContext.Data.LoadFromEnumerable(rows);
        ITransformer logisticRegression = mlContext.BinaryClassification.Trainers.LbfgsLogisticRegression().Fit(train);
        Console.WriteLine($"{Pairs} pairs each, alternating which model goes first; ratio = LbfgsLogisticRegression's time / ours, per pair.");
        Console.WriteLine("| work | H | ours, median | LbfgsLogisticRegression, median | ratio, median of pairs | ratio, min – max |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (int hidden in new[] { 2, 16, 64 })
        {
            ITransformer ours = ScoringSetup.FitXorMlp(mlContext, train, hidden);

            Report("Transform + cursor, 1M rows (ms)", hidden, 1e3, Measure(
                () => Scoring.Drain(ours.Transform(data)),
                () => Scoring.Drain(logisticRegression.Transform(data))));

            var ourEngine = mlContext.Model.CreatePredictionEngine<Data.WideRow, Data.Prediction>(ours);
            var theirEngine = mlContext.Model.CreatePredictionEngine<Data.WideRow, Data.Prediction>(logisticRegression);
            Data.WideRow row = rows[123];
            var prediction = new Data.Prediction();
            Report("PredictionEngine.Predict, one row (ns)", hidden, 1e9 / Predictions, Measure(
                () => Predict(ourEngine, row, prediction),
                () => Predict(theirEngine, row, prediction)));
        }
        return 0;
    }

    private static double Predict(PredictionEngine<Data.WideRow, Data.Prediction> engine, Data.WideRow row, Data.Prediction prediction)
    {
        for (int i = 0; i < Predictions; i++)
        {
            engine.Predict(row, ref prediction);
        }
        return prediction.Probability;
    }

    /// <summary>Seconds per call of each, and the pair ratios (theirs / ours), after two untimed calls of each.</summary>
    private static (List<double> Ours, List<double> Theirs, List<double> Ratios) Measure(Func<double> ours, Func<double> theirs)
    {
        ours();
        theirs();
        ours();
        theirs();
        var result = (Ours: new List<double>(), Theirs: new List<double>(), Ratios: new List<double>());
        for (int pair = 0; pair < Pairs; pair++)
        {
            double a, b;
            if (pair % 2 == 0)
            {
                a = Time(ours);
                b = Time(theirs);
            }
            else
            {
                b = Time(theirs);
                a = Time(ours);
            }
            result.Ours.Add(a);
            result.Theirs.Add(b);
            result.Ratios.Add(b / a);
        }
        return result;

        static double Time(Func<double> work)
        {
            var clock = Stopwatch.StartNew();
            double sink = work();
            clock.Stop();
            GC.KeepAlive(sink);
            return clock.Elapsed.TotalSeconds;
        }
    }

    private static void Report(string work, int hidden, double unit, (List<double> Ours, List<double> Theirs, List<double> Ratios) m)
    {
        Console.WriteLine($"| {work} | {hidden} | {Median(m.Ours) * unit:F1} | {Median(m.Theirs) * unit:F1} | {Median(m.Ratios):F3} | {m.Ratios.Min():F3} – {m.Ratios.Max():F3} |");
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
