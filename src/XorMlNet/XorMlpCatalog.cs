using Microsoft.ML;
using Microsoft.ML.Data;

namespace XorMlNet;

/// <summary>
/// <c>mlContext.BinaryClassification.Trainers.XorMlp(...)</c>, the catalog entry for <see cref="XorMlpEstimator"/>,
/// in the shape of ML.NET's own trainer catalogs.
/// </summary>
public static class XorMlpCatalog
{
    /// <summary>Creates an <see cref="XorMlpEstimator"/> with the most used options; the rest keep their defaults.</summary>
    /// <param name="catalog">The binary classification trainers catalog.</param>
    /// <param name="labelColumnName">The label column: <see cref="bool"/>, or <see cref="float"/> in [0, 1].</param>
    /// <param name="featureColumnName">The feature column: a known-size vector of <see cref="float"/>.</param>
    /// <param name="hiddenLayerSize">Number of hidden sigmoid units.</param>
    /// <param name="learningRate">Step size of the solver.</param>
    /// <param name="numberOfEpochs">Maximum number of passes over the training rows.</param>
    public static XorMlpEstimator XorMlp(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string labelColumnName = XorMlpEstimator.Options.Defaults.LabelColumnName,
        string featureColumnName = XorMlpEstimator.Options.Defaults.FeatureColumnName,
        int hiddenLayerSize = XorMlpEstimator.Options.Defaults.HiddenLayerSize,
        double learningRate = XorMlpEstimator.Options.Defaults.LearningRate,
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
}
