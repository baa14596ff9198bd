using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace XorMlNet;

public sealed partial class XorMlpEstimator
{
    /// <summary>
    /// This trainer under the type ML.NET's one-versus-all trainer asks for, a trainer of
    /// <see cref="BinaryPredictionTransformer{TModel}"/>: see <see cref="XorMlpCatalog.OneVersusAll"/>.
    /// </summary>
    internal ITrainerEstimator<BinaryPredictionTransformer<XorMlpModelParameters>, XorMlpModelParameters> AsBinaryTrainer() => new BinaryTrainer(this);

    /// <summary>
    /// Fits <see cref="XorMlpEstimator"/> and hands its model over in ML.NET's own binary prediction transformer,
    /// which scores it with the same scorer (Score, Probability, PredictedLabel = Score &gt; 0).
    /// </summary>
    private sealed class BinaryTrainer(XorMlpEstimator estimator) : ITrainerEstimator<BinaryPredictionTransformer<XorMlpModelParameters>, XorMlpModelParameters>
    {
        public TrainerInfo Info => estimator.Info;

        public SchemaShape GetOutputSchema(SchemaShape inputSchema) => estimator.GetOutputSchema(inputSchema);

        public BinaryPredictionTransformer<XorMlpModelParameters> Fit(IDataView input)
        {
            XorMlpTransformer fitted = estimator.Fit(input);
            return new BinaryPredictionTransformer<XorMlpModelParameters>(estimator.Host, fitted.Model, input.Schema, fitted.FeatureColumnName);
        }
    }
}
