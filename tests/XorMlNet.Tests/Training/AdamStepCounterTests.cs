using XorMlNet.Network;
using XorMlNet.Training;

namespace XorMlNet.Tests.Training;

/// <summary>Adam's step counter t keeps counting past 2³¹ updates, and the bias corrections 1 − βᵗ stay right there.</summary>
public class AdamStepCounterTests
{
    /// <summary>
    /// A run whose counter stands at 2³¹ − 2 makes three more full-batch Adam updates (t = 2³¹ − 1, 2³¹, 2³¹ + 1) on
    /// XOR; the weights match Adam's formula worked here in double, with β1 and β2 so close to 1 that βᵗ at such t is
    /// still far from 0 (β2ᵗ ≈ e^−2.1), so the bias corrections are really exercised.
    /// </summary>
    [Fact]
    public void Adam_StepsAcross2Pow31_ContinueAndFollowTheFormula()
    {
        const double Beta1 = 1 - 1e-9, Beta2 = 1 - 1e-9, Epsilon = 1e-8, LearningRate = 0.01;
        double[] x = TrainingData.XorFeatures<double>(), y = TrainingData.XorTargets<double>();
        TwoLayerNetwork<double> network = TrainingData.Network<double>(2, 4, seed: 3);
        var expected = new TwoLayerNetwork<double>(2, 4, network.Parameters);
        var settings = new TrainingSettings
        {
            Solver = Solver.Adam, LearningRate = LearningRate, Beta1 = Beta1, Beta2 = Beta2, Epsilon = Epsilon, NumberOfEpochs = 3,
        };
        const long Start = int.MaxValue - 1L;

        using (var runner = new NetworkTrainer.EpochRunner<double>(network, x, y, settings))
        {
            runner.AdamSteps = Start;
            for (int epoch = 0; epoch < 3; epoch++)
            {
                runner.TrainEpoch();
            }
            Assert.Equal(Start + 3, runner.AdamSteps);
        }

        int p = expected.Parameters.Length;
        double[] m = new double[p], v = new double[p], gradient = new double[p], hidden = new double[4 * 4], output = new double[4], delta1 = new double[4];
        for (long t = Start + 1; t <= Start + 3; t++)
        {
            Array.Clear(gradient);
            expected.Forward(x, hidden, output);
            expected.Backward(x, y, hidden, output, 2.0 / 4, gradient, delta1);
            double correction1 = 1 - Math.Pow(Beta1, t), correction2 = 1 - Math.Pow(Beta2, t);
            Assert.InRange(correction2, 0.5, 0.99);
            Span<double> theta = expected.Parameters;
            for (int i = 0; i < p; i++)
            {
                m[i] = Beta1 * m[i] + (1 - Beta1) * gradient[i];
                v[i] = Beta2 * v[i] + (1 - Beta2) * gradient[i] * gradient[i];
                theta[i] -= LearningRate * (m[i] / correction1) / (Math.Sqrt(v[i] / correction2) + Epsilon);
            }
        }
        double moved = 0;
        for (int i = 0; i < p; i++)
        {
            Assert.Equal(expected.Parameters[i], network.Parameters[i], 1e-12);
            moved = Math.Max(moved, Math.Abs(network.Parameters[i] - TrainingData.Network<double>(2, 4, seed: 3).Parameters[i]));
        }
        Assert.True(moved > 1e-6, $"the weights moved by at most {moved}");
    }
}
