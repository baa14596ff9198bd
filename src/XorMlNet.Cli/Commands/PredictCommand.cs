using System.CommandLine;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using XorMlNet.Cli.Data;

namespace XorMlNet.Cli.Commands;

/// <summary>
/// <c>xormlnet predict</c>: scores a CSV file with a saved model and writes it back out, every input column as it was
/// written, followed by Score, Probability and PredictedLabel.
/// </summary>
internal static class PredictCommand
{
    private static readonly string[] Outputs = ["Score", "Probability", "PredictedLabel"];

    public static Command Create(Invocation invocation)
    {
        var model = new Option<string>("--model") { Description = "The model file written by 'xormlnet train'.", Required = true };
        var data = new Option<string>("--data") { Description = "The rows to score: a CSV file with a header row and the model's feature columns.", Required = true };
        var output = new Option<string>("--out") { Description = "The CSV file to write (with the separator of --data).", Required = true };
        var separator = CsvOptions.Separator();
        var command = new Command("predict", "Score a CSV file: write its columns plus Score, Probability and PredictedLabel.")
        {
            model, data, output, separator,
        };
        command.SetAction((parse, _) => CommandRunner.Run(parse, invocation, context =>
            Predict(parse.GetRequiredValue(model), parse.GetRequiredValue(data), parse.GetRequiredValue(output), parse.GetValue(separator), context)));
        return command;
    }

    private static void Predict(string modelPath, string dataPath, string outputPath, string? separatorOption, RunContext context)
    {
        context.Phase = "checking the options";
        OutputPath.Check(outputPath, "--out", "predictions", [new("--model", modelPath), new("--data", dataPath)]);
        char? separator = CsvOptions.ParseSeparator(separatorOption);
        var mlContext = new MLContext(seed: 0);
        context.Phase = $"loading '{modelPath}'";
        ModelFile model = ModelFile.Load(mlContext, modelPath);

        context.Phase = $"reading '{dataPath}'";
        CsvFile csv = CsvFile.Open(dataPath, separator);
        foreach (string name in Outputs)
        {
            if (csv.IndexOf(name) >= 0)
            {
                throw new CliError($"'{dataPath}' already has a column '{name}', which predict adds; rename or remove it.");
            }
        }
        int[] featureIndices = model.FeatureIndices(csv);
        CsvScan scan = CsvScan.Run(csv, context.Token);
        foreach (int index in featureIndices)
        {
            scan.RequireNumbers(index, "feature");
        }

        // Each input column is also read as text under a name of its own, to be written back exactly as it came.
        var taken = new HashSet<string>(csv.Header, StringComparer.Ordinal) { model.FeatureColumn };
        string[] rawNames = Enumerable.Range(0, csv.Header.Count).Select(i => RawName(taken, i)).ToArray();
        List<TextLoader.Column> columns = [CsvScan.Vector(model.FeatureColumn, featureIndices)];
        columns.AddRange(rawNames.Select((name, i) => new TextLoader.Column(name, DataKind.String, i)));
        IDataView scored = model.Score(scan.Load(mlContext, columns), dataPath);
        CheckOutputs(scored.Schema, modelPath);

        context.Phase = $"writing '{outputPath}'";
        using var file = new PendingFile(outputPath, "--out", "predictions");
        int written = 0;
        file.Write(stream =>
        {
            written = WriteCsv(scored, csv.Header, rawNames, csv.Separator, stream, context.Token);
            if (written != scan.RowCount)
            {
                throw new CliError($"ML.NET read {written} rows from '{dataPath}', which has {scan.RowCount}; '{outputPath}' was not written.");
            }
        });
        context.ThrowIfStopped();
        file.Commit();
        context.Output.WriteLine($"Scored {written} rows of '{dataPath}' with '{modelPath}'; wrote them to '{outputPath}' with the columns Score, Probability and PredictedLabel added.");
    }

    /// <summary>The model adds what a binary classifier adds: Single Score and Probability, Boolean PredictedLabel.</summary>
    private static void CheckOutputs(DataViewSchema schema, string modelPath)
    {
        DataViewType[] expected = [NumberDataViewType.Single, NumberDataViewType.Single, BooleanDataViewType.Instance];
        for (int k = 0; k < Outputs.Length; k++)
        {
            if (schema.GetColumnOrNull(Outputs[k]) is not { } column || column.Type != expected[k])
            {
                throw new CliError($"The model '{modelPath}' is not a binary classifier: it does not add a {expected[k]} column '{Outputs[k]}'.");
            }
        }
    }

    /// <summary>Writes the header and one line per scored row; returns the number of rows.</summary>
    private static int WriteCsv(IDataView scored, IReadOnlyList<string> header, string[] rawNames, char separator, Stream stream, CancellationToken cancellationToken)
    {
        DataViewSchema.Column[] raw = rawNames.Select(name => scored.Schema[name]).ToArray();
        DataViewSchema.Column score = scored.Schema[Outputs[0]], probability = scored.Schema[Outputs[1]], predicted = scored.Schema[Outputs[2]];
        using var writer = new StreamWriter(stream, leaveOpen: true);
        WriteRow(writer, header.Concat(Outputs), separator);

        using DataViewRowCursor cursor = scored.GetRowCursor([.. raw, score, probability, predicted]);
        ValueGetter<ReadOnlyMemory<char>>[] rawGetters = raw.Select(c => cursor.GetGetter<ReadOnlyMemory<char>>(c)).ToArray();
        ValueGetter<float> getScore = cursor.GetGetter<float>(score);
        ValueGetter<float> getProbability = cursor.GetGetter<float>(probability);
        ValueGetter<bool> getPredicted = cursor.GetGetter<bool>(predicted);
        var cells = new string[raw.Length + Outputs.Length];
        ReadOnlyMemory<char> text = default;
        float value = 0;
        bool flag = false;
        int rows = 0;
        while (cursor.MoveNext())
        {
            if ((rows & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            for (int i = 0; i < raw.Length; i++)
            {
                rawGetters[i](ref text);
                cells[i] = text.ToString();
            }
            getScore(ref value);
            cells[raw.Length] = value.ToString("R", CultureInfo.InvariantCulture);
            getProbability(ref value);
            cells[raw.Length + 1] = value.ToString("R", CultureInfo.InvariantCulture);
            getPredicted(ref flag);
            cells[raw.Length + 2] = flag ? "true" : "false";
            WriteRow(writer, cells, separator);
            rows++;
        }
        return rows;
    }

    private static void WriteRow(TextWriter writer, IEnumerable<string> cells, char separator)
    {
        bool first = true;
        foreach (string cell in cells)
        {
            if (!first)
            {
                writer.Write(separator);
            }
            CsvFile.WriteField(writer, cell, separator);
            first = false;
        }
        writer.Write('\n');
    }

    /// <summary>A column name for the text of input column <paramref name="index"/> that is not <paramref name="taken"/>.</summary>
    private static string RawName(HashSet<string> taken, int index)
    {
        string name = $"#text{index}";
        while (taken.Contains(name))
        {
            name = "#" + name;
        }
        return name;
    }
}
