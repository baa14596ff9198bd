using System.CommandLine;
using Microsoft.ML;
using Microsoft.ML.Data;
using XorMlNet.Cli.Data;

namespace XorMlNet.Cli.Commands;

/// <summary><c>xormlnet evaluate</c>: scores a labelled CSV file with a saved model and prints its metrics and confusion matrix.</summary>
internal static class EvaluateCommand
{
    public static Command Create(Invocation invocation)
    {
        var model = new Option<string>("--model") { Description = "The model file written by 'xormlnet train'.", Required = true };
        var data = new Option<string>("--data") { Description = "The test data: a CSV file with a header row, the model's feature columns and a label.", Required = true };
        var label = new Option<string?>("--label")
        {
            Description = "The label column: 0/1, true/false, or a probability in [0, 1] [default: the model's label column].",
        };
        var separator = CsvOptions.Separator();
        var command = new Command("evaluate", "Print accuracy, AUC, F1, log-loss and the confusion matrix of a model on labelled data.")
        {
            model, data, label, separator,
        };
        command.SetAction((parse, _) => CommandRunner.Run(parse, invocation, context =>
            Evaluate(parse.GetRequiredValue(model), parse.GetRequiredValue(data), parse.GetValue(label), parse.GetValue(separator), context)));
        return command;
    }

    private static void Evaluate(string modelPath, string dataPath, string? labelOption, string? separatorOption, RunContext context)
    {
        char? separator = CsvOptions.ParseSeparator(separatorOption);
        var mlContext = new MLContext(seed: 0);
        context.Phase = $"loading '{modelPath}'";
        ModelFile model = ModelFile.Load(mlContext, modelPath);
        string label = labelOption ?? model.Label?.Name
            ?? throw new CliError($"The model '{modelPath}' does not name its label column; give it with --label.");

        context.Phase = $"reading '{dataPath}'";
        CsvFile csv = CsvFile.Open(dataPath, separator);
        int labelIndex = csv.RequireColumn(label, "label");
        int[] featureIndices = model.FeatureIndices(csv);
        CsvScan scan = CsvScan.Run(csv, context.Token);
        foreach (int index in featureIndices)
        {
            scan.RequireNumbers(index, "feature");
        }
        DataKind labelKind = scan.LabelKind(labelIndex);
        IDataView scored = model.Score(
            scan.Load(mlContext, [CsvScan.Vector(model.FeatureColumn, featureIndices), new TextLoader.Column(label, labelKind, labelIndex)]), dataPath);

        context.Phase = "evaluating";
        CalibratedBinaryClassificationMetrics metrics = MetricsReport.Evaluate(mlContext, scored, label, dataPath);
        context.ThrowIfStopped();
        context.Output.WriteLine($"Metrics of '{modelPath}' on '{dataPath}' ({scan.RowCount} rows, label '{label}'):");
        MetricsReport.WriteMetrics(context.Output, metrics);
        MetricsReport.WriteConfusionMatrix(context.Output, metrics);
    }
}
