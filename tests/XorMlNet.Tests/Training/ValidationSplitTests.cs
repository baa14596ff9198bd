using XorMlNet.Network;
using XorMlNet.Training;

namespace XorMlNet.Tests.Training;

public class ValidationSplitTests
{
    [Theory]
    [InlineData(10, 0.25, 3)]  // 2.5 rounds away from zero
    [InlineData(10, 0.2, 2)]
    [InlineData(7, 0.5, 4)]    // 3.5 → 4
    [InlineData(4, 0.25, 1)]
    [InlineData(1000, 0.1, 100)]
    public void SplitRows_HoldsOutRoundedFraction_OfAPermutation(int rows, double fraction, int expected)
    {
        var permutation = new int[rows];

        int held = ValidationSplit.SplitRows(rows, fraction, ValidationSplit.CreateDataRandom(5), permutation);

        Assert.Equal(expected, held);
        Assert.Equal(Enumerable.Range(0, rows), permutation.Order());
    }

    [Theory]
    [InlineData(4, 0.1)]   // 0.4 → 0 validation rows
    [InlineData(1, 0.5)]   // 0.5 → 1, leaving no training row
    [InlineData(2, 0.9)]   // 1.8 → 2, leaving no training row
    public void ValidationFraction_LeavingASideEmpty_IsAClearArgumentException(int rows, double fraction)
    {
        (double[] x, double[] y) = TrainingData.Synthetic<double>(rows, 2, seed: 1);

        ArgumentException error = Assert.Throws<ArgumentException>(() =>
            NetworkTrainer.Train(new TwoLayerNetwork<double>(2, 2), x, y, new TrainingSettings { ValidationFraction = fraction }));

        Assert.Contains("ValidationFraction", error.Message);
        Assert.Contains("at least one row", error.Message);
    }

    /// <summary>
    /// 100 rows at 0.25: the first 25 rows of the seeded permutation are validation rows (the one-epoch validation loss
    /// is the trained network's MSE on them), the other 75 are trained on (the epoch's loss is the initial MSE on them).
    /// </summary>
    [Fact]
    public void ValidationFraction_HoldsOutTheFirstRowsOfTheSeededPermutation()
    {
        const uint seed = 23;
        (double[] x, double[] y) = TrainingData.Synthetic<double>(100, 3, seed: 4);
        TwoLayerNetwork<double> network = TrainingData.Network<double>(3, 4, seed: 2);
        var permutation = new int[100];
        int held = ValidationSplit.SplitRows(100, 0.25, ValidationSplit.CreateDataRandom(seed), permutation);
        (double[] trainX, double[] trainY) = Rows(x, y, permutation[held..]);
        (double[] validX, double[] validY) = Rows(x, y, permutation[..held]);
        double initialTrainingMse = TrainingData.Mse(network, trainX, trainY);

        TrainingResult result = NetworkTrainer.Train(network, x, y,
            new TrainingSettings { LearningRate = 1, NumberOfEpochs = 1, ValidationFraction = 0.25, Seed = seed });

        Assert.Equal(25, held);
        Assert.Equal(initialTrainingMse, result.TrainingLoss[0], 1e-14);
        Assert.Equal(TrainingData.Mse(network, validX, validY), Assert.Single(result.ValidationLoss), 1e-14);
    }

    /// <summary>
    /// The split copies every row, so a token cancelled before the call stops it before that copy: nothing close to the
    /// table's 16 MB is allocated.
    /// </summary>
    [Fact]
    public void ValidationFraction_CancelledToken_StopsBeforeCopyingTheRows()
    {
        (float[] x, float[] y) = TrainingData.Synthetic<float>(200_000, 20, seed: 4);
        TwoLayerNetwork<float> network = TrainingData.Network<float>(20, 4, seed: 2);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var settings = new TrainingSettings { ValidationFraction = 0.25, CancellationToken = cancelled.Token };

        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<OperationCanceledException>(() => NetworkTrainer.Train(network, x, y, settings));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.InRange(allocated, 0, 64 * 1024);
    }

    [Fact]
    public void GivenValidationRows_TheFractionIsIgnored_AndAllRowsAreTrainedOn()
    {
        (double[] x, double[] y) = TrainingData.Synthetic<double>(40, 3, seed: 4);
        (double[] vx, double[] vy) = TrainingData.Synthetic<double>(10, 3, seed: 8);
        TwoLayerNetwork<double> network = TrainingData.Network<double>(3, 4, seed: 2);
        double initialMse = TrainingData.Mse(network, x, y);

        TrainingResult result = NetworkTrainer.Train(network, x, y, vx, vy,
            new TrainingSettings { NumberOfEpochs = 1, ValidationFraction = 0.5 });

        Assert.Equal(initialMse, result.TrainingLoss[0], 1e-14);
        Assert.Equal(TrainingData.Mse(network, vx, vy), Assert.Single(result.ValidationLoss), 1e-14);
    }

    private static (double[] X, double[] Y) Rows(double[] x, double[] y, int[] rows)
    {
        int d = x.Length / y.Length;
        return (rows.SelectMany(r => x.Skip(r * d).Take(d)).ToArray(), rows.Select(r => y[r]).ToArray());
    }
}
