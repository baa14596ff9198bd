using BenchmarkDotNet.Attributes;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace XorMlNet.Benchmarks;

/// <summary>Models of both kinds fitted on the first 20,000 rows of the synthetic table.</summary>
public abstract class ScoringSetup
{
    protected MLContext MlContext { get; } = new(seed: 0);

    protected Data.WideRow[] Rows { get; private set; } = [];

    protected ITransformer XorMlpModel { get; private set; } = null!;

    protected ITransformer LogisticRegressionModel { get; private set; } = null!;

    [Params(2, 16, 64)]
    public int H { get; set; }

    /// <summary>The model every scoring comparison uses: H hidden units, 50 epochs on the training rows.</summary>
    internal static ITransformer FitXorMlp(MLContext mlContext, IDataView train, int hidden)
        => new XorMlpEstimator(mlContext, new XorMlpEstimator.Options { HiddenLayerSize = hidden, NumberOfEpochs = 50 }).Fit(train);

    protected void Fit(int rows)
    {
        Rows = Data.SyntheticRows(rows);
        IDataView train = MlContext.Data.LoadFromEnumerable(Rows.Take(20_000));
        XorMlpModel = FitXorMlp(MlContext, train, H);
        LogisticRegressionModel = MlContext.BinaryClassification.Trainers.LbfgsLogisticRegression().Fit(train);
    }
}

/// <summary>
/// Scoring 1,000,000 rows: <c>Transform</c> then a cursor reading Score, Probability and PredictedLabel, for our
/// model (H = 2, 16, 64) beside ML.NET's <c>LbfgsLogisticRegression</c> on the same data in the same run (the baseline;
/// Ratio is our time over its time).
/// </summary>
[Config(typeof(SuiteConfig))]
public class Scoring : ScoringSetup
{
    private IDataView _data = null!;

    [GlobalSetup]
    public void Setup()
    {
        Fit(Data.LargeRows);
        _data = MlContext.Data.LoadFromEnumerable(Rows);
    }

    [Benchmark(Baseline = true), Rows(Data.LargeRows, Data.LargeInputs)]
    public double LbfgsLogisticRegression() => Drain(LogisticRegressionModel.Transform(_data));

    [Benchmark, Rows(Data.LargeRows, Data.LargeInputs)]
    public double XorMlp() => Drain(XorMlpModel.Transform(_data));

    /// <summary>Reads Score, Probability and PredictedLabel of every row.</summary>
    internal static double Drain(IDataView scored)
    {
        DataViewSchema.Column score = scored.Schema["Score"], probability = scored.Schema["Probability"], label = scored.Schema["PredictedLabel"];
        using DataViewRowCursor cursor = scored.GetRowCursor([score, probability, label]);
        ValueGetter<float> getScore = cursor.GetGetter<float>(score), getProbability = cursor.GetGetter<float>(probability);
        ValueGetter<bool> getLabel = cursor.GetGetter<bool>(label);
        float s = 0, p = 0;
        bool l = false;
        double sum = 0;
        while (cursor.MoveNext())
        {
            getScore(ref s);
            getProbability(ref p);
            getLabel(ref l);
            sum += s + p + (l ? 1 : 0);
        }
        return sum;
    }
}

/// <summary>
/// <c>PredictionEngine.Predict</c> latency for one row (the overload that fills a given output object, so neither
/// side allocates per call), ours beside <c>LbfgsLogisticRegression</c>'s (the baseline) in the same run.
/// </summary>
[Config(typeof(SuiteConfig))]
public class PredictionEngineLatency : ScoringSetup
{
    private PredictionEngine<Data.WideRow, Data.Prediction> _xorMlp = null!;
    private PredictionEngine<Data.WideRow, Data.Prediction> _logisticRegression = null!;
    private Data.WideRow _row = null!;
    private Data.Prediction _prediction = new();

    [GlobalSetup]
    public void Setup()
    {
        Fit(20_000);
        _xorMlp = MlContext.Model.CreatePredictionEngine<Data.WideRow, Data.Prediction>(XorMlpModel);
        _logisticRegression = MlContext.Model.CreatePredictionEngine<Data.WideRow, Data.Prediction>(LogisticRegressionModel);
        _row = Rows[123];
    }

    [Benchmark(Baseline = true)]
    public float LbfgsLogisticRegression()
    {
        _logisticRegression.Predict(_row, ref _prediction);
        return _prediction.Probability;
    }

    [Benchmark]
    public float XorMlp()
    {
        _xorMlp.Predict(_row, ref _prediction);
        return _prediction.Probability;
    }
}
