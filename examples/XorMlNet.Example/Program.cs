// XorMlNet example: the notebook's XOR network, trained and scored through an ordinary ML.NET pipeline.
//
//   dotnet run --project examples/XorMlNet.Example                      train, evaluate, save xor-model.zip, reload, score
//   dotnet run --project examples/XorMlNet.Example -- --score MODEL.zip   only load MODEL.zip in this fresh process and score
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using XorMlNet;
using XorMlNet.Plots;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

return args switch
{
    [] => XorExample.TrainSaveReloadAndScore("xor-model.zip"),
    ["--score", string path] => XorExample.LoadAndScore(path),
    _ => XorExample.Usage(),
};

/// <summary>The example's one scenario, in the shape of ML.NET's samples.</summary>
internal static class XorExample
{
    /// <summary>The four rows of the XOR truth table.</summary>
    private static readonly XorRow[] Table =
    [
        new() { X1 = 0, X2 = 0, Label = false },
        new() { X1 = 1, X2 = 0, Label = true },
        new() { X1 = 0, X2 = 1, Label = true },
        new() { X1 = 1, X2 = 1, Label = false },
    ];

    /// <summary>Two rows off the grid, to see what the network does between the corners.</summary>
    private static readonly XorRow[] OffGrid =
    [
        new() { X1 = 0.9f, X2 = 0.1f },
        new() { X1 = 0.9f, X2 = 0.9f },
    ];

    private static bool IsOffGrid(XorPrediction p) => p.X1 is not (0 or 1) || p.X2 is not (0 or 1);

    public static int TrainSaveReloadAndScore(string modelPath)
    {
        var mlContext = new MLContext(seed: 0);
        IDataView data = mlContext.Data.LoadFromEnumerable(Table);

        // The progress line is redrawn in place (carriage return): only for a terminal, not for a file or a pipe.
        bool terminal = !Console.IsOutputRedirected;
        var options = new XorMlpEstimator.Options
        {
            ProgressInterval = 50,
            Progress = terminal ? p => Console.Write($"\rEpoch {p.Epoch,7}  training loss {p.TrainingLoss:F6}  {p.Elapsed.TotalMilliseconds,6:F0} ms") : null,
        };
        var pipeline = mlContext.Transforms.Concatenate("Features", nameof(XorRow.X1), nameof(XorRow.X2))
            .Append(mlContext.BinaryClassification.Trainers.XorMlp(options));

        Console.WriteLine("Training the 2-2-1 sigmoid network on XOR...");
        TransformerChain<XorMlpTransformer> model = pipeline.Fit(data);
        XorMlpModelParameters network = model.LastTransformer.Model;
        if (terminal)
        {
            Console.WriteLine();
        }
        Console.WriteLine($"Stopped after {network.EpochsRun} epochs ({network.StopReason}), final training loss {network.TrainingLossHistory[^1]:F6}.");
        Console.WriteLine();

        IDataView scored = model.Transform(data);
        PrintTable("Scored by the fitted pipeline:", mlContext.Data.CreateEnumerable<XorPrediction>(scored, reuseRowObject: false));

        CalibratedBinaryClassificationMetrics metrics = mlContext.BinaryClassification.Evaluate(scored);
        Console.WriteLine($"Evaluate: accuracy {metrics.Accuracy:P0}, AUC {metrics.AreaUnderRocCurve:F2}");
        Console.WriteLine();

        XorPlots.LossCurve(network.TrainingLossHistory, network.ValidationLossHistory, "xor-loss.png");
        Console.WriteLine("Wrote the training loss curve to xor-loss.png.");
        PredictionEngine<XorRow, XorPrediction> engine = mlContext.Model.CreatePredictionEngine<XorRow, XorPrediction>(model);
        XorPlots.DecisionBoundary((x1, x2) => engine.Predict(new XorRow { X1 = x1, X2 = x2 }).Probability,
            Table.Select(row => (row.X1, row.X2, row.Label)), "xor-boundary.png");
        Console.WriteLine("Wrote the decision boundary to xor-boundary.png.");
        Console.WriteLine();

        SaveAtomically(mlContext, model, data.Schema, modelPath);
        Console.WriteLine($"Saved the pipeline to {modelPath}.");
        return LoadAndScore(modelPath);
    }

    public static int LoadAndScore(string modelPath)
    {
        var mlContext = new MLContext(seed: 0);
        ITransformer loaded;
        try
        {
            if (!IsZip(modelPath))
            {
                Console.Error.WriteLine($"Cannot load the model '{modelPath}': it is not a model file (a model is the zip archive that mlContext.Model.Save writes).");
                return 2;
            }
            loaded = mlContext.Model.Load(modelPath, out _);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or FormatException or InvalidOperationException)
        {
            // ML.NET wraps a loader's exception once per nesting level; the innermost one says what is wrong.
            Console.Error.WriteLine($"Cannot load the model '{modelPath}': {ex.GetBaseException().Message}");
            return 2;
        }

        Console.WriteLine($"Reloaded {modelPath} in a new MLContext: its last transformer is {LastTransformer(loaded)?.GetType().Name ?? "not an XorMlpTransformer"}.");
        PredictionEngine<XorRow, XorPrediction> engine = mlContext.Model.CreatePredictionEngine<XorRow, XorPrediction>(loaded);
        PrintTable("Scored by a PredictionEngine on the reloaded model:", Table.Concat(OffGrid).Select(row => Predict(engine, row)));
        return 0;
    }

    public static int Usage()
    {
        Console.Error.WriteLine("usage: XorMlNet.Example [--score MODEL.zip]");
        return 1;
    }

    /// <summary>Whether the file starts as a zip archive does; a missing file throws and is reported like any other load failure.</summary>
    private static bool IsZip(string path)
    {
        using FileStream stream = File.OpenRead(path);
        Span<byte> signature = stackalloc byte[4];
        return stream.ReadAtLeast(signature, 4, throwOnEndOfStream: false) == 4 && signature is [(byte)'P', (byte)'K', 3 or 5, 4 or 6];
    }

    /// <summary>
    /// Writes the model next to its destination first (one temporary name per destination, so a crashed run's file is
    /// replaced rather than piled up), flushes it to disk, then moves it into place: a crash mid-save never leaves a
    /// truncated model.
    /// </summary>
    private static void SaveAtomically(MLContext mlContext, ITransformer model, DataViewSchema schema, string path)
    {
        string fullPath = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                mlContext.Model.Save(model, schema, stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static XorMlpTransformer? LastTransformer(ITransformer model)
        => model is TransformerChain<ITransformer> chain ? chain.LastTransformer as XorMlpTransformer : model as XorMlpTransformer;

    private static XorPrediction Predict(PredictionEngine<XorRow, XorPrediction> engine, XorRow row)
    {
        XorPrediction prediction = engine.Predict(row);
        prediction.X1 = row.X1;
        prediction.X2 = row.X2;
        prediction.Label = row.Label;
        return prediction;
    }

    private static void PrintTable(string title, IEnumerable<XorPrediction> rows)
    {
        Console.WriteLine(title);
        Console.WriteLine("   X1    X2  Label     Score  Probability  PredictedLabel");
        foreach (XorPrediction p in rows)
        {
            string label = IsOffGrid(p) ? "-" : p.Label ? "1" : "0";
            Console.WriteLine($"{p.X1,5:0.0} {p.X2,5:0.0}  {label,5} {p.Score,9:F4} {p.Probability,12:F4}  {p.PredictedLabel,14}");
        }
        Console.WriteLine();
    }
}

/// <summary>One row of the input table.</summary>
internal sealed class XorRow
{
    public float X1 { get; set; }
    public float X2 { get; set; }
    public bool Label { get; set; }
}

/// <summary>A row with the columns the trainer adds.</summary>
internal sealed class XorPrediction
{
    public float X1 { get; set; }
    public float X2 { get; set; }
    public bool Label { get; set; }
    public float Score { get; set; }
    public float Probability { get; set; }
    public bool PredictedLabel { get; set; }
}
