using Microsoft.ML;

namespace XorMlNet.Tests.MLNet;

public class DefaultsSweepTests
{
    /// <summary>
    /// The defaults' promise, through ML.NET: every option at its default except Seed learns XOR (4/4, MSE &lt; 0.01) for
    /// seeds 0..99. It is also a performance guard: 100 fits run in the test budget only if the defaults converge fast.
    /// </summary>
    [Fact]
    public void NewEstimatorWithDefaults_LearnsXor_ForSeeds0To99()
    {
        var mlContext = new MLContext(seed: 0);
        IDataView data = XorData.LoadFeatures(mlContext);
        var failures = new List<string>();

        for (int seed = 0; seed < 100; seed++)
        {
            XorMlpTransformer model = new XorMlpEstimator(new XorMlpEstimator.Options { Seed = seed }).Fit(data);
            XorData.Prediction[] predictions = mlContext.Data.CreateEnumerable<XorData.Prediction>(model.Transform(data), false).ToArray();
            int right = predictions.Zip(XorData.Rows, (p, r) => p.PredictedLabel == r.Label).Count(ok => ok);
            double mse = predictions.Zip(XorData.Rows, (p, r) => Math.Pow(p.Probability - (r.Label ? 1 : 0), 2)).Average();
            if (right != 4 || !(mse < 0.01))
            {
                failures.Add($"seed {seed}: {right}/4 right, MSE {mse:G4}, {model.Model.EpochsRun} epochs, {model.Model.StopReason}");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}
