using System.Globalization;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using XorMlNet;

namespace XorMlNet.RealData;

/// <summary>
/// 5-fold stratified cross-validation on the tables written by tables.py: XorMlNet (HiddenLayerSize 16, every other
/// option at its default unless set on the command line) beside ML.NET's LbfgsLogisticRegression and FastTree, on the
/// folds of the tables' Fold column, each fold standardized with the mean and standard deviation of its four
/// training folds; scikit-learn's MLPClassifier figures, measured by tables.py on the same folds, are read from
/// sklearn-mlp.csv. Prints a Markdown table of mean accuracy and AUC over the folds.
/// </summary>
/// <remarks>
/// Usage: <c>dotnet run -c Release --project benchmarks/XorMlNet.RealData -- [--data DIR] [--xormlp-only] [Option=Value ...]</c>,
/// e.g. <c>Solver=Adam LearningRate=0.01</c>: any public field of <see cref="XorMlpEstimator.Options"/>.
/// </remarks>
internal static class Program
{
    private const int Folds = 5;

    private static int Main(string[] args)
    {
        string dataDirectory = Path.Combine("benchmarks", "XorMlNet.RealData", "data");
        bool xorMlpOnly = false;
        var settings = new List<(string Name, string Value)>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--data")
            {
                dataDirectory = args[++i];
            }
            else if (args[i] == "--xormlp-only")
            {
                xorMlpOnly = true;
            }
            else if (args[i].Split('=', 2) is [string name, string value])
            {
                settings.Add((name, value));
            }
            else
            {
                Console.Error.WriteLine($"error: unknown argument '{args[i]}'");
                return 2;
            }
        }
        if (!File.Exists(Path.Combine(dataDirectory, "sklearn-mlp.csv")))
        {
            Console.Error.WriteLine($"error: {dataDirectory}/sklearn-mlp.csv is missing; run /usr/bin/python3 benchmarks/XorMlNet.RealData/tables.py first.");
            return 1;
        }

        Dictionary<string, (double Accuracy, double Auc)> sklearn = File.ReadLines(Path.Combine(dataDirectory, "sklearn-mlp.csv")).Skip(1)
            .Select(line => line.Split(','))
            .ToDictionary(f => f[0], f => (Parse(f[3]), Parse(f[4])));

        var learners = new List<(string Name, Func<MLContext, IEstimator<ITransformer>> Create)>
        {
            ("XorMlNet", ml => new XorMlpEstimator(ml, XorMlpOptions(settings))),
        };
        if (!xorMlpOnly)
        {
            learners.Add(("LbfgsLogisticRegression", ml => ml.BinaryClassification.Trainers.LbfgsLogisticRegression()));
            learners.Add(("FastTree", ml => ml.BinaryClassification.Trainers.FastTree()));
        }

        string options = settings.Count == 0 ? "defaults" : string.Join(", ", settings.Select(s => $"{s.Name}={s.Value}"));
        Console.WriteLine($"XorMlNet: HiddenLayerSize 16, {options}. Mean over {Folds} stratified folds; accuracy / AUC.");
        Console.WriteLine();
        Console.WriteLine($"| table | rows | d | {string.Join(" | ", learners.Select(l => l.Name))} | sklearn MLPClassifier |");
        Console.WriteLine("|---|---:|---:|" + string.Concat(Enumerable.Repeat("---:|", learners.Count + 1)));
        var sums = new double[learners.Count + 1, 2];
        int tableCount = 0;
        foreach ((string table, (double Accuracy, double Auc) reference) in sklearn)
        {
            Table data = Table.Read(Path.Combine(dataDirectory, table + ".csv"));
            var cells = new List<string>();
            for (int l = 0; l < learners.Count; l++)
            {
                (double accuracy, double auc, string note) = CrossValidate(data, learners[l].Create);
                sums[l, 0] += accuracy;
                sums[l, 1] += auc;
                cells.Add($"{accuracy:F4} / {auc:F4}{note}");
            }
            sums[learners.Count, 0] += reference.Accuracy;
            sums[learners.Count, 1] += reference.Auc;
            cells.Add($"{reference.Accuracy:F4} / {reference.Auc:F4}");
            tableCount++;
            Console.WriteLine($"| {table} | {data.Labels.Length} | {data.FeatureCount} | {string.Join(" | ", cells)} |");
        }
        var means = Enumerable.Range(0, learners.Count + 1).Select(l => $"{sums[l, 0] / tableCount:F4} / {sums[l, 1] / tableCount:F4}");
        Console.WriteLine($"| **mean** | | | {string.Join(" | ", means)} |");
        return 0;
    }

    /// <summary>Mean test accuracy and AUC over the folds; a note when XorMlNet warned or failed on some fold.</summary>
    private static (double Accuracy, double Auc, string Note) CrossValidate(Table data, Func<MLContext, IEstimator<ITransformer>> create)
    {
        double accuracy = 0, auc = 0;
        int warnings = 0, failures = 0;
        for (int fold = 0; fold < Folds; fold++)
        {
            var ml = new MLContext(seed: 0);
            ml.Log += (_, e) =>
            {
                if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning)
                {
                    warnings++;
                }
            };
            (IDataView train, IDataView test) = data.Split(ml, fold);
            try
            {
                ITransformer model = create(ml).Fit(train);
                BinaryClassificationMetrics metrics = ml.BinaryClassification.Evaluate(model.Transform(test));
                accuracy += metrics.Accuracy;
                auc += metrics.AreaUnderRocCurve;
            }
            catch (ArithmeticException)
            {
                failures++;
                accuracy += double.NaN;
                auc += double.NaN;
            }
        }
        string note = (warnings, failures) switch
        {
            (0, 0) => "",
            (_, 0) => $" ({warnings} warnings)",
            _ => $" ({failures} folds diverged)",
        };
        return (accuracy / Folds, auc / Folds, note);
    }

    private static XorMlpEstimator.Options XorMlpOptions(List<(string Name, string Value)> settings)
    {
        var options = new XorMlpEstimator.Options { HiddenLayerSize = 16 };
        foreach ((string name, string value) in settings)
        {
            FieldInfo field = typeof(XorMlpEstimator.Options).GetField(name)
                ?? throw new ArgumentException($"XorMlpEstimator.Options has no field '{name}'.");
            Type type = Nullable.GetUnderlyingType(field.FieldType) ?? field.FieldType;
            field.SetValue(options, type.IsEnum ? Enum.Parse(type, value, ignoreCase: true) : Convert.ChangeType(value, type, CultureInfo.InvariantCulture));
        }
        return options;
    }

    private static double Parse(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    /// <summary>A table of tables.py: feature columns, then Label (0/1) and Fold (0–4).</summary>
    private sealed class Table(float[][] features, bool[] labels, int[] folds)
    {
        public float[][] Features { get; } = features;

        public bool[] Labels { get; } = labels;

        public int FeatureCount => Features[0].Length;

        public static Table Read(string path)
        {
            string[][] rows = File.ReadLines(path).Skip(1).Select(line => line.Split(',')).ToArray();
            int d = rows[0].Length - 2;
            return new Table(
                rows.Select(r => r.Take(d).Select(v => (float)Parse(v)).ToArray()).ToArray(),
                rows.Select(r => r[d] == "1").ToArray(),
                rows.Select(r => int.Parse(r[d + 1], CultureInfo.InvariantCulture)).ToArray());
        }

        /// <summary>The training folds and the test fold, both standardized with the training folds' mean and (population) standard deviation.</summary>
        public (IDataView Train, IDataView Test) Split(MLContext ml, int testFold)
        {
            int d = FeatureCount;
            int[] train = Enumerable.Range(0, Labels.Length).Where(i => folds[i] != testFold).ToArray();
            int[] test = Enumerable.Range(0, Labels.Length).Where(i => folds[i] == testFold).ToArray();
            var mean = new double[d];
            var std = new double[d];
            for (int j = 0; j < d; j++)
            {
                mean[j] = train.Average(i => (double)Features[i][j]);
                double variance = train.Average(i => Math.Pow(Features[i][j] - mean[j], 2));
                std[j] = variance > 0 ? Math.Sqrt(variance) : 1;
            }
            Row Standardized(int i) => new()
            {
                Features = Enumerable.Range(0, d).Select(j => (float)((Features[i][j] - mean[j]) / std[j])).ToArray(),
                Label = Labels[i],
            };
            SchemaDefinition schema = SchemaDefinition.Create(typeof(Row));
            schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
            return (ml.Data.LoadFromEnumerable(train.Select(Standardized).ToArray(), schema),
                ml.Data.LoadFromEnumerable(test.Select(Standardized).ToArray(), schema));
        }
    }

    private sealed class Row
    {
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }
}
