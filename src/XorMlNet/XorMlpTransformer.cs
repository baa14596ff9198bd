using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using XorMlNet;
using XorMlNet.Persistence;

[assembly: LoadableClass(typeof(XorMlpTransformer), typeof(XorMlpTransformer), null, typeof(SignatureLoadModel),
    "XorMlp prediction transformer", XorMlpTransformer.LoaderSignature)]

namespace XorMlNet;

/// <summary>
/// The fitted trainer, as ML.NET's binary classifiers are: appends <c>Score</c> (<see cref="float"/>, the output
/// pre-activation Z2), <c>Probability</c> (<see cref="float"/>, σ(Z2)) and <c>PredictedLabel</c>
/// (<see cref="bool"/>, Score &gt; 0, i.e. Probability &gt; 0.5) with ML.NET's score-column annotations, so that
/// <c>BinaryClassification.Evaluate</c>, <c>PermutationFeatureImportance</c> and <c>PredictionEngine</c> work on it.
/// Saved and loaded by <c>mlContext.Model.Save</c>/<c>Load</c> like a built-in transformer.
/// </summary>
public sealed class XorMlpTransformer : SingleFeaturePredictionTransformerBase<XorMlpModelParameters>, ITransformer
{
    internal const string LoaderSignature = "XorMlpPredXfer";
    private const string ModelSignature = "XORMLP T";
    private const uint FormatVersion1 = 0x00010001;
    private const string ModelDirectory = "Model";
    private const string TrainSchemaDirectory = "TrainSchema";
    private const int ModelBlockSize = 2 * sizeof(int);

    internal XorMlpTransformer(IHostEnvironment env, XorMlpModelParameters model, DataViewSchema trainSchema,
        string featureColumnName, string labelColumnName)
        : base(Contracts.CheckRef(env, nameof(env)).Register(nameof(XorMlpTransformer)), model, trainSchema, featureColumnName)
    {
        LabelColumnName = labelColumnName;
        Scorer = CreateScorer();
    }

    /// <summary>Loading: <paramref name="model"/> was loaded (and validated) by <see cref="Create"/>.</summary>
    private XorMlpTransformer(IHostEnvironment env, ModelLoadContext ctx, XorMlpModelParameters model, string entry)
        : base(Contracts.CheckRef(env, nameof(env)).Register(nameof(XorMlpTransformer)), ctx, model)
    {
        // *** Binary format (after the base's: TrainSchema entry, feature column name) ***
        // string id: label column name used at training (or none)
        LabelColumnName = ctx.LoadStringOrNull();
        if (FeatureColumnType is not VectorDataViewType { ItemType: NumberDataViewType } vector
            || vector.ItemType != NumberDataViewType.Single || vector.Size != model.InputSize)
        {
            throw LoadErrors.Corrupt(env, "transformer", entry,
                $"its feature column '{FeatureColumnName}' is {FeatureColumnType} in its training schema, but its model takes a vector of {model.InputSize} Single");
        }
        if (LabelColumnName is { } label && !TrainSchema.TryGetColumnIndex(label, out _))
        {
            throw LoadErrors.Corrupt(env, "transformer", entry, $"its label column '{label}' is not in its training schema");
        }
        Scorer = CreateScorer();
    }

    /// <summary>Name of the label column the model was trained with (ML.NET's evaluators look for it by default).</summary>
    public string? LabelColumnName { get; }

    /// <summary>The input schema plus Score, Probability and PredictedLabel.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing, of the wrong type, or of another length than at training.</exception>
    public new DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        Host.CheckValue(inputSchema, nameof(inputSchema));
        SchemaChecks.CheckScoringFeatures(inputSchema, FeatureColumnName, Model.InputSize);
        return base.GetOutputSchema(inputSchema);
    }

    /// <summary>
    /// Scores <paramref name="input"/> lazily: rows are computed as a cursor reads them, by <see cref="XorMlpRowMapper"/>
    /// (ML.NET's scorer's schema and values, without its per-row overhead; the base class's Transform, reached through a
    /// <c>PredictionTransformerBase</c> reference, still returns the scorer itself). The result exports to ONNX as the
    /// scorer does (docs/onnx.md).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing, of the wrong type, or of another length than at training.</exception>
    public new IDataView Transform(IDataView input)
    {
        Host.CheckValue(input, nameof(input));
        SchemaChecks.CheckScoringFeatures(input.Schema, FeatureColumnName, Model.InputSize);
        IDataView scorer = Scorer.ApplyToData(Host, input);
        return scorer is IDataTransform transform && CreateMapper(scorer) is XorMlpRowMapper mapper
            ? new XorMlpScoredDataView(input, mapper, transform)
            : scorer;
    }

    /// <summary>
    /// The mapper behind <c>PredictionEngine</c>: the scorer's schema, with rows computed by <see cref="XorMlpRowMapper"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing, of the wrong type, or of another length than at training.</exception>
    IRowToRowMapper ITransformer.GetRowToRowMapper(DataViewSchema inputSchema)
    {
        Host.CheckValue(inputSchema, nameof(inputSchema));
        SchemaChecks.CheckScoringFeatures(inputSchema, FeatureColumnName, Model.InputSize);
        return CreateMapper(Scorer.ApplyToData(Host, new EmptyDataView(Host, inputSchema)));
    }

    /// <summary>Our row mapper over <paramref name="scorer"/> (ML.NET's scorer applied to a checked input): see <see cref="XorMlpRowMapper.Create"/>.</summary>
    private IRowToRowMapper CreateMapper(IDataView scorer)
        => XorMlpRowMapper.Create((IRowToRowMapper)scorer, Model, FeatureColumnName);

    /// <summary>
    /// The loader ML.NET finds through the <see cref="LoadableClassAttribute"/> above. Checks this entry's version and
    /// model block, loads the model parameters from the <c>Model</c> sub-entry, then the base class's training schema
    /// and column names, and checks them against the model. Every failure of ours, or of ML.NET code on our entries'
    /// content, is an <see cref="InvalidDataException"/> naming the entry and the problem (docs/model-format.md).
    /// </summary>
    internal static XorMlpTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        Contracts.CheckValue(env, nameof(env));
        env.CheckValue(ctx, nameof(ctx));
        string entry = LoadErrors.EntryName(ctx);
        LoadErrors.CheckVersion(env, ctx, GetVersionInfo(), "transformer", entry);
        CheckModelBlock(env, ctx, entry);

        XorMlpModelParameters model;
        try
        {
            ctx.LoadModel<XorMlpModelParameters, SignatureLoadModel>(env, out model, ModelDirectory);
        }
        catch (Exception ex)
        {
            LoadErrors.RethrowDescribed(env, ex, "transformer", entry, $"loading its model parameters from '{entry}/{ModelDirectory}'");
            throw;
        }

        try
        {
            return new XorMlpTransformer(env, ctx, model, entry);
        }
        catch (Exception ex)
        {
            LoadErrors.RethrowDescribed(env, ex, "transformer", entry,
                $"reading its training schema ('{entry}/{TrainSchemaDirectory}') and column names");
            throw;
        }
    }

    /// <summary>
    /// Checks, before any of it is used, that this entry's model block is the two string ids it should be and that
    /// both ids are in the entry's string table (ML.NET would otherwise fail on them without a message).
    /// </summary>
    private static void CheckModelBlock(IHostEnvironment env, ModelLoadContext ctx, string entry)
    {
        if (ctx.Header.CbModel != ModelBlockSize)
        {
            throw LoadErrors.Corrupt(env, "transformer", entry, $"its model block holds {ctx.Header.CbModel} bytes, expected {ModelBlockSize}");
        }
        long start = ctx.Reader.BaseStream.Position;
        int featureId = ctx.Reader.ReadInt32();
        int labelId = ctx.Reader.ReadInt32();
        ctx.Reader.BaseStream.Position = start;
        int strings = ctx.Strings?.Length ?? 0;
        if (featureId < 0 || featureId >= strings)
        {
            throw LoadErrors.Corrupt(env, "transformer", entry,
                $"its feature column name is string {featureId}, but the entry's string table has strings 0 to {strings - 1}");
        }
        if (labelId < -1 || labelId >= strings)
        {
            throw LoadErrors.Corrupt(env, "transformer", entry,
                $"its label column name is string {labelId}, but the entry's string table has strings 0 to {strings - 1} (or -1 for none)");
        }
    }

    /// <inheritdoc/>
    protected override void SaveCore(ModelSaveContext ctx)
    {
        // *** Binary format (docs/model-format.md, "Transformer entry") ***
        // sub-entry Model:       the model parameters (XorMlpModelParameters)
        // sub-entry TrainSchema: the training schema (ML.NET binary data view with no rows)
        // model block:           int32 string id of the feature column name, int32 string id of the label column name (-1: none)
        ctx.SetVersionInfo(GetVersionInfo());
        base.SaveCore(ctx);
        ctx.SaveStringOrNull(LabelColumnName);
    }

    private static VersionInfo GetVersionInfo() => new(
        modelSignature: ModelSignature,
        verWrittenCur: FormatVersion1,
        verReadableCur: FormatVersion1,
        verWeCanReadBack: FormatVersion1,
        loaderSignature: LoaderSignature,
        loaderAssemblyName: typeof(XorMlpTransformer).Assembly.GetName().Name);

    private BinaryClassifierScorer CreateScorer()
    {
        var schema = new RoleMappedSchema(TrainSchema, LabelColumnName, FeatureColumnName);
        var arguments = new BinaryClassifierScorer.Arguments { Threshold = 0f, ThresholdColumn = DefaultColumnNames.Score };
        return new BinaryClassifierScorer(Host, arguments, new EmptyDataView(Host, TrainSchema), BindableMapper.Bind(Host, schema), schema);
    }
}
