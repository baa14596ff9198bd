using Microsoft.ML;
using Microsoft.ML.Data;
using XorMlNet.Tests.MLNet;
using XorMlNet.Tests.Persistence;

namespace XorMlNet.Tests.Onnx;

/// <summary>
/// A fitted pipeline to export, and rows to score it on: the persistence tests' XOR pipelines (Concatenate → [normalizer]
/// → XorMlp, d = 2, H = 2) and five-feature model (d = 5, H = 16), and a "wide" one (a vector column and a scalar
/// concatenated, d = 7, H = 33), so that every layout the export writes is seen.
/// </summary>
internal sealed class OnnxCase
{
    private static readonly Lazy<OnnxCase> Wide = new(TrainWide);

    private OnnxCase(TrainedModels.Case trained, string[] inputColumns, Func<MLContext, int, IDataView> rows)
    {
        Trained = trained;
        InputColumns = inputColumns;
        _rows = rows;
    }

    private readonly Func<MLContext, int, IDataView> _rows;

    public TrainedModels.Case Trained { get; }

    public ITransformer Model => Trained.Model;

    public DataViewSchema InputSchema => Trained.InputSchema;

    public XorMlpTransformer Ours => Trained.Ours;

    /// <summary>The feature columns the exported graph must take as inputs (besides the label the pipeline was fitted with).</summary>
    public string[] InputColumns { get; }

    /// <summary><paramref name="count"/> rows of the pipeline's input schema, with off-grid and extreme values (see <see cref="Value"/>).</summary>
    public IDataView Rows(MLContext mlContext, int count) => _rows(mlContext, count);

    public static OnnxCase ByName(string name) => name switch
    {
        "wide" => Wide.Value,
        "synthetic" => new(TrainedModels.Synthetic, ["A", "B", "C", "D", "E"], (ml, n) => ml.Data.LoadFromEnumerable(SyntheticRows(n))),
        _ => new(TrainedModels.ByName(name), ["X1", "X2"], (ml, n) => ml.Data.LoadFromEnumerable(XorRows(n))),
    };

    /// <summary>
    /// A feature value: mostly off-grid values around the training range, with every 10th value extreme (0, ±1e-30,
    /// ±1e6, ±1e30) or far out (±100s).
    /// </summary>
    public static float Value(Random random) => random.Next(10) switch
    {
        0 => random.Next(7) switch { 0 => 0f, 1 => 1e-30f, 2 => -1e-30f, 3 => 1e6f, 4 => -1e6f, 5 => 1e30f, _ => -1e30f },
        1 => (random.NextSingle() - 0.5f) * 600,
        _ => random.NextSingle() * 3 - 1,
    };

    private static XorData.Row[] XorRows(int count)
    {
        var random = new Random(2024);
        return Enumerable.Range(0, count).Select(i => new XorData.Row { X1 = Value(random), X2 = Value(random), Label = i % 2 == 0 }).ToArray();
    }

    private static TrainedModels.SyntheticRow[] SyntheticRows(int count)
    {
        var random = new Random(2025);
        return Enumerable.Range(0, count).Select(i => new TrainedModels.SyntheticRow
        {
            A = Value(random), B = Value(random), C = Value(random), D = Value(random), E = Value(random), Label = i % 2,
        }).ToArray();
    }

    public sealed class WideRow
    {
        [VectorType(6)]
        public float[] V { get; set; } = [];

        public float W { get; set; }

        public bool Label { get; set; }
    }

    private static WideRow[] WideRows(int count, int seed, bool extreme)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            float[] v = Enumerable.Range(0, 6).Select(_ => extreme ? Value(random) : random.NextSingle()).ToArray();
            float w = extreme ? Value(random) : random.NextSingle();
            return new WideRow { V = v, W = w, Label = (v[0] > 0.5f) != (w > 0.5f) };
        }).ToArray();
    }

    /// <summary>Concatenate(V[6], W) → NormalizeMeanVariance → XorMlp with H = 33, trained briefly.</summary>
    private static OnnxCase TrainWide()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView train = mlContext.Data.LoadFromEnumerable(WideRows(256, seed: 5, extreme: false));
        var trainer = new XorMlpEstimator(mlContext, new XorMlpEstimator.Options { HiddenLayerSize = 33, NumberOfEpochs = 200, InitialWeightScale = 1, Seed = 3 });
        ITransformer model = mlContext.Transforms.Concatenate("Features", "V", "W")
            .Append(mlContext.Transforms.NormalizeMeanVariance("Features"))
            .Append(trainer)
            .Fit(train);
        var trained = new TrainedModels.Case("wide", model, train.Schema, mlContext.Data.LoadFromEnumerable(WideRows(9, seed: 6, extreme: false)), 2);
        return new OnnxCase(trained, ["V", "W"], (ml, n) => ml.Data.LoadFromEnumerable(WideRows(n, seed: 7, extreme: true)));
    }
}
