using Microsoft.ML;
using Microsoft.ML.Data;
using XorMlNet.Network;

namespace XorMlNet.Tests.MLNet;

public class XorMlpEstimatorTests
{
    internal sealed class WideRow
    {
        [VectorType(3)]
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }

    private sealed class DoubleRow
    {
        public double X1 { get; set; }
        public bool Label { get; set; }
    }

    private sealed class TextLabelRow
    {
        [VectorType(2)]
        public float[] Features { get; set; } = [];
        public string Label { get; set; } = "";
    }

    [Fact]
    public void XorPipeline_WithDefaults_PredictsAllFourRows()
    {
        var mlContext = new MLContext(seed: 0);
        IDataView data = XorData.Load(mlContext);

        ITransformer model = XorData.Pipeline(mlContext, new XorMlpEstimator()).Fit(data);

        XorData.Prediction[] predictions = mlContext.Data.CreateEnumerable<XorData.Prediction>(model.Transform(data), false).ToArray();
        Assert.Equal(XorData.Rows.Select(r => r.Label), predictions.Select(p => p.PredictedLabel));
        Assert.All(predictions, p => Assert.Equal(p.Score > 0, p.Probability > 0.5f));
    }

    [Fact]
    public void XorPipeline_ThroughTheCatalog_PredictsAllFourRows_AndUsesItsArguments()
    {
        var mlContext = new MLContext(seed: 0);
        IDataView data = XorData.Load(mlContext);
        XorMlpEstimator trainer = mlContext.BinaryClassification.Trainers.XorMlp(hiddenLayerSize: 3, numberOfEpochs: 5000);

        TransformerChain<XorMlpTransformer> model = XorData.Pipeline(mlContext, trainer).Fit(data);

        XorMlpTransformer fitted = model.LastTransformer;
        Assert.Equal(3, fitted.Model.HiddenSize);
        Assert.Equal(5000, fitted.Model.TrainingOptions.NumberOfEpochs);
        Assert.True(fitted.Model.StopReason == StopReason.LossToleranceReached, $"{fitted.Model.StopReason} after {fitted.Model.EpochsRun} epochs, loss {fitted.Model.TrainingLossHistory[^1]}");
        var predictions = mlContext.Data.CreateEnumerable<XorData.Prediction>(model.Transform(data), false);
        Assert.Equal(XorData.Rows.Select(r => r.Label), predictions.Select(p => p.PredictedLabel));
    }

    [Theory]
    [InlineData(8, null, 4.0)]
    [InlineData(64, null, 1.0)]
    [InlineData(64, 0.5, 0.5)]
    public void Catalog_WithoutALearningRate_UsesTheSolversOwnForTheLayerWidth(int hidden, double? learningRate, double expected)
    {
        var mlContext = new MLContext(seed: 0);
        XorMlpEstimator trainer = mlContext.BinaryClassification.Trainers.XorMlp(hiddenLayerSize: hidden, learningRate: learningRate, numberOfEpochs: 3);

        XorMlpModelParameters network = XorData.Pipeline(mlContext, trainer).Fit(XorData.Load(mlContext)).LastTransformer.Model;

        Assert.Equal(expected, network.TrainingOptions.LearningRate);
    }

    [Fact]
    public void NotebookOptions_ThroughFit_FollowTheGoldenTrajectory()
    {
        GoldenTrajectory golden = GoldenTrajectory.Load();
        var mlContext = new MLContext(seed: 0);
        IDataView data = XorData.Load(mlContext);
        XorMlpEstimator.Options options = XorMlpEstimator.Options.Notebook();
        options.NumberOfEpochs = 100_000;

        XorMlpModelParameters network = XorData.Pipeline(mlContext, new XorMlpEstimator(mlContext, options)).Fit(data).LastTransformer.Model;

        Assert.Equal(100_000, network.EpochsRun);
        // Epoch 100,000 is still on the notebook's plateau (MSE 0.25 until ~350,000): the run is flagged as not having learnt.
        Assert.Equal(StopReason.NoImprovement, network.StopReason);
        Assert.Empty(network.FeatureOffset);
        foreach (GoldenTrajectory.Checkpoint checkpoint in golden.Checkpoints.Where(c => c.Epoch < 100_000))
        {
            double loss = network.TrainingLossHistory[checkpoint.Epoch];
            Assert.True(Math.Abs(loss - checkpoint.Loss) <= 1e-6 * checkpoint.Loss, $"epoch {checkpoint.Epoch}: loss {loss} vs {checkpoint.Loss}");
        }
        GoldenTrajectory.Checkpoint last = golden.Checkpoints.Single(c => c.Epoch == 100_000);
        double[] expected = [.. last.W1.SelectMany(r => r), .. last.B1, .. last.W2, .. last.B2];
        float[] actual = [.. network.W1, .. network.B1, .. network.W2, network.B2];
        for (int k = 0; k < expected.Length; k++)
        {
            Assert.True(Math.Abs(expected[k] - actual[k]) <= 1e-4, $"parameter {k}: {actual[k]} vs {expected[k]}");
        }
    }

    [Fact]
    public void NotebookOptions_400000Epochs_ThroughFit_SolveXor()
    {
        var mlContext = new MLContext(seed: 0);
        IDataView data = XorData.Load(mlContext);

        ITransformer model = XorData.Pipeline(mlContext, new XorMlpEstimator(XorMlpEstimator.Options.Notebook())).Fit(data);

        XorData.Prediction[] predictions = mlContext.Data.CreateEnumerable<XorData.Prediction>(model.Transform(data), false).ToArray();
        Assert.Equal(XorData.Rows.Select(r => r.Label), predictions.Select(p => p.PredictedLabel));
        double mse = predictions.Zip(XorData.Rows, (p, r) => Math.Pow(p.Probability - (r.Label ? 1 : 0), 2)).Average();
        Assert.True(mse < 0.01, $"MSE {mse}");
    }

    [Fact]
    public void Conformance_EstimatorAndTransformerAgree_BadInputIsRejected_SaveLoadKeepsValues()
    {
        var mlContext = new MLContext(seed: 0);
        IDataView data = XorData.LoadFeatures(mlContext);
        IDataView[] invalid =
        [
            mlContext.Data.LoadFromEnumerable(new[] { new DoubleRow { X1 = 1, Label = true } }),
            mlContext.Data.LoadFromEnumerable(new[] { new TextLabelRow { Features = [0, 1], Label = "yes" } }),
            XorData.Load(mlContext),
        ];
        IDataView missingFeatures = XorData.Load(mlContext);

        var transformer = (XorMlpTransformer)EstimatorConformance.Check(mlContext, new XorMlpEstimator(), data, invalid, missingFeatures);

        Assert.Equal("Features", transformer.FeatureColumnName);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 2), transformer.FeatureColumnType);
    }

    [Fact]
    public void OutputColumns_CarryMLNetsBinaryClassifierAnnotations()
    {
        var mlContext = new MLContext(seed: 0);
        IDataView data = XorData.Load(mlContext);
        DataViewSchema schema = XorData.Pipeline(mlContext, new XorMlpEstimator()).Fit(data).Transform(data).Schema;

        Assert.Equal(NumberDataViewType.Single, schema["Score"].Type);
        Assert.Equal(NumberDataViewType.Single, schema["Probability"].Type);
        Assert.Equal(BooleanDataViewType.Instance, schema["PredictedLabel"].Type);
        Assert.Equal("BinaryClassification", Annotation(schema["Score"], "ScoreColumnKind"));
        Assert.Equal("Score", Annotation(schema["Score"], "ScoreValueKind"));
        Assert.Equal("Probability", Annotation(schema["Probability"], "ScoreValueKind"));
        Assert.Equal("PredictedLabel", Annotation(schema["PredictedLabel"], "ScoreValueKind"));

        static string Annotation(DataViewSchema.Column column, string kind)
        {
            ReadOnlyMemory<char> value = default;
            column.Annotations.GetValue(kind, ref value);
            return value.ToString();
        }
    }

    [Fact]
    public void Evaluate_OnXor_GivesPerfectAccuracyAndAuc()
    {
        var mlContext = new MLContext(seed: 0);
        IDataView data = XorData.Load(mlContext);
        ITransformer model = XorData.Pipeline(mlContext, new XorMlpEstimator()).Fit(data);

        CalibratedBinaryClassificationMetrics metrics = mlContext.BinaryClassification.Evaluate(model.Transform(data));

        Assert.Equal(1.0, metrics.Accuracy);
        Assert.Equal(1.0, metrics.AreaUnderRocCurve);
        Assert.True(metrics.LogLoss < 0.1, $"log-loss {metrics.LogLoss}");
    }

    [Fact]
    public void CrossValidate_OnANonlinearTable_GivesOurTransformersAndHighAccuracy()
    {
        var mlContext = new MLContext(seed: 0);
        IDataView data = mlContext.Data.LoadFromEnumerable(SyntheticRows(600, seed: 5, label: x => x[0] * x[1] > 0));
        var options = new XorMlpEstimator.Options { HiddenLayerSize = 8, NumberOfEpochs = 2000, LearningRate = 0.05, InitialWeightScale = 1 };

        var folds = mlContext.BinaryClassification.CrossValidate(data, new XorMlpEstimator(mlContext, options), numberOfFolds: 3);

        Assert.Equal(3, folds.Count);
        Assert.All(folds, fold => Assert.IsType<XorMlpTransformer>(fold.Model));
        // The label is XOR-like (x0·x1 > 0): a linear model cannot beat chance, the network must.
        var linear = mlContext.BinaryClassification.CrossValidate(data, mlContext.BinaryClassification.Trainers.LbfgsLogisticRegression(), numberOfFolds: 3);
        Assert.All(folds, fold => Assert.True(fold.Metrics.Accuracy > 0.8, $"fold {fold.Fold}: accuracy {fold.Metrics.Accuracy}"));
        Assert.All(linear, fold => Assert.True(fold.Metrics.Accuracy < 0.65, $"linear fold {fold.Fold}: accuracy {fold.Metrics.Accuracy}"));
    }

    [Fact]
    public void PermutationFeatureImportance_RanksTheOnlyInformativeFeatureFirst()
    {
        var mlContext = new MLContext(seed: 0);
        IDataView data = mlContext.Data.LoadFromEnumerable(SyntheticRows(400, seed: 6, label: x => x[1] > 0));
        var options = new XorMlpEstimator.Options { HiddenLayerSize = 4, NumberOfEpochs = 1000, InitialWeightScale = 1 };
        XorMlpTransformer model = new XorMlpEstimator(mlContext, options).Fit(data);

        var importance = mlContext.BinaryClassification.PermutationFeatureImportance(model, data, permutationCount: 3);

        double[] aucDrop = importance.Select(m => -m.AreaUnderRocCurve.Mean).ToArray();
        Assert.Equal(3, aucDrop.Length);
        Assert.Equal(1, Array.IndexOf(aucDrop, aucDrop.Max()));
        Assert.True(aucDrop[1] > 0.3, $"AUC drop of the informative feature: {aucDrop[1]}");
        Assert.True(aucDrop[0] < 0.05 && aucDrop[2] < 0.05, $"AUC drops of the noise features: {aucDrop[0]}, {aucDrop[2]}");
    }

    [Fact]
    public void PredictionEngine_PredictsEachXorRow_AndMatchesTransform()
    {
        var mlContext = new MLContext(seed: 0);
        IDataView data = XorData.Load(mlContext);
        ITransformer model = XorData.Pipeline(mlContext, new XorMlpEstimator()).Fit(data);
        XorData.Prediction[] batch = mlContext.Data.CreateEnumerable<XorData.Prediction>(model.Transform(data), false).ToArray();

        var engine = mlContext.Model.CreatePredictionEngine<XorData.Row, XorData.Prediction>(model);

        for (int i = 0; i < XorData.Rows.Length; i++)
        {
            XorData.Prediction single = engine.Predict(XorData.Rows[i]);
            Assert.Equal(XorData.Rows[i].Label, single.PredictedLabel);
            Assert.Equal(batch[i].Score, single.Score);
            Assert.Equal(batch[i].Probability, single.Probability);
        }
    }

    /// <summary>
    /// Every row of a table of another size is scored like the reference network (double, same weights) to 1e-5 of
    /// the score's scale; the probability is σ(Score) and the label Score > 0, exactly. (RowScorerTests holds the
    /// scorer itself to a tighter bound.)
    /// </summary>
    [Fact]
    public void Transform_OnDataOfAnotherRowCount_ScoresEveryRowLikeTheNetwork()
    {
        var mlContext = new MLContext(seed: 0);
        IDataView train = mlContext.Data.LoadFromEnumerable(SyntheticRows(200, seed: 7, label: x => x[0] * x[1] > 0));
        var transformer = new XorMlpEstimator(mlContext, new XorMlpEstimator.Options { HiddenLayerSize = 5, NumberOfEpochs = 300 }).Fit(train);
        WideRow[] rows = SyntheticRows(1537, seed: 8, label: _ => false);

        var scored = mlContext.Data.CreateEnumerable<XorData.Prediction>(transformer.Transform(mlContext.Data.LoadFromEnumerable(rows)), false).ToArray();

        Assert.Equal(rows.Length, scored.Length);
        XorMlpModelParameters m = transformer.Model;
        var network = new TwoLayerNetwork<double>(m.InputSize, m.HiddenSize, [.. m.W1.Select(v => (double)v), .. m.B1.Select(v => (double)v),
            .. m.W2.Select(v => (double)v), m.B2]);
        var hidden = new double[m.HiddenSize];
        double scale = 1 + Math.Abs(m.B2) + m.W2.Sum(Math.Abs);
        // The features column is not marked as normalized, so the trainer standardized it (NormalizeFeatures Auto).
        Assert.Equal(m.InputSize, m.FeatureOffset.Count);
        for (int i = 0; i < rows.Length; i++)
        {
            double z2 = network.Score(rows[i].Features.Select((v, j) => ((double)v - m.FeatureOffset[j]) * m.FeatureScale[j]).ToArray(), hidden);
            Assert.True(Math.Abs(scored[i].Score - z2) <= 1e-5 * scale, $"row {i}: score {scored[i].Score}, reference {z2}");
            Assert.Equal(1f / (1f + MathF.Exp(-scored[i].Score)), scored[i].Probability);
            Assert.Equal(scored[i].Score > 0, scored[i].PredictedLabel);
        }
    }

    [Fact]
    public void Fit_IsDeterministic_AndTheSeedAloneDecides()
    {
        var options = new XorMlpEstimator.Options { Seed = 3, HiddenLayerSize = 4, NumberOfEpochs = 500, BatchSize = 64, Solver = Solver.Adam };
        float[] Fit(XorMlpEstimator estimator, MLContext mlContext)
        {
            XorMlpModelParameters m = estimator.Fit(mlContext.Data.LoadFromEnumerable(SyntheticRows(300, seed: 9, label: x => x[0] > x[2]))).Model;
            return [.. m.W1, .. m.B1, .. m.W2, m.B2];
        }

        float[] first = Fit(new XorMlpEstimator(options), new MLContext(seed: 1));
        float[] second = Fit(new XorMlpEstimator(new MLContext(seed: 2), options), new MLContext(seed: 3));
        float[] third = Fit(new MLContext(seed: 4).BinaryClassification.Trainers.XorMlp(options), new MLContext(seed: 5));
        options.Seed = 4;
        float[] otherSeed = Fit(new XorMlpEstimator(options), new MLContext(seed: 1));

        Assert.Equal(first, second);
        Assert.Equal(first, third);
        Assert.NotEqual(first, otherSeed);
    }

    [Fact]
    public void NumberOfThreads_DoesNotChangeTheWeights()
    {
        var mlContext = new MLContext(seed: 0);
        IDataView data = mlContext.Data.LoadFromEnumerable(SyntheticRows(10_000, seed: 12, label: x => x[0] * x[1] > 0));
        float[] Fit(int? threads)
        {
            var options = new XorMlpEstimator.Options { HiddenLayerSize = 8, NumberOfEpochs = 5, LossTolerance = 0, NumberOfThreads = threads };
            XorMlpModelParameters m = new XorMlpEstimator(options).Fit(data).Model;
            return [.. m.W1, .. m.B1, .. m.W2, m.B2];
        }

        float[] one = Fit(1);

        Assert.Equal(one, Fit(2));
        Assert.Equal(one, Fit(null));
    }

    [Fact]
    public void SingleLabels_InZeroOne_TrainLikeBooleans()
    {
        var mlContext = new MLContext(seed: 0);
        var boolRows = SyntheticRows(100, seed: 10, label: x => x[0] > 0);
        var options = new XorMlpEstimator.Options { NumberOfEpochs = 200 };

        var fromBool = new XorMlpEstimator(options).Fit(mlContext.Data.LoadFromEnumerable(boolRows)).Model;
        var fromFloat = new XorMlpEstimator(options).Fit(LoadFloatLabels(mlContext, boolRows)).Model;

        Assert.Equal(fromBool.W1, fromFloat.W1);
        Assert.Equal(fromBool.TrainingLossHistory, fromFloat.TrainingLossHistory);
    }

    [Fact]
    public void MLContextLog_ReceivesProgressMessages()
    {
        var mlContext = new MLContext(seed: 0);
        var messages = new List<string>();
        mlContext.Log += (_, e) =>
        {
            lock (messages)
            {
                messages.Add(e.RawMessage);
            }
        };
        var options = new XorMlpEstimator.Options { ProgressInterval = 50, NumberOfEpochs = 200, LossTolerance = 0, MaxRestarts = 0 };

        new XorMlpEstimator(mlContext, options).Fit(XorData.LoadFeatures(mlContext));

        string[] progress = messages.Where(m => m.StartsWith("Epoch ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["Epoch 50:", "Epoch 100:", "Epoch 150:", "Epoch 200:"], progress.Select(m => m[..m.IndexOf(':')] + ":"));
        Assert.All(progress, m => Assert.Contains("training loss", m));
    }

    internal static WideRow[] SyntheticRows(int count, uint seed, Func<float[], bool> label)
    {
        var random = new NumpyRandom(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            float[] x = [(float)random.NextGaussian(), (float)random.NextGaussian(), (float)random.NextGaussian()];
            return new WideRow { Features = x, Label = label(x) };
        }).ToArray();
    }

    private static IDataView LoadFloatLabels(MLContext mlContext, WideRow[] rows)
    {
        var schema = SchemaDefinition.Create(typeof(FloatLabelRow));
        return mlContext.Data.LoadFromEnumerable(rows.Select(r => new FloatLabelRow { Features = r.Features, Label = r.Label ? 1f : 0f }), schema);
    }

    private sealed class FloatLabelRow
    {
        [VectorType(3)]
        public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }
}
