using Microsoft.ML;
using Microsoft.ML.Data;

namespace XorMlNet.Tests.MLNet;

/// <summary>Every way to get the input wrong ends in an exception that names what is wrong and where, as early as possible.</summary>
public class BadInputTests
{
    public static TheoryData<string, Action<XorMlpEstimator.Options>> OutOfRangeOptions => new()
    {
        { "HiddenLayerSize", o => o.HiddenLayerSize = 0 },
        { "HiddenLayerSize", o => o.HiddenLayerSize = -3 },
        { "HiddenLayerSize", o => o.HiddenLayerSize = int.MaxValue },
        { "LearningRate", o => o.LearningRate = 0 },
        { "LearningRate", o => o.LearningRate = -0.1 },
        { "LearningRate", o => o.LearningRate = double.NaN },
        { "LearningRate", o => o.LearningRate = double.PositiveInfinity },
        { "NumberOfEpochs", o => o.NumberOfEpochs = 0 },
        { "BatchSize", o => o.BatchSize = -1 },
        { "InitialWeightScale", o => o.InitialWeightScale = 0 },
        { "InitialWeightScale", o => o.InitialWeightScale = double.NaN },
        { "InitialWeightScale", o => o.InitialWeightScale = double.NegativeInfinity },
        { "ValidationFraction", o => o.ValidationFraction = -0.1 },
        { "ValidationFraction", o => o.ValidationFraction = 1.0 },
        { "LossTolerance", o => o.LossTolerance = -1e-3 },
        { "EpochsWithoutImprovement", o => o.EpochsWithoutImprovement = -1 },
        { "MaxRestarts", o => o.MaxRestarts = -1 },
        { "Momentum", o => o.Momentum = 1.0 },
        { "Seed", o => o.Seed = -1 },
        { "NumberOfThreads", o => o.NumberOfThreads = 0 },
        { "FeatureColumnName", o => o.FeatureColumnName = "" },
        { "LabelColumnName", o => o.LabelColumnName = "  " },
        { "LabelColumnName", o => o.LabelColumnName = "Features" },
        { "Solver", o => o.Solver = (Solver)7 },
        { "Beta1", o => o.Beta1 = -0.1 },
        { "Beta2", o => o.Beta2 = 1 },
        { "Epsilon", o => o.Epsilon = 0 },
        { "L2Regularization", o => o.L2Regularization = -1e-3 },
        { "L2Regularization", o => o.L2Regularization = double.PositiveInfinity },
        { "RestartPatience", o => o.RestartPatience = 0 },
        { "RestartMinimumImprovement", o => o.RestartMinimumImprovement = 1 },
        { "ProgressInterval", o => o.ProgressInterval = 0 },
        { "NormalizeFeatures", o => o.NormalizeFeatures = (FeatureNormalization)3 },
    };

    /// <summary>Options every value of which is valid: a Boolean, a callback, a token.</summary>
    private static readonly string[] OptionsWithoutARange = ["UseNesterov", "Progress", "CancellationToken"];

    [Fact]
    public void OutOfRangeOptions_CoverEveryOptionThatHasARange()
    {
        var covered = OutOfRangeOptions.Select(row => (string)row[0]).ToHashSet();
        string[] options = typeof(XorMlpEstimator.Options).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
            .Select(f => f.Name).Except(OptionsWithoutARange).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(options, covered.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(OutOfRangeOptions))]
    public void Constructor_OptionOutOfRange_ThrowsNamingTheOption(string option, Action<XorMlpEstimator.Options> spoil)
    {
        var options = new XorMlpEstimator.Options();
        spoil(options);

        foreach (Func<XorMlpEstimator> build in new Func<XorMlpEstimator>[]
        {
            () => new XorMlpEstimator(options),
            () => new XorMlpEstimator(new MLContext(), options),
            () => new MLContext().BinaryClassification.Trainers.XorMlp(options),
        })
        {
            var ex = Assert.Throws<ArgumentOutOfRangeException>(build);
            Assert.Equal(option, ex.ParamName);
            Assert.Contains(option, ex.Message);
        }
    }

    [Fact]
    public void Constructor_NullColumnNameOrOptions_ThrowsArgumentNull()
    {
        Assert.Equal("LabelColumnName", Assert.Throws<ArgumentNullException>(() => new XorMlpEstimator(new XorMlpEstimator.Options { LabelColumnName = null! })).ParamName);
        Assert.Equal("FeatureColumnName", Assert.Throws<ArgumentNullException>(() => new XorMlpEstimator(new XorMlpEstimator.Options { FeatureColumnName = null! })).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => new XorMlpEstimator((XorMlpEstimator.Options)null!)).ParamName);
        Assert.Equal("mlContext", Assert.Throws<ArgumentNullException>(() => new XorMlpEstimator((MLContext)null!)).ParamName);
    }

    [Fact]
    public void Catalog_SimpleOverload_ValidatesItsArguments()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new MLContext().BinaryClassification.Trainers.XorMlp(learningRate: -1));
        Assert.Equal("LearningRate", ex.ParamName);
    }

    [Fact]
    public void Fit_HiddenLayerSizeTooLargeForTheFeatureCount_ThrowsNamingHiddenLayerSize_BeforeAllocating()
    {
        var mlContext = new MLContext();
        IDataView data = mlContext.Data.LoadFromEnumerable(new[] { new Wide { Features = new float[3000], Label = true } });
        var estimator = new XorMlpEstimator(new XorMlpEstimator.Options { HiddenLayerSize = XorMlpEstimator.Options.MaxHiddenLayerSize });

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data));

        Assert.Equal("HiddenLayerSize", ex.ParamName);
        Assert.Contains("3000 features", ex.Message);
    }

    public static TheoryData<string, string[]> SchemaProblems => new()
    {
        { "missing features", ["no feature column 'Features'", "'X1'", "Concatenate"] },
        { "double features", ["'Features'", "Double", "ConvertType"] },
        { "text features", ["'Features'", "text"] },
        { "scalar features", ["'Features'", "not a vector", "Concatenate"] },
        { "variable-size features", ["'Features'", "variable size", "VectorType"] },
        { "text label", ["label column 'Label'", "String", "Boolean", "Single"] },
        { "missing label", ["no label column 'Label'", "LabelColumnName"] },
    };

    [Theory]
    [MemberData(nameof(SchemaProblems))]
    public void SchemaProblem_FailsAtGetOutputSchemaAndFit_NamingTheColumn(string problem, string[] words)
    {
        var mlContext = new MLContext();
        IDataView data = problem switch
        {
            "missing features" => XorData.Load(mlContext),
            "double features" => mlContext.Data.LoadFromEnumerable(new[] { new DoubleFeatures { Features = [0, 1], Label = true } }),
            "text features" => mlContext.Data.LoadFromEnumerable(new[] { new TextFeatures { Features = "0,1", Label = true } }),
            "scalar features" => mlContext.Data.LoadFromEnumerable(new[] { new ScalarFeatures { Features = 1, Label = true } }),
            "variable-size features" => mlContext.Data.LoadFromEnumerable(new[] { new VariableFeatures { Features = [0, 1], Label = true } }),
            "text label" => mlContext.Data.LoadFromEnumerable(new[] { new TextLabel { Features = [0, 1], Label = "yes" } }),
            "missing label" => mlContext.Data.LoadFromEnumerable(new[] { new NoLabel { Features = [0, 1] } }),
            _ => throw new ArgumentOutOfRangeException(nameof(problem)),
        };
        var estimator = new XorMlpEstimator();

        var atSchema = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(EstimatorConformance.ShapeOf(data.Schema)));
        var atFit = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        var inPipeline = Assert.Throws<ArgumentOutOfRangeException>(() => new EstimatorChain<ITransformer>().Append(estimator).GetOutputSchema(EstimatorConformance.ShapeOf(data.Schema)));

        foreach (ArgumentOutOfRangeException ex in new[] { atSchema, atFit, inPipeline })
        {
            Assert.All(words, word => Assert.Contains(word, ex.Message));
        }
    }

    [Fact]
    public void Scoring_FeaturesOfAnotherLength_FailsSayingBothLengths()
    {
        var mlContext = new MLContext();
        XorMlpTransformer model = new XorMlpEstimator(new XorMlpEstimator.Options { NumberOfEpochs = 5 })
            .Fit(mlContext.Data.LoadFromEnumerable(new[] { new Two { Features = [0, 1], Label = true }, new Two { Features = [1, 1], Label = false } }));
        IDataView three = mlContext.Data.LoadFromEnumerable(new[] { new Three { Features = [0, 1, 2] } });

        var atTransform = Assert.Throws<ArgumentOutOfRangeException>(() => model.Transform(three));
        var atSchema = Assert.Throws<ArgumentOutOfRangeException>(() => model.GetOutputSchema(three.Schema));
        var atEngine = Assert.Throws<ArgumentOutOfRangeException>(() => mlContext.Model.CreatePredictionEngine<Three, XorData.Prediction>(model));

        foreach (ArgumentOutOfRangeException ex in new[] { atTransform, atSchema, atEngine })
        {
            Assert.Contains("'Features' has 3 values per row", ex.Message);
            Assert.Contains("trained on 2", ex.Message);
        }
    }

    [Fact]
    public void Fit_NoRows_FailsSayingSo()
    {
        var mlContext = new MLContext();
        IDataView empty = mlContext.Data.LoadFromEnumerable(Array.Empty<Two>());

        var ex = Assert.Throws<InvalidOperationException>(() => new XorMlpEstimator().Fit(empty));

        Assert.Contains("training data has no rows", ex.Message);
    }

    [Fact]
    public void Fit_RowsWithNaNLabelOrNonFiniteFeatures_AreSkippedWithAWarningCountingThem()
    {
        var mlContext = new MLContext();
        var warnings = new List<string>();
        mlContext.Log += (_, e) =>
        {
            if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning)
            {
                lock (warnings)
                {
                    warnings.Add(e.Message);
                }
            }
        };
        Single[] rows =
        [
            new() { Features = [0, 0], Label = 0 },
            new() { Features = [1, 0], Label = 1 },
            new() { Features = [0, 1], Label = float.NaN },
            new() { Features = [float.PositiveInfinity, 1], Label = 1 },
            new() { Features = [float.NaN, 1], Label = 0 },
            new() { Features = [1, 1], Label = 0 },
        ];

        XorMlpTransformer model = new XorMlpEstimator(mlContext, new XorMlpEstimator.Options { NumberOfEpochs = 3, LossTolerance = 0 })
            .Fit(mlContext.Data.LoadFromEnumerable(rows));

        string warning = Assert.Single(warnings, w => w.Contains("Skipped"));
        Assert.Contains("Skipped 3 of 6 training rows", warning);
        Assert.Contains("1 with a missing (NaN) label in 'Label'", warning);
        Assert.Contains("2 with a NaN or infinite value in 'Features'", warning);
        Assert.Equal(3, model.Model.EpochsRun);
    }

    [Fact]
    public void Fit_EveryRowUnusable_FailsSayingWhy()
    {
        var mlContext = new MLContext();
        IDataView data = mlContext.Data.LoadFromEnumerable(new[] { new Single { Features = [0, 0], Label = float.NaN }, new Single { Features = [float.NaN, 0], Label = 1 } });

        var ex = Assert.Throws<InvalidOperationException>(() => new XorMlpEstimator().Fit(data));

        Assert.Contains("no usable rows", ex.Message);
        Assert.Contains("all 2 were skipped", ex.Message);
    }

    [Fact]
    public void Fit_SingleLabelOutsideZeroOne_FailsNamingRowAndValue()
    {
        var mlContext = new MLContext();
        IDataView data = mlContext.Data.LoadFromEnumerable(new[] { new Single { Features = [0, 0], Label = 0 }, new Single { Features = [1, 0], Label = 1.5f } });

        var ex = Assert.Throws<InvalidOperationException>(() => new XorMlpEstimator().Fit(data));

        Assert.Contains("Row 1", ex.Message);
        Assert.Contains("label 1.5", ex.Message);
        Assert.Contains("'Label'", ex.Message);
        Assert.Contains("[0, 1]", ex.Message);
    }

    [Fact]
    public void Fit_Diverging_FailsNamingLearningRateAndEpoch()
    {
        var mlContext = new MLContext();
        var options = new XorMlpEstimator.Options { Solver = Solver.Adam, LearningRate = 1e38, NumberOfEpochs = 50, MaxRestarts = 0 };

        var ex = Assert.Throws<TrainingDivergedException>(() => XorData.Pipeline(mlContext, new XorMlpEstimator(options)).Fit(XorData.Load(mlContext)));

        Assert.Equal("LearningRate", ex.OptionName);
        Assert.Contains("LearningRate", ex.Message);
        Assert.Matches(@"at epoch \d+", ex.Message);
    }

    [Fact]
    public void Fit_Cancelled_ThrowsOperationCanceled_AndTheEstimatorStaysUsable()
    {
        var mlContext = new MLContext();
        using var cancellation = new CancellationTokenSource();
        var options = new XorMlpEstimator.Options
        {
            NumberOfEpochs = 1_000_000,
            LossTolerance = 0,
            ProgressInterval = 10,
            Progress = p =>
            {
                if (p.Epoch == 100)
                {
                    cancellation.Cancel();
                }
            },
            CancellationToken = cancellation.Token,
        };
        var estimator = new XorMlpEstimator(mlContext, options);
        IDataView data = XorData.LoadFeatures(mlContext);

        Assert.ThrowsAny<OperationCanceledException>(() => estimator.Fit(data));
        // The options were copied when the estimator was built: the cancelled token is in there, so a fresh one with the same settings trains.
        options.CancellationToken = CancellationToken.None;
        options.Progress = null;
        options.NumberOfEpochs = 200;
        XorMlpTransformer model = new XorMlpEstimator(mlContext, options).Fit(data);
        Assert.Equal(200, model.Model.EpochsRun);
    }

    [Fact]
    public void FailedFit_LeavesTheEstimatorReusable_AndTheNextFitEqualsAFreshOne()
    {
        var mlContext = new MLContext();
        var estimator = new XorMlpEstimator(mlContext, new XorMlpEstimator.Options { NumberOfEpochs = 300 });
        IDataView bad = mlContext.Data.LoadFromEnumerable(new[] { new Single { Features = [0, 0], Label = 2 } });
        IDataView good = XorData.LoadFeatures(mlContext);

        Assert.Throws<InvalidOperationException>(() => estimator.Fit(bad));
        XorMlpModelParameters afterFailure = estimator.Fit(good).Model;
        XorMlpModelParameters fresh = new XorMlpEstimator(mlContext, new XorMlpEstimator.Options { NumberOfEpochs = 300 }).Fit(good).Model;

        Assert.Equal(fresh.W1, afterFailure.W1);
        Assert.Equal(fresh.W2, afterFailure.W2);
        Assert.Equal(fresh.TrainingLossHistory, afterFailure.TrainingLossHistory);
    }

    [Fact]
    public void Options_ChangedAfterConstruction_DoNotAffectTheEstimator()
    {
        var mlContext = new MLContext();
        var options = new XorMlpEstimator.Options { NumberOfEpochs = 50, LossTolerance = 0 };
        var estimator = new XorMlpEstimator(options);
        options.NumberOfEpochs = -5;
        IDataView data = XorData.LoadFeatures(mlContext);

        Assert.Equal(50, estimator.Fit(data).Model.EpochsRun);
    }

    private sealed class Wide
    {
        [VectorType(3000)]
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }

    private sealed class Two
    {
        [VectorType(2)]
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }

    private sealed class Three
    {
        [VectorType(3)]
        public float[] Features { get; set; } = [];
    }

    private sealed class Single
    {
        [VectorType(2)]
        public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }

    private sealed class DoubleFeatures
    {
        [VectorType(2)]
        public double[] Features { get; set; } = [];
        public bool Label { get; set; }
    }

    private sealed class TextFeatures
    {
        public string Features { get; set; } = "";
        public bool Label { get; set; }
    }

    private sealed class ScalarFeatures
    {
        public float Features { get; set; }
        public bool Label { get; set; }
    }

    private sealed class VariableFeatures
    {
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }

    private sealed class TextLabel
    {
        [VectorType(2)]
        public float[] Features { get; set; } = [];
        public string Label { get; set; } = "";
    }

    private sealed class NoLabel
    {
        [VectorType(2)]
        public float[] Features { get; set; } = [];
    }
}
