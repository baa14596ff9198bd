using Microsoft.ML;
using Microsoft.ML.Data;
using XorMlNet.Tests.MLNet;

namespace XorMlNet.Tests.Persistence;

/// <summary>
/// Fitted models for the persistence tests, each trained once per test run: pipelines of built-in transforms ending
/// with our trainer, and one model with validation data, restarts, Single labels, H = 16 and d = 5.
/// </summary>
internal static class TrainedModels
{
    /// <summary>A fitted model, the schema it was fitted on, rows to score (another count than at training) and
    /// the position of our transformer in its chain.</summary>
    public sealed record Case(string Name, ITransformer Model, DataViewSchema InputSchema, IDataView ScoreRows, int OurIndex)
    {
        /// <summary>Our transformer, inside the fitted chain.</summary>
        public XorMlpTransformer Ours => (XorMlpTransformer)((IEnumerable<ITransformer>)Model).ElementAt(OurIndex);

        public override string ToString() => Name;
    }

    private static readonly Lazy<Case> XorLazy = new(() => TrainXor("xor", Normalizer.None, new XorMlpEstimator.Options()));
    private static readonly Lazy<Case> ShortLazy = new(() => TrainXor("xor-3-epochs", Normalizer.None, new XorMlpEstimator.Options { NumberOfEpochs = 3 }));
    private static readonly Lazy<Case> MinMaxLazy = new(() => TrainXor("concat-minmax", Normalizer.MinMax, new XorMlpEstimator.Options()));
    private static readonly Lazy<Case> MeanVarianceLazy = new(() => TrainXor("concat-meanvariance", Normalizer.MeanVariance, new XorMlpEstimator.Options()));
    private static readonly Lazy<Case> SyntheticLazy = new(TrainSynthetic);

    private enum Normalizer { None, MinMax, MeanVariance }

    /// <summary>Concatenate(X1, X2) → XorMlp with the default options, on the XOR table.</summary>
    public static Case Xor => XorLazy.Value;

    /// <summary>As <see cref="Xor"/>, trained for 3 epochs only: a small model-parameters entry, for byte-by-byte tests.</summary>
    public static Case Short => ShortLazy.Value;

    /// <summary>Concatenate → NormalizeMinMax → XorMlp.</summary>
    public static Case MinMax => MinMaxLazy.Value;

    /// <summary>Concatenate → NormalizeMeanVariance → XorMlp.</summary>
    public static Case MeanVariance => MeanVarianceLazy.Value;

    /// <summary>Concatenate(A..E) → XorMlp with H = 16, Single labels, validation rows and forced restarts.</summary>
    public static Case Synthetic => SyntheticLazy.Value;

    public static TheoryData<string> Names => new() { "xor", "concat-minmax", "concat-meanvariance", "synthetic" };

    public static Case ByName(string name) => name switch
    {
        "xor" => Xor,
        "concat-minmax" => MinMax,
        "concat-meanvariance" => MeanVariance,
        "synthetic" => Synthetic,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>The XOR corners and off-grid points: 7 rows, where training had 4.</summary>
    public static XorData.Row[] XorScoreRows { get; } =
    [
        .. XorData.Rows,
        new() { X1 = 0.9f, X2 = 0.1f },
        new() { X1 = 0.25f, X2 = 0.75f },
        new() { X1 = -1.5f, X2 = 3.25f, Label = true },
    ];

    public sealed class SyntheticRow
    {
        public float A { get; set; }
        public float B { get; set; }
        public float C { get; set; }
        public float D { get; set; }
        public float E { get; set; }

        /// <summary>A soft label in [0, 1]: 0.9 where A and B are on opposite sides of 0.5, else 0.1.</summary>
        public float Label { get; set; }
    }

    /// <summary>Deterministic synthetic rows with five features.</summary>
    public static SyntheticRow[] SyntheticRows(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var row = new SyntheticRow
            {
                A = random.NextSingle(), B = random.NextSingle(), C = random.NextSingle(), D = random.NextSingle(), E = random.NextSingle(),
            };
            row.Label = (row.A > 0.5f) != (row.B > 0.5f) ? 0.9f : 0.1f;
            return row;
        }).ToArray();
    }

    private static Case TrainXor(string name, Normalizer normalizer, XorMlpEstimator.Options options)
    {
        var mlContext = new MLContext(seed: 1);
        IDataView data = XorData.Load(mlContext);
        var concat = mlContext.Transforms.Concatenate("Features", nameof(XorData.Row.X1), nameof(XorData.Row.X2));
        XorMlpEstimator trainer = mlContext.BinaryClassification.Trainers.XorMlp(options);
        // One flat chain: Concatenate [→ normalizer] → XorMlp.
        ITransformer model = normalizer switch
        {
            Normalizer.MinMax => concat.Append(mlContext.Transforms.NormalizeMinMax("Features")).Append(trainer).Fit(data),
            Normalizer.MeanVariance => concat.Append(mlContext.Transforms.NormalizeMeanVariance("Features")).Append(trainer).Fit(data),
            _ => concat.Append(trainer).Fit(data),
        };
        return new Case(name, model, data.Schema, mlContext.Data.LoadFromEnumerable(XorScoreRows), normalizer == Normalizer.None ? 1 : 2);
    }

    /// <summary>
    /// d = 5, H = 16, Single labels, validation rows passed to <see cref="XorMlpEstimator.Fit(IDataView, IDataView)"/>,
    /// and restarts forced (hardly any epoch counts as progress with RestartMinimumImprovement = 0.999), so that the histories are
    /// of other lengths than the XOR models' and the validation history is not empty.
    /// </summary>
    private static Case TrainSynthetic()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView train = mlContext.Data.LoadFromEnumerable(SyntheticRows(48, seed: 11));
        IDataView validation = mlContext.Data.LoadFromEnumerable(SyntheticRows(16, seed: 12));
        ITransformer concat = mlContext.Transforms.Concatenate("Features", "A", "B", "C", "D", "E").Fit(train);
        var trainer = new XorMlpEstimator(mlContext, new XorMlpEstimator.Options
        {
            HiddenLayerSize = 16,
            NumberOfEpochs = 360,
            LossTolerance = 0,
            MaxRestarts = 2,
            RestartPatience = 100,
            RestartMinimumImprovement = 0.999,
            EpochsWithoutImprovement = 0,
            Seed = 7,
        });
        XorMlpTransformer ours = trainer.Fit(concat.Transform(train), concat.Transform(validation));
        ITransformer model = new TransformerChain<ITransformer>(concat, ours);
        return new Case("synthetic", model, train.Schema, mlContext.Data.LoadFromEnumerable(SyntheticRows(9, seed: 13)), 1);
    }
}
