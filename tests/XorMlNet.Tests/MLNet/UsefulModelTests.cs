using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using XorMlNet.Network;

namespace XorMlNet.Tests.MLNet;

/// <summary>
/// The tables on which a fit used to return a useless model (loss 0.5, one class predicted) with no word: each now
/// ends with a useful model, or a warning in the MLContext log and a failure StopReason, or a
/// <see cref="TrainingDivergedException"/> naming the option at fault.
/// </summary>
public class UsefulModelTests
{
    private sealed class Row
    {
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }

    /// <summary>n rows of d standard-normal features times <paramref name="scale"/> plus <paramref name="offset"/>[j], label x0·x1 &gt; 0 (of the unscaled draws).</summary>
    private static Row[] Table(int rows, int d, uint seed, double scale = 1, double[]? offset = null)
    {
        var random = new NumpyRandom(seed);
        return Enumerable.Range(0, rows).Select(_ =>
        {
            double[] z = [.. Enumerable.Range(0, d).Select(_ => random.NextGaussian())];
            return new Row
            {
                Features = [.. z.Select((v, j) => (float)(v * scale + (offset?[j] ?? 0)))],
                Label = z[0] * z[1] > 0,
            };
        }).ToArray();
    }

    private static IDataView Load(MLContext mlContext, Row[] rows)
    {
        SchemaDefinition schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, rows[0].Features.Length);
        return mlContext.Data.LoadFromEnumerable(rows, schema);
    }

    /// <summary>Fits on <paramref name="train"/>; returns the model, the warnings logged and the accuracy on <paramref name="test"/>.</summary>
    private static (XorMlpModelParameters Model, List<string> Warnings, double Accuracy) Fit(Row[] train, Row[] test, XorMlpEstimator.Options options)
    {
        var mlContext = new MLContext(seed: 0);
        var warnings = new List<string>();
        mlContext.Log += (_, e) =>
        {
            if (e.Kind == ChannelMessageKind.Warning)
            {
                lock (warnings)
                {
                    warnings.Add(e.Message);
                }
            }
        };
        XorMlpTransformer model = new XorMlpEstimator(mlContext, options).Fit(Load(mlContext, train));
        double accuracy = mlContext.BinaryClassification.EvaluateNonCalibrated(model.Transform(Load(mlContext, test))).Accuracy;
        return (model.Model, warnings, accuracy);
    }

    private static TrainingDivergedException Diverges(Row[] train, XorMlpEstimator.Options options)
    {
        var mlContext = new MLContext(seed: 0);
        return Assert.Throws<TrainingDivergedException>(() => new XorMlpEstimator(mlContext, options).Fit(Load(mlContext, train)));
    }

    private static readonly Lazy<(Row[] Train, Row[] Test)> Small = new(() => (Table(2000, 4, seed: 1), Table(1000, 4, seed: 2)));

    [Theory]
    [InlineData(64, 1.0)]
    [InlineData(128, 0.5)]
    public void WideHiddenLayers_AtTheDefaults_LearnTheTable(int hidden, double learningRate)
    {
        // 1,500 epochs instead of the default 10,000 keep the test short; Momentum at its full 4 diverges here (below).
        var options = new XorMlpEstimator.Options { HiddenLayerSize = hidden, NumberOfEpochs = 1500 };

        (XorMlpModelParameters model, List<string> warnings, double accuracy) = Fit(Table(4000, 16, seed: 3), Table(2000, 16, seed: 4), options);

        Assert.Equal(learningRate, model.TrainingOptions.LearningRate);
        Assert.Empty(warnings);
        Assert.True(accuracy > 0.9, $"H = {hidden}: test accuracy {accuracy:F4}, stopped by {model.StopReason}");
    }

    [Fact]
    public void WideHiddenLayer_AtMomentumsFullLearningRate_DivergesNamingLearningRate()
    {
        TrainingDivergedException error = Diverges(Table(4000, 16, seed: 3), new XorMlpEstimator.Options { HiddenLayerSize = 64, LearningRate = 4, NumberOfEpochs = 1500 });

        Assert.Equal("LearningRate", error.OptionName);
        Assert.Contains("Lower LearningRate (now 4)", error.Message);
    }

    [Fact]
    public void Adam_AtMomentumsLearningRate_DivergesNamingLearningRate()
    {
        TrainingDivergedException error = Diverges(Small.Value.Train, new XorMlpEstimator.Options { HiddenLayerSize = 16, Solver = Solver.Adam, LearningRate = 4 });

        Assert.Equal("LearningRate", error.OptionName);
    }

    [Fact]
    public void Adam_AtItsDefaultLearningRate_Learns()
    {
        (XorMlpModelParameters model, List<string> warnings, double accuracy) = Fit(Small.Value.Train, Small.Value.Test,
            new XorMlpEstimator.Options { HiddenLayerSize = 16, Solver = Solver.Adam });

        Assert.Empty(warnings);
        Assert.Equal(XorMlpEstimator.Options.Defaults.AdamLearningRate, model.TrainingOptions.LearningRate);
        Assert.True(accuracy > 0.9, $"accuracy {accuracy}");
    }

    [Theory]
    [InlineData(1e3)]
    [InlineData(1e30)]
    public void AbsurdLearningRates_DivergeNamingLearningRate(double learningRate)
    {
        TrainingDivergedException error = Diverges(Small.Value.Train, new XorMlpEstimator.Options { HiddenLayerSize = 16, LearningRate = learningRate });

        Assert.Equal("LearningRate", error.OptionName);
        Assert.Contains(learningRate.ToString(), error.Message);
    }

    [Fact]
    public void HugeInitialWeightScale_DivergesBeforeTheFirstEpochNamingIt()
    {
        TrainingDivergedException error = Diverges(Small.Value.Train, new XorMlpEstimator.Options { HiddenLayerSize = 16, InitialWeightScale = 1e39 });

        Assert.Equal("InitialWeightScale", error.OptionName);
        Assert.Equal(0, error.Epoch);
    }

    [Fact]
    public void HugeL2Regularization_DivergesNamingIt()
    {
        TrainingDivergedException error = Diverges(Small.Value.Train, new XorMlpEstimator.Options { HiddenLayerSize = 16, L2Regularization = 1e30 });

        Assert.Equal("L2Regularization", error.OptionName);
    }

    [Fact]
    public void TinyFeatures_AreStandardized_AndLearnt()
    {
        (Row[] train, Row[] test) = (Table(2000, 4, seed: 1, scale: 1e-30), Table(1000, 4, seed: 2, scale: 1e-30));

        (XorMlpModelParameters model, List<string> warnings, double accuracy) = Fit(train, test, new XorMlpEstimator.Options { HiddenLayerSize = 16 });

        Assert.Empty(warnings);
        Assert.Equal(4, model.FeatureScale.Count);
        Assert.All(model.FeatureScale, s => Assert.InRange(s, 5e29f, 2e30f));
        Assert.True(accuracy > 0.9, $"accuracy {accuracy}");
    }

    [Fact]
    public void TinyFeatures_NotStandardized_EndWithAWarning()
    {
        (Row[] train, Row[] test) = (Table(2000, 4, seed: 1, scale: 1e-30), Table(1000, 4, seed: 2, scale: 1e-30));

        (XorMlpModelParameters model, List<string> warnings, _) = Fit(train, test,
            new XorMlpEstimator.Options { HiddenLayerSize = 16, NormalizeFeatures = FeatureNormalization.No, NumberOfEpochs = 2000 });

        Assert.Empty(model.FeatureOffset);
        Assert.Contains(model.StopReason, new[] { StopReason.NoImprovement, StopReason.ConstantOutput });
        Assert.Contains(warnings, w => w.Contains("NormalizeFeatures, now No"));
    }

    /// <summary>Like ML.NET's heart-disease sample: raw clinical-looking columns of size 100–600, no normalizer upstream.</summary>
    private static readonly double[] RawOffsets = [130, 250, 150, 600, 100, 420, 180, 330, 560, 270, 480, 210, 390];

    [Fact]
    public void RawColumns_AreStandardizedByDefault_AndLearnt()
    {
        (Row[] train, Row[] test) = (Table(1000, 13, seed: 4, scale: 40, offset: RawOffsets), Table(1000, 13, seed: 5, scale: 40, offset: RawOffsets));

        (XorMlpModelParameters model, List<string> warnings, double accuracy) = Fit(train, test, new XorMlpEstimator.Options { HiddenLayerSize = 16 });

        Assert.Empty(warnings);
        Assert.Equal(13, model.FeatureOffset.Count);
        for (int j = 0; j < 13; j++)
        {
            Assert.InRange(model.FeatureOffset[j], RawOffsets[j] - 5, RawOffsets[j] + 5);
            Assert.InRange(model.FeatureScale[j], 1 / 44f, 1 / 36f);
        }
        Assert.True(accuracy > 0.8, $"accuracy {accuracy}");
    }

    [Fact]
    public void RawColumns_NotStandardized_EndWithAWarning()
    {
        (Row[] train, Row[] test) = (Table(1000, 13, seed: 4, scale: 40, offset: RawOffsets), Table(1000, 13, seed: 5, scale: 40, offset: RawOffsets));

        (XorMlpModelParameters model, List<string> warnings, double accuracy) = Fit(train, test,
            new XorMlpEstimator.Options { HiddenLayerSize = 16, NormalizeFeatures = FeatureNormalization.No, NumberOfEpochs = 2000 });

        Assert.True(model.StopReason is StopReason.NoImprovement or StopReason.ConstantOutput, $"{model.StopReason}, accuracy {accuracy}");
        Assert.Contains(warnings, w => w.Contains("NormalizeFeatures, now No"));
    }

    [Fact]
    public void AnUpstreamNormalizer_IsRespected_UnlessNormalizeFeaturesIsYes()
    {
        var mlContext = new MLContext(seed: 0);
        IDataView data = Load(mlContext, Small.Value.Train);
        var normalize = mlContext.Transforms.NormalizeMinMax("Features");
        var options = new XorMlpEstimator.Options { HiddenLayerSize = 4, NumberOfEpochs = 50 };

        XorMlpModelParameters auto = normalize.Append(new XorMlpEstimator(mlContext, options)).Fit(data).LastTransformer.Model;
        options.NormalizeFeatures = FeatureNormalization.Yes;
        XorMlpModelParameters yes = normalize.Append(new XorMlpEstimator(mlContext, options)).Fit(data).LastTransformer.Model;

        Assert.Empty(auto.FeatureOffset);
        Assert.Empty(auto.FeatureScale);
        Assert.Equal(4, yes.FeatureOffset.Count);
        Assert.Equal(4, yes.FeatureScale.Count);
    }

    [Fact]
    public void ConstantColumns_GetScaleOne()
    {
        (float[] offset, float[] scale) = FeatureScaling.Standardize([5f, 1f, 5f, 3f, 5f, 5f], rows: 3, d: 2);

        Assert.Equal([5f, 3f], offset);
        Assert.Equal(1f, scale[0]);
        Assert.Equal((float)(1 / Math.Sqrt(8.0 / 3)), scale[1]);
    }

    [Fact]
    public void BadNormalizeFeatures_FailsInTheOptionsNamingIt()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new XorMlpEstimator(new XorMlpEstimator.Options { NormalizeFeatures = (FeatureNormalization)7 }));

        Assert.Equal("NormalizeFeatures", error.ParamName);
    }
}
