using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using XorMlNet.Network;
using XorMlNet.Training;

namespace XorMlNet;

/// <summary>
/// ML.NET binary-classification trainer for the notebook's two-layer sigmoid network (d → H → 1, mean squared
/// error, backpropagation). Fits a known-size <see cref="float"/> vector <c>Features</c> column against a
/// <see cref="bool"/> label (or a <see cref="float"/> label in [0, 1]) and returns an <see cref="XorMlpTransformer"/>
/// producing <c>Score</c> (Z2), <c>Probability</c> (σ(Z2)) and <c>PredictedLabel</c> (Probability &gt; 0.5).
/// </summary>
/// <remarks>
/// Create it with <c>mlContext.BinaryClassification.Trainers.XorMlp(...)</c> or directly. Every option is checked
/// here, once, so a bad value fails when the pipeline is built rather than deep inside <c>Fit</c>.
/// The same options and <see cref="Options.Seed"/> give bit-identical weights on every fit.
/// </remarks>
public sealed partial class XorMlpEstimator : TrainerEstimatorBase<XorMlpTransformer, XorMlpModelParameters>, IEstimator<XorMlpTransformer>
{
    internal const string LoadName = "XorMlp";

    private static readonly TrainerInfo TrainerInfo = new(normalization: true, calibration: false, caching: false, supportValid: true);

    private readonly Options _options;

    /// <summary>A trainer with every option at its default; messages go to a private <see cref="MLContext"/>.</summary>
    public XorMlpEstimator()
        : this(new MLContext(), new Options())
    {
    }

    /// <summary>A trainer with the given options; messages go to a private <see cref="MLContext"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the exception names it.</exception>
    public XorMlpEstimator(Options options)
        : this(new MLContext(), options ?? throw new ArgumentNullException(nameof(options)))
    {
    }

    /// <summary>A trainer whose progress and warnings go to <paramref name="mlContext"/>'s log.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the exception names it.</exception>
    public XorMlpEstimator(MLContext mlContext, Options? options = null)
        : this((IHostEnvironment)(mlContext ?? throw new ArgumentNullException(nameof(mlContext))), options ?? new Options())
    {
    }

    internal XorMlpEstimator(IHostEnvironment env, Options options)
        : base(Contracts.CheckRef(env, nameof(env)).Register(LoadName),
            TrainerUtils.MakeR4VecFeature(Validate(options).FeatureColumnName),
            TrainerUtils.MakeBoolScalarLabel(options.LabelColumnName))
    {
        _options = options.Clone();
        TrainingCompilation.Start(_options.Solver, _options.L2Regularization > 0, FormatProgressAhead);
        TrainingCompilation.StartProgress(_options.Progress);
    }

    /// <summary>What ML.NET needs to know about this trainer: it supports validation data and needs no calibration.</summary>
    public override TrainerInfo Info => TrainerInfo;

    /// <inheritdoc/>
    protected override PredictionKind PredictionKind => PredictionKind.BinaryClassification;

    /// <summary>
    /// The input schema plus <c>Score</c>, <c>Probability</c> and <c>PredictedLabel</c>. Checks the feature and label
    /// columns first, so a pipeline with a missing or wrongly typed column fails here, before any training.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type; the message names it and the fix.</exception>
    public new SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        Host.CheckValue(inputSchema, nameof(inputSchema));
        CheckColumns(inputSchema);
        return base.GetOutputSchema(inputSchema);
    }

    /// <summary>Trains the network on <paramref name="input"/> and returns the fitted transformer.</summary>
    /// <remarks>A sparse feature column is read and trained on as compressed rows; see <see cref="Options.FeatureColumnName"/>.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type; the message names it and the fix.
    /// Or the table and the training state would not fit in the memory available: the exception, thrown before the table
    /// is read where its size is known, names HiddenLayerSize (when the network's state alone does not fit) or the feature
    /// column, and gives the size needed and the size available.</exception>
    /// <exception cref="InvalidOperationException">The data has no usable rows, or a Single label lies outside [0, 1].</exception>
    /// <exception cref="OperationCanceledException"><see cref="Options.CancellationToken"/> was cancelled, before the call or during it.</exception>
    public new XorMlpTransformer Fit(IDataView input)
    {
        _options.CancellationToken.ThrowIfCancellationRequested();
        Host.CheckValue(input, nameof(input));
        CheckColumns(SchemaShape.Create(input.Schema));
        return TrainTransformer(input);
    }

    /// <summary>
    /// Trains on <paramref name="trainData"/>, using <paramref name="validationData"/> for early stopping
    /// (see <see cref="Options"/>) and the validation loss history.
    /// </summary>
    public XorMlpTransformer Fit(IDataView trainData, IDataView validationData)
    {
        _options.CancellationToken.ThrowIfCancellationRequested();
        Host.CheckValue(trainData, nameof(trainData));
        Host.CheckValue(validationData, nameof(validationData));
        CheckColumns(SchemaShape.Create(trainData.Schema));
        CheckColumns(SchemaShape.Create(validationData.Schema));
        return TrainTransformer(trainData, validationData);
    }

    private void CheckColumns(SchemaShape schema)
    {
        SchemaChecks.CheckFeatures(schema, FeatureColumn.Name);
        SchemaChecks.CheckLabel(schema, LabelColumn.Name);
    }

    /// <inheritdoc/>
    protected override void CheckLabelCompatible(SchemaShape.Column labelCol) => SchemaChecks.CheckLabel(labelCol, LabelColumn.Name);

    /// <inheritdoc/>
    protected override SchemaShape.Column[] GetOutputColumnsCore(SchemaShape inputSchema) =>
    [
        new(DefaultColumnNames.Score, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single, false,
            new SchemaShape(AnnotationUtils.GetTrainerOutputAnnotation())),
        new(DefaultColumnNames.Probability, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single, false,
            new SchemaShape(AnnotationUtils.GetTrainerOutputAnnotation(true))),
        new(DefaultColumnNames.PredictedLabel, SchemaShape.Column.VectorKind.Scalar, BooleanDataViewType.Instance, false,
            new SchemaShape(AnnotationUtils.GetTrainerOutputAnnotation())),
    ];

    /// <inheritdoc/>
    protected override XorMlpTransformer MakeTransformer(XorMlpModelParameters model, DataViewSchema trainSchema)
        => new(Host, model, trainSchema, FeatureColumn.Name, LabelColumn.Name);

    /// <inheritdoc/>
    protected override XorMlpModelParameters TrainModelCore(TrainContext trainContext)
    {
        Host.CheckValue(trainContext, nameof(trainContext));
        using IChannel channel = Host.Start("Training");
        long? knownRows = trainContext.TrainingSet.Data.GetRowCount();
        bool validates = trainContext.ValidationSet is not null || _options.ValidationFraction > 0;
        TrainingCompilation.StartForTable(knownRows, _options.BatchSize, validates, _options.MayUseL2(knownRows));

        TrainingSettings sizing = _options.ToTrainingSettings(progress: null);
        long validationRows = trainContext.ValidationSet?.Data.GetRowCount() ?? 0;
        TableReader.Table train = TableReader.Read(channel, trainContext.TrainingSet, "training", _options.CancellationToken,
            checkMemory: layout => CheckMemory(layout, validationRows, 0, sizing),
            layoutChosen: sparse =>
            {
                if (sparse)
                {
                    TrainingCompilation.StartForSparse(validates);
                }
            });
        TableReader.Table validation = trainContext.ValidationSet is null
            ? TableReader.Table.Empty
            : TableReader.Read(channel, trainContext.ValidationSet, "validation", _options.CancellationToken,
                train.IsSparse ? TableReader.ReadMode.Sparse : TableReader.ReadMode.Dense,
                layout => CheckMemory(layout with { Rows = train.RowCount }, layout.Rows, train.Bytes, sizing));
        if (trainContext.ValidationSet is not null && validation.FeatureCount != train.FeatureCount)
        {
            throw Host.Except($"The validation data has {validation.FeatureCount} features in '{FeatureColumn.Name}', the training data {train.FeatureCount}.");
        }
        int batchRows = _options.BatchSize == 0 ? train.RowCount : Math.Min(_options.BatchSize, train.RowCount);
        NetworkSizes.Check(train.FeatureCount, _options.HiddenLayerSize, batchRows,
            nameof(Options.FeatureColumnName), $"the feature column '{FeatureColumn.Name}'", nameof(Options.HiddenLayerSize));
        long parameterCount = NetworkSizes.ParameterCount(train.FeatureCount, _options.HiddenLayerSize);
        if (train.IsSparse)
        {
            channel.Info($"Reading '{FeatureColumn.Name}' as sparse rows: {train.Sparse!.NonZeroCount} non-zero values in {train.RowCount} rows of {train.FeatureCount} ({train.Sparse.Bytes / (1 << 20)} MiB).");
        }

        float[] offset = [], scale = [];
        bool standardize = _options.NormalizeFeatures switch
        {
            FeatureNormalization.Yes => true,
            FeatureNormalization.No => false,
            _ => !trainContext.TrainingSet.Schema.Feature!.Value.IsNormalized(),
        };
        if (standardize)
        {
            if (train.Sparse is { } sparse)
            {
                (offset, scale) = FeatureScaling.ScaleOnly(sparse.Indices, sparse.Values, train.RowCount, train.FeatureCount, _options.CancellationToken);
                channel.Info($"Scaling the {train.FeatureCount} sparse features of '{FeatureColumn.Name}' by 1 / their root mean square, offset 0 so that zeros stay zero (NormalizeFeatures {_options.NormalizeFeatures}); the scales are saved in the model and applied when scoring.");
            }
            else
            {
                (offset, scale) = FeatureScaling.Standardize(train.Features, train.RowCount, train.FeatureCount, _options.CancellationToken);
                channel.Info($"Standardizing the {train.FeatureCount} features of '{FeatureColumn.Name}' (NormalizeFeatures {_options.NormalizeFeatures}); the statistics are saved in the model and applied when scoring.");
            }
            train.Standardize(offset, scale, _options.CancellationToken);
            validation.Standardize(offset, scale, _options.CancellationToken);
        }

        Options used = _options.Clone();
        used.L2Regularization = _options.ResolveL2(train.RowCount);
        used.LearningRate = _options.ResolveLearningRate();
        TrainingSettings settings = used.ToTrainingSettings(new ProgressLog(channel, _options.Progress).Report);
        TwoLayerNetwork<float> network = NetworkTrainer.CreateNetwork<float>(train.FeatureCount, _options.HiddenLayerSize, settings);
        channel.Info($"Training a {train.FeatureCount}→{_options.HiddenLayerSize}→1 network ({parameterCount} parameters) on {train.RowCount} rows for at most {_options.NumberOfEpochs} epochs.");
        TrainingResult result = train.Sparse is { } rows
            ? NetworkTrainer.Train(network, rows, train.LabelArray, validation.Sparse, validation.LabelArray, settings)
            : NetworkTrainer.Train<float>(network, train.Features, train.Labels, validation.Features, validation.Labels, settings);
        channel.Info($"Training stopped after {result.EpochsRun} epochs ({result.StopReason}, {result.Restarts} restarts); last epoch's training loss {result.FinalTrainingLoss:G6}.");
        if (result.BestEpoch != result.EpochsRun)
        {
            channel.Info($"The weights of epoch {result.BestEpoch} (loss {result.BestLoss:G6}) are kept: later epochs did worse.");
        }
        if (Failure(result, used) is string failure)
        {
            channel.Warning(failure);
        }

        // The network is Fit's own and goes out of scope here: the model takes its weights over rather than copying them.
        return new XorMlpModelParameters(Host, train.FeatureCount, _options.HiddenLayerSize, network.ParameterArray, offset, scale, result, used);
    }

    /// <summary>Each progress report as a line in ML.NET's log, then to the caller's <see cref="Options.Progress"/>.</summary>
    private sealed class ProgressLog(IChannel channel, Action<TrainingProgress>? userProgress)
    {
        public void Report(TrainingProgress progress)
        {
            channel.Info(Message(progress));
            userProgress?.Invoke(progress);
        }

        public static string Message(TrainingProgress progress) => double.IsNaN(progress.ValidationLoss)
            ? $"Epoch {progress.Epoch}: training loss {progress.TrainingLoss:G6}, elapsed {progress.Elapsed.TotalSeconds:F3} s."
            : $"Epoch {progress.Epoch}: training loss {progress.TrainingLoss:G6}, validation loss {progress.ValidationLoss:G6}, elapsed {progress.Elapsed.TotalSeconds:F3} s.";
    }

    /// <summary>
    /// The first progress report's work done ahead, on the compilation thread: <see cref="ProgressLog.Report"/> compiled
    /// and both forms of its message formatted once (a process's first formatting of a double is slow).
    /// </summary>
    private static void FormatProgressAhead()
    {
        RuntimeHelpers.PrepareMethod(typeof(ProgressLog).GetMethod(nameof(ProgressLog.Report))!.MethodHandle);
        GC.KeepAlive(ProgressLog.Message(new TrainingProgress(1, 0.25, double.NaN, TimeSpan.FromMilliseconds(1))));
        GC.KeepAlive(ProgressLog.Message(new TrainingProgress(1, 0.25, 0.25, TimeSpan.FromMilliseconds(1))));
    }

    /// <summary>
    /// Fails before the table is read (or, for the sparse layout, once its first rows are) when the table and the
    /// training state will not fit in the memory available: the table's estimated bytes (<paramref name="layout"/>),
    /// <paramref name="otherTableBytes"/> (the training table, when checking the validation one) and what the training
    /// allocates (<see cref="NetworkTrainer.TrainingBytes"/>). The exception names the feature column (whose width
    /// and rows make the table) and HiddenLayerSize, and gives both sizes.
    /// </summary>
    private void CheckMemory(TableReader.Layout layout, long validationRows, long otherTableBytes, TrainingSettings settings)
    {
        int h = _options.HiddenLayerSize;
        long parameters = NetworkSizes.ParameterCount(layout.FeatureCount, h);
        long state, needed;
        try
        {
            state = parameters > Array.MaxLength
                ? long.MaxValue
                : NetworkTrainer.TrainingBytes(layout.FeatureCount, h, layout.Rows, validationRows, layout.EstimatedBytes, layout.Sparse, settings);
            needed = checked(layout.EstimatedBytes + otherTableBytes + state);
        }
        catch (OverflowException)
        {
            state = needed = long.MaxValue;
        }
        long available = MemoryLimitBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (parameters > Array.MaxLength || state > available)
        {
            // The network and its training state alone do not fit: the layer is too wide for this many features.
            throw new ArgumentOutOfRangeException(nameof(Options.HiddenLayerSize), h,
                $"HiddenLayerSize {h} with {layout.FeatureCount} features makes a network of {parameters} parameters, " +
                $"which with its training state needs about {Mib(state)} MiB{(state == long.MaxValue ? " (more than can be counted)" : "")}; " +
                $"{Mib(available)} MiB are available. Choose a smaller HiddenLayerSize.");
        }
        if (needed > available)
        {
            throw new ArgumentOutOfRangeException(FeatureColumn.Name, layout.FeatureCount,
                $"Training needs about {Mib(needed)} MiB ({needed} bytes), but {Mib(available)} MiB ({available} bytes) are available: " +
                $"{layout.Rows} rows of the {layout.FeatureCount}-slot column '{FeatureColumn.Name}' read {(layout.Sparse ? "as sparse rows" : "densely")} " +
                $"take about {Mib(layout.EstimatedBytes + otherTableBytes)} MiB, and HiddenLayerSize {h} with BatchSize {_options.BatchSize} " +
                $"{Mib(state)} MiB of training state. Use fewer rows or slots in that column, or a smaller HiddenLayerSize.");
        }

        static string Mib(long bytes) => (bytes / (1 << 20)).ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The memory the check at Fit compares with; null for what the runtime reports as available (tests set a small one).</summary>
    internal long? MemoryLimitBytes { get; init; }

    /// <summary>The warning for a run that did not produce a useful model, naming what to change; null for a run that learnt.</summary>
    private static string? Failure(TrainingResult result, Options used)
    {
        string start = result.TrainingLoss.Count > 0 ? $"{result.TrainingLoss[0]:G4}" : "?";
        return result.StopReason switch
        {
            StopReason.NoImprovement when result.FinalTrainingLoss > result.TrainingLoss[0] =>
                $"Training did not learn: in {result.EpochsRun} epochs the training loss never went 1 % below its start ({start}) and ended at " +
                $"{result.FinalTrainingLoss:G4}; the model kept is that of epoch {result.BestEpoch} and predicts no better than at the start. " +
                $"Lower LearningRate (now {used.LearningRate} with {used.Solver}) or InitialWeightScale (now {used.InitialWeightScale}), " +
                $"or standardize the features (NormalizeFeatures, now {used.NormalizeFeatures}).",
            StopReason.NoImprovement =>
                $"Training did not learn: in {result.EpochsRun} epochs the training loss never went 1 % below its start ({start}) or the loss of always predicting the base rate; " +
                $"the model predicts no better than at the start. Train for more epochs (NumberOfEpochs, now {used.NumberOfEpochs}), " +
                $"try another Solver (now {used.Solver}) or LearningRate (now {used.LearningRate}), or standardize the features " +
                $"(NormalizeFeatures, now {used.NormalizeFeatures}).",
            StopReason.ConstantOutput =>
                $"The trained model gives every training row the same probability, so it predicts one class: its hidden units are saturated " +
                $"or the features are too small or too alike to move them. Standardize the features (NormalizeFeatures, now {used.NormalizeFeatures}), " +
                $"or lower LearningRate (now {used.LearningRate}) or InitialWeightScale (now {used.InitialWeightScale}).",
            _ => null,
        };
    }

    private static Options Validate(Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }
}
