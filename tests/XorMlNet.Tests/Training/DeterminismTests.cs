using XorMlNet.Network;
using XorMlNet.Training;

namespace XorMlNet.Tests.Training;

public class DeterminismTests
{
    private static readonly (float[] X, float[] Y) Table = TrainingData.Synthetic<float>(256, 6, seed: 5);

    public static TheoryData<Solver, bool, int> Configurations => new()
    {
        { Solver.GradientDescent, false, 0 }, { Solver.Momentum, false, 0 }, { Solver.Momentum, true, 0 }, { Solver.Adam, false, 0 },
        { Solver.GradientDescent, false, 32 }, { Solver.Momentum, false, 32 }, { Solver.Momentum, true, 32 }, { Solver.Adam, false, 32 },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void SameSettingsAndSeed_GiveBitIdenticalWeightsAndLosses(Solver solver, bool nesterov, int batchSize)
    {
        var settings = new TrainingSettings
        {
            Solver = solver,
            UseNesterov = nesterov,
            LearningRate = solver == Solver.Adam ? 0.05 : 1,
            BatchSize = batchSize,
            NumberOfEpochs = 30,
            L2Regularization = 1e-3,
            ValidationFraction = 0.2,
            Seed = 17,
        };

        (float[] first, TrainingResult firstResult) = Run(settings);
        (float[] second, TrainingResult secondResult) = Run(settings);

        Assert.Equal(first, second);
        Assert.Equal(firstResult.TrainingLoss, secondResult.TrainingLoss);
        Assert.Equal(firstResult.ValidationLoss, secondResult.ValidationLoss);
    }

    [Fact]
    public void WithRestarts_BitIdentical()
    {
        var settings = TrainingSettings.Defaults with { Seed = 71 };
        float[] x = TrainingData.XorFeatures<float>(), y = TrainingData.XorTargets<float>();
        TwoLayerNetwork<float> a = TrainingData.Network<float>(2, 2, 71), b = TrainingData.Network<float>(2, 2, 71);

        TrainingResult result = NetworkTrainer.Train(a, x, y, settings);
        NetworkTrainer.Train(b, x, y, settings);

        Assert.True(result.Restarts > 0);
        Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());
    }

    /// <summary>The seed drives the mini-batch order: another seed, another trajectory.</summary>
    [Fact]
    public void MiniBatchOrder_DependsOnTheSeed()
    {
        var settings = new TrainingSettings { Solver = Solver.Momentum, BatchSize = 32, NumberOfEpochs = 5, Seed = 1 };
        Assert.NotEqual(Run(settings).Weights, Run(settings with { Seed = 2 }).Weights);
    }

    private static (float[] Weights, TrainingResult Result) Run(TrainingSettings settings)
        => TrainingData.Train(6, 5, networkSeed: 3, Table.X, Table.Y, settings);
}
