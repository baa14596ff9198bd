using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using XorMlNet.Cli.Data;
using XorMlNet.Plots;
using Defaults = XorMlNet.XorMlpEstimator.Options.Defaults;

namespace XorMlNet.Cli.Commands;

/// <summary>
/// <c>xormlnet train</c>: reads a CSV file, fits Concatenate → (NormalizeMeanVariance) → XorMlp, saves the pipeline
/// with <c>mlContext.Model.Save</c> and prints its metrics on the training data.
/// </summary>
internal static class TrainCommand
{
    /// <summary>How often the trainer reports progress to the live line.</summary>
    private const int ProgressInterval = 100;

    public static Command Create(Invocation invocation)
    {
        var data = new Option<string>("--data") { Description = "The training data: a CSV file with a header row.", Required = true };
        var output = new Option<string>("--out") { Description = "The model file to write (a zip for mlContext.Model.Load).", Required = true };
        var features = new Option<string?>("--features")
        {
            Description = "Comma-separated feature columns [default: every numeric column but the label].",
        };
        // The flags that set trainer options, with their defaults and help text (TrainerFlags).
        Option[] trainerOptions = Array.ConvertAll(TrainerFlags.All, f => f.CreateOption());
        var normalize = new Option<bool>("--normalize") { Description = "Scale each feature to mean 0 and variance 1 first (saved with the model)." };
        var plot = new Option<string?>("--plot") { Description = "Also write the training loss curve to this PNG file." };
        var separator = CsvOptions.Separator();
        var progress = new Option<ProgressMode>("--progress")
        {
            Description = "Draw the live progress line: auto (when the output is a terminal), always, never.",
            DefaultValueFactory = _ => ProgressMode.Auto,
        };

        var command = new Command("train", "Train the network on a CSV file and save the ML.NET pipeline.") { data, output, features };
        foreach (Option option in trainerOptions)
        {
            command.Options.Add(option);
        }
        foreach (Option option in new Option[] { normalize, plot, separator, progress })
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, _) => CommandRunner.Run(parse, invocation, context => Train(new Request
        {
            DataPath = parse.GetRequiredValue(data),
            ModelPath = parse.GetRequiredValue(output),
            Features = parse.GetValue(features),
            Normalize = parse.GetValue(normalize),
            PlotPath = parse.GetValue(plot),
            Separator = parse.GetValue(separator),
            LiveProgress = parse.GetValue(progress) switch
            {
                ProgressMode.Always => true,
                ProgressMode.Never => false,
                _ => invocation.Terminal,
            },
            Options = TrainerOptions(parse, trainerOptions, invocation.Interruption.Token),
        }, context)));
        return command;
    }

    /// <summary>The trainer options the command line gives: each flag's value, or its option's default.</summary>
    internal static XorMlpEstimator.Options TrainerOptions(ParseResult parse, Option[] trainerOptions, CancellationToken cancellationToken)
    {
        var options = new XorMlpEstimator.Options { ProgressInterval = ProgressInterval, CancellationToken = cancellationToken };
        for (int i = 0; i < TrainerFlags.All.Length; i++)
        {
            TrainerFlags.All[i].Apply(parse, trainerOptions[i], options);
        }
        return options;
    }

    /// <summary>When <c>train</c> draws its live progress line.</summary>
    public enum ProgressMode
    {
        /// <summary>When the output is a terminal.</summary>
        Auto,

        /// <summary>Always, even into a file or a pipe.</summary>
        Always,

        /// <summary>Never.</summary>
        Never,
    }

    private sealed class Request
    {
        public required string DataPath { get; init; }
        public string Label => Options.LabelColumnName;
        public required string ModelPath { get; init; }
        public string? Features { get; init; }
        public bool Normalize { get; init; }
        public string? PlotPath { get; init; }
        public string? Separator { get; init; }
        public bool LiveProgress { get; init; }
        public required XorMlpEstimator.Options Options { get; init; }
    }

    private static void Train(Request request, RunContext context)
    {
        TextWriter output = context.Output;
        context.Phase = "checking the options";
        InputFile[] inputs = [new("--data", request.DataPath)];
        OutputPath.Check(request.ModelPath, "--out", "model", inputs);
        if (request.PlotPath is not null)
        {
            OutputPath.Check(request.PlotPath, "--plot", "loss curve", [.. inputs, new("--out", request.ModelPath)]);
        }
        char? separator = CsvOptions.ParseSeparator(request.Separator);

        context.Phase = $"reading '{request.DataPath}'";
        CsvFile csv = CsvFile.Open(request.DataPath, separator);
        int labelIndex = csv.RequireColumn(request.Label, "label");
        int[]? namedFeatures = request.Features is null ? null : NamedFeatures(csv, request.Features, labelIndex);
        CsvScan scan = CsvScan.Run(csv, context.Token);
        int[] featureIndices = namedFeatures ?? Enumerable.Range(0, csv.Header.Count).Where(i => i != labelIndex && scan[i].LooksNumeric).ToArray();
        if (featureIndices.Length == 0)
        {
            throw new CliError($"'{csv.Path}' has no numeric column besides the label '{request.Label}' to learn from; its columns are {CsvFile.ListColumns(csv.Header)}.");
        }
        foreach (int index in featureIndices)
        {
            scan.RequireNumbers(index, "feature");
        }
        DataKind labelKind = scan.LabelKind(labelIndex);

        // The features are read as one vector column: ML.NET's way with many columns, and what keeps the saved schema
        // small (ML.NET saves each scalar column of a schema with buffers of its own: gigabytes for 100,000 columns).
        var mlContext = new MLContext(seed: 0);
        string featureColumn = request.Label == Defaults.FeatureColumnName ? Defaults.FeatureColumnName + "_1" : Defaults.FeatureColumnName;
        IDataView data = scan.Load(mlContext, [CsvScan.Vector(featureColumn, featureIndices), new TextLoader.Column(request.Label, labelKind, labelIndex)]);
        string[] featureNames = featureIndices.Select(i => csv.Header[i]).ToArray();

        XorMlpEstimator.Options options = request.Options;
        options.FeatureColumnName = featureColumn;
        var progressLine = new ProgressLine(output);
        if (request.LiveProgress)
        {
            options.Progress = progressLine.Report;
        }
        XorMlpEstimator trainer = CreateTrainer(mlContext, options);
        EstimatorChain<XorMlpTransformer> pipeline = request.Normalize
            ? mlContext.Transforms.NormalizeMeanVariance(featureColumn).Append(trainer)
            : new EstimatorChain<ITransformer>().Append(trainer);

        string separatorNote = csv.Separator == ',' ? "" : $" (separator: {csv.SeparatorName})";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Training a {featureNames.Length}→{options.HiddenLayerSize}→1 network on '{csv.Path}': {scan.RowCount} rows{separatorNote}, " +
            $"features {CsvFile.ListColumns(featureNames)}{(request.Normalize ? " (normalized)" : "")}, label '{request.Label}' ({labelKind})."));
        var used = new HashSet<int>(featureIndices) { labelIndex };
        string[] unused = Enumerable.Range(0, csv.Header.Count).Where(i => !used.Contains(i)).Select(i => csv.Header[i]).ToArray();
        if (unused.Length > 0)
        {
            output.WriteLine($"Not used: {CsvFile.ListColumns(unused)}{(namedFeatures is null ? " (not numeric)" : "")}.");
        }

        // The trainer's warnings (rows skipped, a model that ended saturated or worse than it started, ...) are shown as they come.
        WarningRelay.Attach(mlContext, message => progressLine.Interrupt(() => context.Warn(message)));

        context.Phase = "training";
        var clock = Stopwatch.StartNew();
        TransformerChain<XorMlpTransformer> model;
        try
        {
            model = pipeline.Fit(data);
        }
        catch (TrainingDivergedException ex) when (!context.Token.IsCancellationRequested)
        {
            string option = TrainerFlags.FlagOf(ex.OptionName) ?? $"the trainer option {ex.OptionName}";
            throw new CliError($"Training on '{csv.Path}' diverged ({option} is the likely cause): {Messages.OneLine(ex)}");
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException && !context.Token.IsCancellationRequested)
        {
            throw new CliError($"Training on '{csv.Path}' failed: {Messages.OneLine(ex)}");
        }
        finally
        {
            progressLine.Clear();
        }
        XorMlpModelParameters network = model.LastTransformer.Model;
        output.WriteLine(Summary(network, clock.Elapsed));

        context.Phase = "measuring the model on the training data";
        IDataView scored = model.Transform(data);
        TrainingFit fit = TrainingFit.Measure(scored, request.Label, context.Token);
        CalibratedBinaryClassificationMetrics? metrics = null;
        if (fit.SingleClass)
        {
            context.Warn($"every row of '{csv.Path}' has the label {fit.MajorityClass.ToString().ToLowerInvariant()} in '{request.Label}': " +
                "with a single class, AUC (and F1 and log-loss) are undefined; only the accuracy is shown.");
        }
        else
        {
            if (fit.Accuracy <= fit.MajorityRate)
            {
                string accuracy = fit.Accuracy.ToString("P1", CultureInfo.InvariantCulture);
                string majority = fit.MajorityRate.ToString("P1", CultureInfo.InvariantCulture);
                throw new CliError(
                    $"The fitted model is no better than always predicting the majority class on '{csv.Path}': accuracy {accuracy}, " +
                    $"and predicting {fit.MajorityClass.ToString().ToLowerInvariant()} for every row scores {majority}. Nothing was written; " +
                    "try --normalize, another --learning-rate, more --hidden units or more --epochs.");
            }
            metrics = MetricsReport.Evaluate(mlContext, scored, request.Label, csv.Path);
        }

        context.ThrowIfStopped();
        context.Phase = "saving the model";
        using var modelFile = new PendingFile(request.ModelPath, "--out", "model");
        DataViewSchema inputSchema = ModelFile.InputSchema(featureColumn, featureNames, request.Label, data.Schema[request.Label].Type);
        modelFile.Write(stream => mlContext.Model.Save(model, inputSchema, stream));
        context.ThrowIfStopped();

        using var plotFile = request.PlotPath is null ? null : new PendingFile(request.PlotPath, "--plot", "loss curve");
        if (plotFile is not null)
        {
            context.Phase = "drawing the loss curve";
            try
            {
                plotFile.Write(stream => XorPlots.LossCurve(network.TrainingLossHistory, network.ValidationLossHistory, stream));
            }
            catch (ArgumentException ex)
            {
                throw new CliError($"Cannot draw the loss curve for '{request.PlotPath}' (--plot): {Messages.OneLine(ex)}");
            }
            context.ThrowIfStopped();
        }

        // The last check: from here on both files are moved into place and the command finishes.
        context.ThrowIfStopped();
        plotFile?.Commit();
        modelFile.Commit();
        output.WriteLine($"Saved the model to '{request.ModelPath}'.");
        output.WriteLine("Metrics on the training data:");
        if (metrics is null)
        {
            MetricsReport.WriteAccuracy(output, fit.Accuracy);
        }
        else
        {
            MetricsReport.WriteMetrics(output, metrics);
        }
        if (request.PlotPath is not null)
        {
            output.WriteLine($"Wrote the loss curve to '{request.PlotPath}'.");
        }
    }

    /// <summary>The columns named by --features: each in the header, once, and not the label.</summary>
    private static int[] NamedFeatures(CsvFile csv, string list, int labelIndex)
    {
        string[] names = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0)
        {
            throw new CliError("--features names no column; give a comma-separated list such as --features x1,x2.");
        }
        var indices = new List<int>(names.Length);
        var seen = new HashSet<int>();
        foreach (string name in names)
        {
            int index = csv.RequireColumn(name, "feature");
            if (index == labelIndex)
            {
                throw new CliError($"--features names the label column '{name}'; a column cannot be both.");
            }
            if (!seen.Add(index))
            {
                throw new CliError($"--features names the column '{name}' twice.");
            }
            indices.Add(index);
        }
        return indices.ToArray();
    }

    /// <summary>The trainer, or the option that the trainer rejected, by its command-line name.</summary>
    private static XorMlpEstimator CreateTrainer(MLContext mlContext, XorMlpEstimator.Options options)
    {
        try
        {
            return mlContext.BinaryClassification.Trainers.XorMlp(options);
        }
        catch (ArgumentException ex)
        {
            string? flag = TrainerFlags.FlagOf(ex.ParamName) ?? ex.ParamName;
            object? value = (ex as ArgumentOutOfRangeException)?.ActualValue;
            string prefix = flag is null ? "" : value is null ? $"{flag}: " : string.Create(CultureInfo.InvariantCulture, $"{flag} {value}: ");
            throw new CliError(prefix + Messages.OneLine(ex));
        }
    }

    private static string Summary(XorMlpModelParameters network, TimeSpan elapsed)
    {
        string reason = network.StopReason switch
        {
            StopReason.LossToleranceReached => "the training loss fell below the tolerance",
            StopReason.EarlyStopping => "the validation loss stopped improving; the best weights were kept",
            StopReason.MaximumEpochs => "the epoch limit",
            StopReason.NoImprovement => "it did not learn; see the warning",
            StopReason.ConstantOutput => "it gives every row the same probability; see the warning",
            _ => network.StopReason.ToString(),
        };
        string restarts = network.Restarts switch
        {
            0 => "",
            1 => ", 1 restart",
            int n => $", {n} restarts",
        };
        string validation = network.ValidationLossHistory.Count == 0 ? ""
            : network.StopReason == StopReason.EarlyStopping
                ? string.Create(CultureInfo.InvariantCulture, $", best validation loss {network.ValidationLossHistory.Min():G4}")
                : string.Create(CultureInfo.InvariantCulture, $", validation loss {network.ValidationLossHistory[^1]:G4}");
        return string.Create(CultureInfo.InvariantCulture,
            $"Stopped after {network.EpochsRun} epochs ({reason}){restarts}: training loss {network.TrainingLossHistory[^1]:G4}{validation}; {elapsed.TotalSeconds:F1} s.");
    }
}
