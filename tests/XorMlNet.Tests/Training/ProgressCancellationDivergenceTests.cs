using System.Text.RegularExpressions;
using XorMlNet.Network;
using XorMlNet.Training;

namespace XorMlNet.Tests.Training;

public class ProgressCancellationDivergenceTests
{
    private static readonly float[] XorX = TrainingData.XorFeatures<float>();
    private static readonly float[] XorY = TrainingData.XorTargets<float>();

    [Fact]
    public void Progress_EveryIntervalAndAtTheLastEpoch_WithTheRecordedLosses()
    {
        var reports = new List<TrainingProgress>();
        TwoLayerNetwork<float> network = TrainingData.Network<float>(2, 2, seed: 1);

        TrainingResult result = NetworkTrainer.Train(network, XorX, XorY,
            new TrainingSettings { NumberOfEpochs = 30, ProgressInterval = 7, Progress = reports.Add });

        Assert.Equal([7, 14, 21, 28, 30], reports.Select(r => r.Epoch));
        Assert.All(reports, r => Assert.Equal(result.TrainingLoss[r.Epoch - 1], r.TrainingLoss));
        Assert.All(reports, r => Assert.True(double.IsNaN(r.ValidationLoss)));
        Assert.True(reports.Zip(reports.Skip(1)).All(pair => pair.First.Elapsed <= pair.Second.Elapsed));
    }

    [Fact]
    public void Progress_ReportsTheEpochWhereTheToleranceStoppedTraining_AndValidationLosses()
    {
        var reports = new List<TrainingProgress>();
        TwoLayerNetwork<float> network = TrainingData.Network<float>(2, 2, seed: 42);

        TrainingResult result = NetworkTrainer.Train(network, XorX, XorY, XorX, XorY,
            TrainingSettings.Defaults with { Seed = 42, ProgressInterval = 100, Progress = reports.Add });

        Assert.Equal(StopReason.LossToleranceReached, result.StopReason);
        int[] expected = [.. Enumerable.Range(1, result.EpochsRun / 100).Select(k => 100 * k)];
        if (result.EpochsRun % 100 != 0)
        {
            expected = [.. expected, result.EpochsRun];
        }
        Assert.Equal(expected, reports.Select(r => r.Epoch));
        Assert.All(reports, r => Assert.Equal(result.ValidationLoss[r.Epoch - 1], r.ValidationLoss));
    }

    [Fact]
    public void Cancellation_FromTheProgressCallback_StopsBeforeTheNextEpoch()
    {
        using var source = new CancellationTokenSource();
        var reported = new List<int>();
        TwoLayerNetwork<float> network = TrainingData.Network<float>(2, 2, seed: 1);
        var settings = new TrainingSettings
        {
            Solver = Solver.Momentum,
            NumberOfEpochs = 1_000_000,
            ProgressInterval = 5,
            CancellationToken = source.Token,
            Progress = p =>
            {
                reported.Add(p.Epoch);
                if (p.Epoch == 10)
                {
                    source.Cancel();
                }
            },
        };

        Assert.ThrowsAny<OperationCanceledException>(() => NetworkTrainer.Train(network, XorX, XorY, settings));

        Assert.Equal([5, 10], reported);
        TwoLayerNetwork<float> tenEpochs = TrainingData.Network<float>(2, 2, seed: 1);
        NetworkTrainer.Train(tenEpochs, XorX, XorY, settings with { NumberOfEpochs = 10, Progress = null, CancellationToken = default });
        Assert.Equal(tenEpochs.Parameters.ToArray(), network.Parameters.ToArray());
    }

    /// <summary>A cancelled token stops a 3000-row epoch before its first block is trained.</summary>
    [Fact]
    public void Cancellation_IsCheckedBeforeEveryBlock_NotOnlyBetweenEpochs()
    {
        (float[] x, float[] y) = TrainingData.Synthetic<float>(3000, 4, seed: 3);
        TwoLayerNetwork<float> network = TrainingData.Network<float>(4, 3, seed: 1);
        float[] initial = network.Parameters.ToArray();

        Assert.ThrowsAny<OperationCanceledException>(() => NetworkTrainer.Train(network, x, y,
            new TrainingSettings { CancellationToken = new CancellationToken(canceled: true) }));

        Assert.Equal(initial, network.Parameters.ToArray());
    }

    [Fact]
    public void Divergence_Double_NamesTheEpochAndTheLearningRate()
        => AssertDiverges(TrainingData.Synthetic<double>(256, 8, seed: 7), learningRate: 1e308);

    [Fact]
    public void Divergence_Float_NamesTheEpochAndTheLearningRate()
        => AssertDiverges(TrainingData.Synthetic<float>(256, 8, seed: 7), learningRate: 1e38);

    /// <summary>
    /// Adam with an absurd learning rate overflows the weights (the sigmoids saturate first at merely huge rates, so
    /// nothing else makes this network's loss NaN). The message names the epoch, and that epoch is right: one epoch
    /// fewer trains without error.
    /// </summary>
    private static void AssertDiverges<T>((T[] X, T[] Y) table, double learningRate) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var settings = new TrainingSettings { Solver = Solver.Adam, LearningRate = learningRate, NumberOfEpochs = 100 };

        TrainingDivergedException error = Assert.Throws<TrainingDivergedException>(
            () => NetworkTrainer.Train(TrainingData.Network<T>(8, 8, seed: 0), table.X, table.Y, settings));

        Assert.Equal("LearningRate", error.OptionName);
        Assert.Contains("LearningRate", error.Message);
        Assert.Contains(learningRate.ToString(), error.Message);
        Match match = Regex.Match(error.Message, @"^Training diverged at epoch (\d+): ");
        Assert.True(match.Success, error.Message);
        int epoch = int.Parse(match.Groups[1].Value);
        Assert.InRange(epoch, 2, 10);
        TwoLayerNetwork<T> network = TrainingData.Network<T>(8, 8, seed: 0);
        // One epoch fewer has finite weights; its loss may already have risen far above the start, which ends the run
        // with the other kind of divergence, after the best (finite) weights are given back.
        Exception? shorter = Record.Exception(() => NetworkTrainer.Train(network, table.X, table.Y, settings with { NumberOfEpochs = epoch - 1 }));
        Assert.True(shorter is null || shorter.Message.Contains("never went below where it started"), shorter?.Message);
        Assert.True(Kernels.AllFinite<T>(network.Parameters));
        // With that epoch as the last, the check after the loop catches it, at the same epoch.
        TrainingDivergedException last = Assert.Throws<TrainingDivergedException>(
            () => NetworkTrainer.Train(TrainingData.Network<T>(8, 8, seed: 0), table.X, table.Y, settings with { NumberOfEpochs = epoch }));
        Assert.Equal(error.Message, last.Message);
    }
}
