using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace XorMlNet;

/// <summary>
/// <c>mlContext.BinaryClassification.Trainers.XorMlp(...)</c>, the catalog entry for <see cref="XorMlpEstimator"/>,
/// in the shape of ML.NET's own trainer catalogs, and the one-versus-all multiclass trainer over it.
/// </summary>
public static class XorMlpCatalog
{
    /// <summary>Creates an <see cref="XorMlpEstimator"/> with the most used options; the rest keep their defaults.</summary>
    /// <param name="catalog">The binary classification trainers catalog.</param>
    /// <param name="labelColumnName">The label column: <see cref="bool"/>, or <see cref="float"/> in [0, 1].</param>
    /// <param name="featureColumnName">The feature column: a known-size vector of <see cref="float"/>.</param>
    /// <param name="hiddenLayerSize">Number of hidden sigmoid units.</param>
    /// <param name="learningRate">Step size of the solver; null for the solver's own (see <see cref="XorMlpEstimator.Options.LearningRate"/>).</param>
    /// <param name="numberOfEpochs">Maximum number of passes over the training rows.</param>
    public static XorMlpEstimator XorMlp(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string labelColumnName = XorMlpEstimator.Options.Defaults.LabelColumnName,
        string featureColumnName = XorMlpEstimator.Options.Defaults.FeatureColumnName,
        int hiddenLayerSize = XorMlpEstimator.Options.Defaults.HiddenLayerSize,
        double? learningRate = null,
        int numberOfEpochs = XorMlpEstimator.Options.Defaults.NumberOfEpochs)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new XorMlpEstimator(catalog.GetEnvironment(), new XorMlpEstimator.Options
        {
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            HiddenLayerSize = hiddenLayerSize,
            LearningRate = learningRate,
            NumberOfEpochs = numberOfEpochs,
        });
    }

    /// <summary>Creates an <see cref="XorMlpEstimator"/> from a full set of options.</summary>
    /// <param name="catalog">The binary classification trainers catalog.</param>
    /// <param name="options">Every option of the trainer; validated here.</param>
    public static XorMlpEstimator XorMlp(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, XorMlpEstimator.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new XorMlpEstimator(catalog.GetEnvironment(), options);
    }

    /// <summary>
    /// ML.NET's one-versus-all multiclass trainer (<see cref="OneVersusAllTrainer"/>) over XorMlp: one network per class,
    /// trained on that class against the rest; the class with the highest probability wins. Called as for ML.NET's own
    /// binary trainers: <c>mlContext.MulticlassClassification.Trainers.OneVersusAll(mlContext.BinaryClassification.Trainers.XorMlp())</c>.
    /// </summary>
    /// <remarks>
    /// ML.NET's generic <c>OneVersusAll&lt;TModel&gt;</c> names its binary trainer by ML.NET's own transformer type,
    /// <see cref="BinaryPredictionTransformer{TModel}"/>, which cannot be subclassed; this overload hands it this
    /// trainer under that type. The fitted model is ML.NET's <see cref="OneVersusAllModelParameters"/> holding one
    /// <see cref="XorMlpModelParameters"/> per class, saved, loaded and evaluated as with any built-in binary trainer.
    /// With <paramref name="useProbabilities"/> (the default) no calibrator is trained: the network's σ output is
    /// already a probability.
    /// </remarks>
    /// <param name="catalog">The multiclass classification trainers catalog.</param>
    /// <param name="binaryEstimator">The XorMlp trainer each class's network is trained with. Its label column must be
    /// <paramref name="labelColumnName"/>: the trainer sees it as a <see cref="bool"/>, true for the class being trained.</param>
    /// <param name="labelColumnName">The label column: a key (e.g. from <c>MapValueToKey</c>).</param>
    /// <param name="imputeMissingLabelsAsNegative">Whether rows with a missing label count as negatives for every class.</param>
    /// <param name="calibrator">The calibrator to train when <paramref name="useProbabilities"/> is false; null for ML.NET's default.</param>
    /// <param name="maximumCalibrationExampleCount">At most this many rows to train a calibrator on.</param>
    /// <param name="useProbabilities">Compare the classes' probabilities (true) or their raw scores.</param>
    public static OneVersusAllTrainer OneVersusAll(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        XorMlpEstimator binaryEstimator,
        string labelColumnName = DefaultColumnNames.Label,
        bool imputeMissingLabelsAsNegative = false,
        IEstimator<ISingleFeaturePredictionTransformer<ICalibrator>>? calibrator = null,
        int maximumCalibrationExampleCount = 1_000_000_000,
        bool useProbabilities = true)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(binaryEstimator);
        return StandardTrainersCatalog.OneVersusAll(catalog, binaryEstimator.AsBinaryTrainer(), labelColumnName, imputeMissingLabelsAsNegative,
            calibrator, maximumCalibrationExampleCount, useProbabilities);
    }
}
