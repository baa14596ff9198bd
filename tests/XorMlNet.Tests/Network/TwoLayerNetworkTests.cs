using System.Numerics;
using XorMlNet.Network;
using XorMlNet.Training;

namespace XorMlNet.Tests.Network;

public class TwoLayerNetworkTests
{
    private static readonly GoldenTrajectory Golden = GoldenTrajectory.Load();

    [Fact]
    public void GoldenTrajectory_Double_EveryCheckpointWithin1e9Relative()
    {
        const double relative = 1e-9;
        var network = NotebookNetwork<double>();
        int epoch = 0;
        foreach (GoldenTrajectory.Checkpoint checkpoint in Golden.Checkpoints)
        {
            Train(network, checkpoint.Epoch - epoch);
            epoch = checkpoint.Epoch;

            (double loss, double[] predictions) = Evaluate(network);
            AssertRelative(checkpoint.Loss, loss, relative, $"loss at epoch {epoch}");
            AssertAllRelative(checkpoint.W1.SelectMany(r => r).ToArray(), network.W1.ToArray(), relative, $"W1 at epoch {epoch}");
            AssertAllRelative(checkpoint.B1, network.B1.ToArray(), relative, $"b1 at epoch {epoch}");
            AssertAllRelative(checkpoint.W2, network.W2.ToArray(), relative, $"W2 at epoch {epoch}");
            AssertAllRelative(checkpoint.B2, [network.B2], relative, $"b2 at epoch {epoch}");
            AssertAllRelative(checkpoint.Predictions, predictions, relative, $"predictions at epoch {epoch}");
        }
    }

    [Fact]
    public void GoldenTrajectory_Float_UpTo100000_LossWithin1e6RelativeAndWeightsWithin1e4()
    {
        var network = NotebookNetwork<float>();
        int epoch = 0;
        foreach (GoldenTrajectory.Checkpoint checkpoint in Golden.Checkpoints.Where(c => c.Epoch <= 100_000))
        {
            Train(network, checkpoint.Epoch - epoch);
            epoch = checkpoint.Epoch;

            (double loss, double[] predictions) = Evaluate(network);
            AssertRelative(checkpoint.Loss, loss, 1e-6, $"loss at epoch {epoch}");
            double[] expected = [.. checkpoint.W1.SelectMany(r => r), .. checkpoint.B1, .. checkpoint.W2, .. checkpoint.B2];
            double[] actual = network.Parameters.ToArray().Select(v => (double)v).ToArray();
            for (int k = 0; k < expected.Length; k++)
            {
                Assert.True(Math.Abs(expected[k] - actual[k]) <= 1e-4,
                    $"parameter {k} at epoch {epoch}: expected {expected[k]}, got {actual[k]}");
            }
        }
    }

    [Fact]
    public void NotebookConfiguration_400000Epochs_SolvesXor_InDoubleAndFloat()
    {
        AssertSolves(NotebookNetwork<double>());
        AssertSolves(NotebookNetwork<float>());

        static void AssertSolves<T>(TwoLayerNetwork<T> network) where T : unmanaged, IFloatingPointIeee754<T>
        {
            TrainingResult result = Train(network, 400_000);
            (double loss, double[] predictions) = Evaluate(network);

            Assert.Equal(400_000, result.EpochsRun);
            Assert.True(loss < 0.01, $"{typeof(T).Name}: loss {loss} after 400000 epochs");
            Assert.Equal(Golden.Y.Select(y => y > 0.5), predictions.Select(p => p > 0.5));
            // The plateau: still near 0.25 at epoch 100000, as numpy's run.
            Assert.InRange(result.TrainingLoss[100_000], 0.2499, 0.2501);
        }
    }

    [Fact]
    public void Backward_MatchesCentralDifferences_ForEveryParameter()
    {
        var random = new NumpyRandom(2024);
        for (int trial = 0; trial < 20; trial++)
        {
            int d = 1 + random.NextInt32(6), h = 1 + random.NextInt32(6), n = 1 + random.NextInt32(9);
            var network = new TwoLayerNetwork<double>(d, h);
            network.InitializeNormal(random, 1.0);
            network.B1.Fill(0.3);
            network.B2 = -0.2;
            double[] x = Enumerable.Range(0, n * d).Select(_ => random.NextGaussian()).ToArray();
            double[] y = Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray();

            double[] analytic = new double[network.Parameters.Length];
            double[] hidden = new double[n * h], output = new double[n];
            network.Forward(x, hidden, output);
            network.Backward(x, y, hidden, output, 2.0 / n, analytic, new double[h]);

            for (int k = 0; k < analytic.Length; k++)
            {
                const double step = 1e-5;
                double saved = network.Parameters[k];
                network.Parameters[k] = saved + step;
                double plus = Loss(network, x, y);
                network.Parameters[k] = saved - step;
                double minus = Loss(network, x, y);
                network.Parameters[k] = saved;
                double numeric = (plus - minus) / (2 * step);

                double scale = Math.Max(Math.Abs(numeric), Math.Abs(analytic[k]));
                Assert.True(Math.Abs(numeric - analytic[k]) <= 1e-6 * scale + 1e-11,
                    $"trial {trial} (d={d}, H={h}, N={n}) parameter {k}: analytic {analytic[k]}, numeric {numeric}");
            }
        }

        static double Loss(TwoLayerNetwork<double> network, double[] x, double[] y)
        {
            double[] hidden = new double[y.Length * network.HiddenSize], output = new double[y.Length];
            network.Forward(x, hidden, output);
            return Kernels.SumOfSquaredErrors<double>(output, y) / y.Length;
        }
    }

    [Fact]
    public void Score_IsThePreActivationOfForwardsOutput()
    {
        var network = NotebookNetwork<double>();
        Train(network, 1000);
        double[] hidden = new double[2];
        double[] batchHidden = new double[Golden.Y.Length * 2], output = new double[Golden.Y.Length];
        network.Forward(Golden.FlatX, batchHidden, output);

        for (int r = 0; r < Golden.Y.Length; r++)
        {
            double z2 = network.Score(Golden.X[r], hidden);
            Assert.Equal(output[r], 1 / (1 + Math.Exp(-z2)));
            Assert.Equal(batchHidden.AsSpan(r * 2, 2).ToArray(), hidden);
        }
    }

    [Fact]
    public void Constructor_RejectsBadSizesAndParameterCounts()
    {
        Assert.Equal("inputSize", Assert.Throws<ArgumentOutOfRangeException>(() => new TwoLayerNetwork<float>(0, 2)).ParamName);
        Assert.Equal("hiddenSize", Assert.Throws<ArgumentOutOfRangeException>(() => new TwoLayerNetwork<float>(2, 0)).ParamName);
        Assert.Equal("hiddenSize", Assert.Throws<ArgumentOutOfRangeException>(() => new TwoLayerNetwork<float>(1 << 16, 1 << 16)).ParamName);
        Assert.Equal("parameters", Assert.Throws<ArgumentException>(() => new TwoLayerNetwork<float>(2, 2, new float[8])).ParamName);
    }

    [Fact]
    public void Forward_RejectsMismatchedBuffers()
    {
        var network = new TwoLayerNetwork<double>(2, 2);
        Assert.Equal("inputs", Assert.Throws<ArgumentException>(() => network.Forward(new double[5], new double[4], new double[2])).ParamName);
        Assert.Equal("hidden", Assert.Throws<ArgumentException>(() => network.Forward(new double[4], new double[3], new double[2])).ParamName);
    }

    internal static TwoLayerNetwork<T> NotebookNetwork<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var network = new TwoLayerNetwork<T>(2, 2);
        network.InitializeNormal(new NumpyRandom((uint)Golden.Seed), 0.1);
        return network;
    }

    private static TrainingResult Train<T>(TwoLayerNetwork<T> network, int epochs) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (epochs == 0)
        {
            return null!;
        }
        T[] x = Golden.FlatX.Select(T.CreateChecked).ToArray();
        T[] y = Golden.Y.Select(T.CreateChecked).ToArray();
        return NetworkTrainer.Train(network, x, y, new TrainingSettings { LearningRate = Golden.LearningRate, NumberOfEpochs = epochs });
    }

    private static (double Loss, double[] Predictions) Evaluate<T>(TwoLayerNetwork<T> network) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = Golden.FlatX.Select(T.CreateChecked).ToArray();
        T[] y = Golden.Y.Select(T.CreateChecked).ToArray();
        var hidden = new T[y.Length * network.HiddenSize];
        var output = new T[y.Length];
        network.Forward(x, hidden, output);
        return (double.CreateChecked(Kernels.SumOfSquaredErrors<T>(output, y) / T.CreateChecked(y.Length)), output.Select(double.CreateChecked).ToArray());
    }

    private static void AssertRelative(double expected, double actual, double relative, string what)
        => Assert.True(Math.Abs(expected - actual) <= relative * Math.Abs(expected),
            $"{what}: expected {expected:R}, got {actual:R} (relative error {Math.Abs(expected - actual) / Math.Abs(expected):E2})");

    private static void AssertAllRelative(double[] expected, double[] actual, double relative, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++)
        {
            AssertRelative(expected[k], actual[k], relative, $"{what} [{k}]");
        }
    }
}
