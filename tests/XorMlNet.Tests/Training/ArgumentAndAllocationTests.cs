using XorMlNet.Network;
using XorMlNet.Training;

namespace XorMlNet.Tests.Training;

public class ArgumentAndAllocationTests
{
    public static TheoryData<string, TrainingSettings> BadSettings => new()
    {
        { "Solver", new TrainingSettings { Solver = (Solver)7 } },
        { "LearningRate", new TrainingSettings { LearningRate = 0 } },
        { "LearningRate", new TrainingSettings { LearningRate = double.PositiveInfinity } },
        { "NumberOfEpochs", new TrainingSettings { NumberOfEpochs = 0 } },
        { "BatchSize", new TrainingSettings { BatchSize = -1 } },
        { "Momentum", new TrainingSettings { Momentum = 1 } },
        { "Beta1", new TrainingSettings { Beta1 = -0.1 } },
        { "Beta2", new TrainingSettings { Beta2 = 1 } },
        { "Epsilon", new TrainingSettings { Epsilon = 0 } },
        { "L2Regularization", new TrainingSettings { L2Regularization = -1e-3 } },
        { "LossTolerance", new TrainingSettings { LossTolerance = double.NaN } },
        { "EpochsWithoutImprovement", new TrainingSettings { EpochsWithoutImprovement = -1 } },
        { "ValidationFraction", new TrainingSettings { ValidationFraction = 1 } },
        { "MaxRestarts", new TrainingSettings { MaxRestarts = -1 } },
        { "RestartPatience", new TrainingSettings { RestartPatience = 0 } },
        { "RestartMinimumImprovement", new TrainingSettings { RestartMinimumImprovement = 1 } },
        { "InitialWeightScale", new TrainingSettings { InitialWeightScale = 0 } },
        { "ProgressInterval", new TrainingSettings { ProgressInterval = 0 } },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void SettingOutOfRange_ThrowsNamingIt(string name, TrainingSettings settings)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => NetworkTrainer.Train(new TwoLayerNetwork<double>(2, 2),
            TrainingData.XorFeatures<double>(), TrainingData.XorTargets<double>(), settings));
        Assert.Equal(name, error.ParamName);
    }

    [Fact]
    public void MismatchedOrEmptySpans_AreArgumentExceptions()
    {
        var network = new TwoLayerNetwork<double>(2, 2);
        var settings = new TrainingSettings();
        Assert.Equal("features", Assert.Throws<ArgumentException>(() => NetworkTrainer.Train(network, new double[7], new double[4], settings)).ParamName);
        Assert.Equal("targets", Assert.Throws<ArgumentException>(() => NetworkTrainer.Train(network, [], [], settings)).ParamName);
        Assert.Equal("validationFeatures", Assert.Throws<ArgumentException>(
            () => NetworkTrainer.Train(network, new double[8], new double[4], new double[3], new double[2], settings)).ParamName);
    }

    /// <summary>
    /// Nothing is allocated per epoch or per batch: 2000 more epochs (mini-batches of 1, momentum, L2, validation
    /// rows) cost at most the loss histories (kept in 8192-value chunks, so here usually nothing more at all). Each run
    /// is measured as the least of three, after a warm-up long enough for tiered compilation to settle: the runtime's
    /// own occasional allocations on the thread (a few hundred bytes) would otherwise land in either run.
    /// </summary>
    [Fact]
    public void Epochs_AllocateNothing_BeyondTheLossHistories()
    {
        float[] x = TrainingData.XorFeatures<float>(), y = TrainingData.XorTargets<float>();
        var settings = new TrainingSettings
        {
            Solver = Solver.Momentum, BatchSize = 1, L2Regularization = 1e-4, ValidationFraction = 0.25, MaxRestarts = 2, RestartPatience = 50,
        };
        long Once(int epochs)
        {
            TwoLayerNetwork<float> network = TrainingData.Network<float>(2, 2, seed: 1);
            long before = GC.GetAllocatedBytesForCurrentThread();
            NetworkTrainer.Train(network, x, y, settings with { NumberOfEpochs = epochs });
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        long Allocated(int epochs) => Math.Min(Once(epochs), Math.Min(Once(epochs), Once(epochs)));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < 400)
        {
            Once(100);
            Once(2100);
            Thread.Sleep(50);
        }

        long extra = Allocated(2100) - Allocated(100);

        Assert.InRange(extra, 0, 2000 * 4 * sizeof(double) + 1024);
    }
}
