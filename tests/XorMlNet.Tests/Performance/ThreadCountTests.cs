using XorMlNet.Network;
using XorMlNet.Tests.Training;
using XorMlNet.Training;

namespace XorMlNet.Tests.Performance;

/// <summary>
/// Batches of more than 4096 rows are trained in 4096-row chunks on several threads, and the chunks' gradients are
/// summed in row order: the weights and losses are bit-identical whatever <see cref="TrainingSettings.NumberOfThreads"/> is.
/// </summary>
public class ThreadCountTests
{
    private static readonly (float[] X, float[] Y) Table = TrainingData.Synthetic<float>(21_000, 6, seed: 31, noise: 0.05);

    public static TheoryData<int, Solver, double> Configurations => new()
    {
        // batch (0 = full), solver, validation fraction
        { 0, Solver.GradientDescent, 0 },
        { 0, Solver.Momentum, 0.3 },
        { 9000, Solver.Adam, 0 },
        { 5000, Solver.Momentum, 0.25 },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void ThreadCounts1_2_3_8_GiveBitIdenticalWeightsAndLosses(int batch, Solver solver, double validationFraction)
    {
        var settings = new TrainingSettings
        {
            Solver = solver,
            LearningRate = solver == Solver.Adam ? 0.01 : 0.5,
            BatchSize = batch,
            ValidationFraction = validationFraction,
            NumberOfEpochs = 4,
            L2Regularization = 1e-4,
            Seed = 6,
        };

        (float[] one, TrainingResult oneResult) = Run(settings with { NumberOfThreads = 1 });
        foreach (int threads in new[] { 2, 3, 8, 0 })
        {
            (float[] weights, TrainingResult result) = Run(settings with { NumberOfThreads = threads });
            Assert.Equal(one, weights);
            Assert.Equal(oneResult.TrainingLoss, result.TrainingLoss);
            Assert.Equal(oneResult.ValidationLoss, result.ValidationLoss);
        }
    }

    [Fact]
    public void NumberOfThreads_Negative_IsRejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => NetworkTrainer.Train(new TwoLayerNetwork<float>(2, 2),
            TrainingData.XorFeatures<float>(), TrainingData.XorTargets<float>(), new TrainingSettings { NumberOfThreads = -1 }));
        Assert.Equal("NumberOfThreads", error.ParamName);
    }

    private static (float[] Weights, TrainingResult Result) Run(TrainingSettings settings)
        => TrainingData.Train(6, 9, networkSeed: 4, Table.X, Table.Y, settings);
}
