namespace XorMlNet;

/// <summary>
/// Whether <see cref="XorMlpEstimator"/> standardizes the features itself, as ML.NET's trainers that need normalized
/// input do (its <c>NormalizeFeatures</c> convention). The statistics are kept in the model
/// (<see cref="XorMlpModelParameters.FeatureOffset"/>, <see cref="XorMlpModelParameters.FeatureScale"/>) and applied to
/// every row it scores.
/// </summary>
public enum FeatureNormalization
{
    /// <summary>
    /// Standardize unless the feature column carries ML.NET's <c>IsNormalized</c> annotation (set by
    /// <c>NormalizeMeanVariance</c>, <c>NormalizeMinMax</c> and the other normalizers upstream): raw columns such as
    /// cholesterol ~250 or age ~55 saturate the sigmoids, and the network then predicts one class.
    /// </summary>
    Auto = 0,

    /// <summary>Always standardize, even a column marked as normalized.</summary>
    Yes = 1,

    /// <summary>Never: the network sees the features as they are (the notebook's behaviour).</summary>
    No = 2,
}
