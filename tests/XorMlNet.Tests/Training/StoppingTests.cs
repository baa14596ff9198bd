using XorMlNet.Network;
using XorMlNet.Training;

namespace XorMlNet.Tests.Training;

public class StoppingTests
{
    private static readonly float[] XorX = TrainingData.XorFeatures<float>();
    private static readonly float[] XorY = TrainingData.XorTargets<float>();

    [Fact]
    public void LossTolerance_StopsAtTheFirstEpochBelowIt()
    {
        const double tolerance = 0.01;
        TwoLayerNetwork<float> network = TrainingData.Network<float>(2, 2, seed: 42);

        TrainingResult result = NetworkTrainer.Train(network, XorX, XorY,
            TrainingSettings.Defaults with { Seed = 42, LossTolerance = tolerance, MaxRestarts = 0 });

        Assert.Equal(StopReason.LossToleranceReached, result.StopReason);
        Assert.True(result.TrainingLoss[^1] < tolerance);
        int firstBelow = result.TrainingLoss.ToList().FindIndex(loss => loss < tolerance);
        Assert.Equal(result.EpochsRun - 1, firstBelow);
    }

    [Fact]
    public void WithoutAnotherRule_RunsExactlyTheMaximumEpochs()
    {
        TwoLayerNetwork<float> network = TrainingData.Network<float>(2, 2, seed: 42);

        TrainingResult result = NetworkTrainer.Train(network, XorX, XorY, new TrainingSettings { Solver = Solver.Momentum, LearningRate = 4, NumberOfEpochs = 1234 });

        Assert.Equal(StopReason.MaximumEpochs, result.StopReason);
        Assert.True(result.FinalTrainingLoss < 0.99 * result.TrainingLoss[0], $"{result.FinalTrainingLoss} from {result.TrainingLoss[0]}");
        Assert.Equal(1234, result.EpochsRun);
        Assert.Empty(result.ValidationLoss);
        Assert.Equal(0, result.Restarts);
    }

    /// <summary>
    /// 128 training rows with 15% of the labels flipped, 256 clean validation rows, 16 hidden units: the validation
    /// loss bottoms out (measured: epoch 157) and then rises as the network learns the noise.
    /// </summary>
    [Fact]
    public void EarlyStopping_StopsPatienceEpochsAfterTheBestValidationEpoch_AndRestoresItsWeights()
    {
        const int patience = 200;
        (float[] x, float[] y, float[] vx, float[] vy) = Overfitting();
        TwoLayerNetwork<float> network = TrainingData.Network<float>(8, 16, seed: 0);

        TrainingResult result = NetworkTrainer.Train(network, x, y, vx, vy, OverfittingSettings with { EpochsWithoutImprovement = patience });

        Assert.Equal(StopReason.EarlyStopping, result.StopReason);
        int best = ArgMin(result.ValidationLoss);
        Assert.True(best > 10, $"best validation epoch {best + 1}: should be past the initial plateau");
        Assert.Equal(best + 1 + patience, result.EpochsRun);
        Assert.Equal(result.EpochsRun, result.ValidationLoss.Count);
        Assert.True(result.ValidationLoss[^1] > result.ValidationLoss[best]);
        Assert.Equal(result.ValidationLoss[best], TrainingData.Mse(network, vx, vy), 1e-6);
    }

    [Fact]
    public void EarlyStoppingOn_RunningOutOfEpochs_StillRestoresTheBestValidationWeights()
    {
        (float[] x, float[] y, float[] vx, float[] vy) = Overfitting();
        TwoLayerNetwork<float> network = TrainingData.Network<float>(8, 16, seed: 0);

        TrainingResult result = NetworkTrainer.Train(network, x, y, vx, vy, OverfittingSettings with { NumberOfEpochs = 300 });

        Assert.Equal(StopReason.MaximumEpochs, result.StopReason);
        int best = ArgMin(result.ValidationLoss);
        Assert.True(best < 299, $"best validation epoch {best + 1}");
        Assert.Equal(result.ValidationLoss[best], TrainingData.Mse(network, vx, vy), 1e-6);
    }

    [Fact]
    public void EarlyStoppingOff_KeepsTheLastWeights_AndStillRecordsValidationLoss()
    {
        (float[] x, float[] y, float[] vx, float[] vy) = Overfitting();
        TwoLayerNetwork<float> network = TrainingData.Network<float>(8, 16, seed: 0);

        TrainingResult result = NetworkTrainer.Train(network, x, y, vx, vy,
            OverfittingSettings with { EpochsWithoutImprovement = 0, NumberOfEpochs = 500 });

        Assert.Equal(StopReason.MaximumEpochs, result.StopReason);
        Assert.Equal(500, result.ValidationLoss.Count);
        Assert.Equal(result.ValidationLoss[^1], TrainingData.Mse(network, vx, vy), 1e-6);
        Assert.True(result.ValidationLoss[^1] > result.ValidationLoss.Min());
    }

    /// <summary>
    /// With validation rows and the default patience, the XOR plateau (validation = the XOR table itself) never
    /// stops training early: every seed reaches the loss tolerance, restarts included.
    /// </summary>
    [Fact]
    public void DefaultPatience_DoesNotStopOnTheXorPlateau()
    {
        var stoppedEarly = new List<uint>();
        for (uint seed = 0; seed < 100; seed++)
        {
            TwoLayerNetwork<float> network = TrainingData.Network<float>(2, 2, seed);
            TrainingResult result = NetworkTrainer.Train(network, XorX, XorY, XorX, XorY, TrainingSettings.Defaults with { Seed = seed });
            if (result.StopReason != StopReason.LossToleranceReached)
            {
                stoppedEarly.Add(seed);
            }
        }
        Assert.True(stoppedEarly.Count == 0, $"seeds that did not reach the tolerance: {string.Join(", ", stoppedEarly)}");
    }

    /// <summary>Seed 71 falls into XOR's local minimum (MSE 0.125) with the defaults; a restart gets it out.</summary>
    [Fact]
    public void Restarts_RescueAnAttemptStuckInALocalMinimum()
    {
        TwoLayerNetwork<float> stuck = TrainingData.Network<float>(2, 2, seed: 71);
        TwoLayerNetwork<float> restarted = TrainingData.Network<float>(2, 2, seed: 71);

        TrainingResult without = NetworkTrainer.Train(stuck, XorX, XorY, TrainingSettings.Defaults with { Seed = 71, MaxRestarts = 0 });
        TrainingResult with = NetworkTrainer.Train(restarted, XorX, XorY, TrainingSettings.Defaults with { Seed = 71 });

        Assert.Equal(StopReason.MaximumEpochs, without.StopReason);
        Assert.InRange(without.TrainingLoss[^1], 0.12, 0.13);
        Assert.Equal(StopReason.LossToleranceReached, with.StopReason);
        Assert.True(with.Restarts >= 1);
        Assert.True(TrainingData.Mse(restarted, XorX, XorY) < 0.01);
    }

    /// <summary>
    /// All-zero weights and targets 0.5 give a loss of exactly 0 that cannot improve: the attempt stalls, the restart
    /// comes exactly RestartPatience epochs after its last progress (epoch 1) with the next draw of NumpyRandom(Seed),
    /// and at the epoch limit the better first attempt is given back.
    /// </summary>
    [Fact]
    public void Restart_ComesAfterThePatience_DrawsTheSeedsNextWeights_AndTheBestAttemptIsKept()
    {
        const int patience = 5;
        const uint seed = 9;
        double[] x = TrainingData.XorFeatures<double>();
        double[] y = [0.5, 0.5, 0.5, 0.5];
        var network = new TwoLayerNetwork<double>(2, 2);
        var settings = new TrainingSettings { Solver = Solver.Momentum, LearningRate = 0.5, NumberOfEpochs = patience + 3, MaxRestarts = 3, RestartPatience = patience, Seed = seed };

        TrainingResult result = NetworkTrainer.Train(network, x, y, settings);

        var secondDraw = new TwoLayerNetwork<double>(2, 2);
        var random = new NumpyRandom(seed);
        secondDraw.InitializeNormal(random, 0.1);
        secondDraw.InitializeNormal(random, 0.1);
        Assert.Equal(1, result.Restarts);
        Assert.All(result.TrainingLoss.Take(patience + 1), loss => Assert.Equal(0.0, loss));
        Assert.Equal(TrainingData.Mse(secondDraw, x, y), result.TrainingLoss[patience + 1], 1e-15);
        Assert.True(result.TrainingLoss[^1] > 0);
        Assert.Equal(StopReason.MaximumEpochs, result.StopReason);
        Assert.All(network.Parameters.ToArray(), p => Assert.Equal(0.0, p));
    }

    /// <summary>CreateNetwork is the first draw of the seed's stream at the settings' scale, the draw restarts continue from.</summary>
    [Fact]
    public void CreateNetwork_IsTheFirstDrawOfTheSeedsStream_AtTheSettingsScale()
    {
        var settings = new TrainingSettings { Seed = 42, InitialWeightScale = 0.25 };
        var expected = new TwoLayerNetwork<double>(3, 5);
        expected.InitializeNormal(new NumpyRandom(42), 0.25);

        TwoLayerNetwork<double> network = NetworkTrainer.CreateNetwork<double>(3, 5, settings);

        Assert.Equal((3, 5), (network.InputSize, network.HiddenSize));
        Assert.Equal(expected.Parameters.ToArray(), network.Parameters.ToArray());
        Assert.Contains(network.Parameters.ToArray(), p => p != 0);
        Assert.Throws<ArgumentNullException>("settings", () => NetworkTrainer.CreateNetwork<double>(3, 5, null!));
    }

    [Fact]
    public void NoRestarts_WhenMaxRestartsIsZero()
    {
        var network = new TwoLayerNetwork<double>(2, 2);
        TrainingResult result = NetworkTrainer.Train(network, TrainingData.XorFeatures<double>(), [0.5, 0.5, 0.5, 0.5],
            new TrainingSettings { NumberOfEpochs = 50, RestartPatience = 5 });

        Assert.Equal(0, result.Restarts);
        Assert.All(result.TrainingLoss, loss => Assert.Equal(0.0, loss));
    }

    private static readonly TrainingSettings OverfittingSettings = new()
    {
        Solver = Solver.Momentum,
        LearningRate = 1,
        NumberOfEpochs = 3000,
        EpochsWithoutImprovement = 200,
    };

    private static (float[] X, float[] Y, float[] ValidationX, float[] ValidationY) Overfitting()
    {
        (float[] x, float[] y) = TrainingData.Synthetic<float>(128, 8, seed: 11, noise: 0.15);
        (float[] vx, float[] vy) = TrainingData.Synthetic<float>(256, 8, seed: 12);
        return (x, y, vx, vy);
    }

    private static int ArgMin(IReadOnlyList<double> values)
    {
        int best = 0;
        for (int k = 1; k < values.Count; k++)
        {
            if (values[k] < values[best])
            {
                best = k;
            }
        }
        return best;
    }
}
