using System.CommandLine;
using Microsoft.ML;
using Microsoft.ML.Data;
using XorMlNet.Cli.Data;

namespace XorMlNet.Cli.Commands;

/// <summary><c>xormlnet evaluate</c>: scores a labelled CSV file with a saved model and prints its metrics and confusion matrix.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The model file written by 'xormlnet train'.", Required = true };
        var data = new Option<string>("--data") { Description = "The test data: a CSV file with a header row, the model's columns and a label.", Required = true };
        var label = new Option<string>("--label")
        {
            Description = "The label column: 0/1, true/false, or a probability in [0, 1].",
            DefaultValueFactory = _ => XorMlpEstimator.Options.Defaults.LabelColumnName,
        };
        var command = new Command("evaluate", "Print accuracy, AUC, F1, log-loss and the confusion matrix of a model on labelled data.")
        {
            model, data, label,
        };
        command.SetAction((parse, _) => CommandRunner.Run(parse, writer =>
            Evaluate(parse.GetRequiredValue(model), parse.GetRequiredValue(data), parse.GetRequiredValue(label), writer)));
        return command;
    }

    private static void Evaluate(string modelPath, string dataPath, string label, TextWriter output)
    {
        var mlContext = new MLContext(seed: 0);
        (ITransformer model, DataViewSchema inputSchema) = ModelFile.Load(mlContext, modelPath);
        DataViewSchema.Column[] required = ModelFile.RequiredColumns(model, inputSchema);

        CsvFile csv = CsvFile.Open(dataPath);
        int labelIndex = csv.RequireColumn(label, "label");
        ModelFile.CheckPresent(modelPath, required, csv);
        CsvScan scan = CsvScan.Run(csv);
        List<TextLoader.Column> columns = ModelFile.InputColumns(modelPath, required, scan);
        if (!columns.Any(c => c.Name == label))
        {
            columns.Add(new TextLoader.Column(label, scan.LabelKind(labelIndex), labelIndex));
        }
        IDataView scored = ModelFile.Score(model, scan.Load(mlContext, columns), modelPath, dataPath);

        CalibratedBinaryClassificationMetrics metrics = MetricsReport.Evaluate(mlContext, scored, label, dataPath);
        output.WriteLine($"Metrics of '{modelPath}' on '{dataPath}' ({scan.RowCount} rows, label '{label}'):");
        MetricsReport.WriteMetrics(output, metrics);
        MetricsReport.WriteConfusionMatrix(output, metrics);
    }
}
