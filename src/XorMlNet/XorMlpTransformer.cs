using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using XorMlNet;

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

    internal XorMlpTransformer(IHostEnvironment env, XorMlpModelParameters model, DataViewSchema trainSchema,
        string featureColumnName, string labelColumnName)
        : base(Contracts.CheckRef(env, nameof(env)).Register(nameof(XorMlpTransformer)), model, trainSchema, featureColumnName)
    {
        LabelColumnName = labelColumnName;
        Scorer = CreateScorer();
    }

    private XorMlpTransformer(IHostEnvironment env, ModelLoadContext ctx)
        : base(Contracts.CheckRef(env, nameof(env)).Register(nameof(XorMlpTransformer)), ctx)
    {
        // *** Binary format (after the base's: Model entry, TrainSchema entry, feature column name) ***
        // string id: label column name used at training (or none)
        LabelColumnName = ctx.LoadStringOrNull();
        if (FeatureColumnType is not VectorDataViewType { ItemType: NumberDataViewType } vector
            || vector.ItemType != NumberDataViewType.Single || vector.Size != Model.InputSize)
        {
            throw new InvalidDataException(
                $"The XorMlp transformer in '{ctx.Directory}' is corrupt: its feature column '{FeatureColumnName}' is {FeatureColumnType}, but its model takes {Model.InputSize} Single features.");
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

    /// <summary>Scores <paramref name="input"/> lazily: rows are computed as a cursor reads them.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing, of the wrong type, or of another length than at training.</exception>
    public new IDataView Transform(IDataView input)
    {
        Host.CheckValue(input, nameof(input));
        SchemaChecks.CheckScoringFeatures(input.Schema, FeatureColumnName, Model.InputSize);
        return base.Transform(input);
    }

    IRowToRowMapper ITransformer.GetRowToRowMapper(DataViewSchema inputSchema)
    {
        Host.CheckValue(inputSchema, nameof(inputSchema));
        SchemaChecks.CheckScoringFeatures(inputSchema, FeatureColumnName, Model.InputSize);
        return (IRowToRowMapper)Scorer.ApplyToData(Host, new EmptyDataView(Host, inputSchema));
    }

    /// <summary>The loader ML.NET finds through the <see cref="LoadableClassAttribute"/> above.</summary>
    internal static XorMlpTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        Contracts.CheckValue(env, nameof(env));
        env.CheckValue(ctx, nameof(ctx));
        ctx.CheckAtModel(GetVersionInfo());
        return new XorMlpTransformer(env, ctx);
    }

    /// <inheritdoc/>
    protected override void SaveCore(ModelSaveContext ctx)
    {
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
