using XorMlNet.Network;
using XorMlNet.Tests.Training;
using XorMlNet.Training;

namespace XorMlNet.Tests.Performance;

/// <summary>
/// Once training has started, an epoch allocates nothing but the loss histories' growth: every other buffer is allocated
/// before the first epoch, and a history takes one chunk of 8,192 values (64 KB) in the epoch that starts the chunk
/// (epochs 1, 8,193, 16,385, …). Measured with <see cref="GC.GetAllocatedBytesForCurrentThread"/> in the progress
/// callback, which runs on the training thread between epochs.
/// </summary>
public class EpochAllocationTests
{
    public static TheoryData<string, int, int, int, Solver, double, double> Configurations => new()
    {
        // name, rows, d, batch, solver, L2, validation fraction
        { "XOR, full batch, gradient descent (one tile)", 4, 2, 0, Solver.GradientDescent, 0, 0 },
        { "XOR, batches of 1, momentum, L2", 4, 2, 1, Solver.Momentum, 1e-4, 0 },
        { "300 rows, batches of 32, Adam, validation", 300, 5, 32, Solver.Adam, 0, 0.2 },
        { "12,000 rows, full batch, momentum (chunks on threads), validation", 12_000, 6, 0, Solver.Momentum, 1e-4, 0.4 },
        { "12,000 rows, batches of 5000 (chunks), Adam", 12_000, 6, 5000, Solver.Adam, 0, 0 },
    };

    /// <summary>Epochs 21–60 (within the histories' first chunk) allocate nothing, in every configuration.</summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public void ExtraEpochs_AllocateZeroBytes(string name, int rows, int d, int batch, Solver solver, double l2, double validationFraction)
    {
        (float[] x, float[] y) = rows == 4
            ? (TrainingData.XorFeatures<float>(), TrainingData.XorTargets<float>())
            : TrainingData.Synthetic<float>(rows, d, seed: 2, noise: 0.05);
        long[] allocatedAt = new long[3];
        int calls = 0;
        var settings = new TrainingSettings
        {
            Solver = solver,
            LearningRate = solver == Solver.Adam ? 0.01 : 0.5,
            BatchSize = batch,
            L2Regularization = l2,
            ValidationFraction = validationFraction,
            NumberOfEpochs = 60,
            ProgressInterval = 20,
            Progress = _ => allocatedAt[calls++] = GC.GetAllocatedBytesForCurrentThread(),
        };
        TwoLayerNetwork<float> network = TrainingData.Network<float>(d, 3, seed: 1);

        NetworkTrainer.Train(network, x, y, settings);

        Assert.Equal(3, calls);
        Assert.True(allocatedAt[2] - allocatedAt[0] == 0, $"{name}: epochs 21–60 allocated {allocatedAt[2] - allocatedAt[0]} bytes");
    }

    /// <summary>
    /// Over 16,484 epochs, across two chunk boundaries of the histories: the only epochs that allocate are 8,193 and
    /// 16,385, and each allocates one 8,192-double chunk per history (training, and validation when there is one), the
    /// same number of bytes both times. The same training runs three times and each epoch counts the least it allocated
    /// in any run: training is deterministic, while a stray allocation of the runtime on this thread (seen once in a
    /// loaded Debug run) lands in one run at most.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AcrossHistoryChunks_OnlyTheChunkStartingEpochsAllocate_OneChunkPerHistory(bool validation)
    {
        const int ChunkLength = 8192, Epochs = 2 * ChunkLength + 100;
        Assert.Equal(ChunkLength, LossHistory.ChunkLength);
        (float[] x, float[] y) = TrainingData.Synthetic<float>(40, 2, seed: 3, noise: 0.05);
        long[] allocated = new long[Epochs + 1];
        Array.Fill(allocated, long.MaxValue);
        for (int run = 0; run < 3; run++)
        {
            long[] allocatedAt = new long[Epochs + 1];
            var settings = new TrainingSettings
            {
                Solver = Solver.Momentum,
                LearningRate = 0.5,
                NumberOfEpochs = Epochs,
                LossTolerance = 0,
                MaxRestarts = 0,
                EpochsWithoutImprovement = 0,
                ValidationFraction = validation ? 0.25 : 0,
                ProgressInterval = 1,
                Progress = p => allocatedAt[p.Epoch] = GC.GetAllocatedBytesForCurrentThread(),
            };

            TrainingResult result = NetworkTrainer.Train(TrainingData.Network<float>(2, 3, seed: 1), x, y, settings);

            Assert.Equal(Epochs, result.EpochsRun);
            for (int epoch = 2; epoch <= Epochs; epoch++)
            {
                allocated[epoch] = Math.Min(allocated[epoch], allocatedAt[epoch] - allocatedAt[epoch - 1]);
            }
        }

        int histories = validation ? 2 : 1;
        long chunkEpochBytes = allocated[ChunkLength + 1];
        Assert.InRange(chunkEpochBytes, histories * ChunkLength * sizeof(double), histories * (ChunkLength * sizeof(double) + 64));
        for (int epoch = 2; epoch <= Epochs; epoch++)
        {
            long expected = (epoch - 1) % ChunkLength == 0 ? chunkEpochBytes : 0;
            Assert.True(allocated[epoch] == expected, $"epoch {epoch} allocated {allocated[epoch]} bytes, expected {expected}");
        }
    }

    /// <summary>The same through the benchmarks' epoch runner: 100 more epochs, 0 bytes (it keeps no history).</summary>
    [Theory]
    [InlineData(4, 0)]
    [InlineData(9000, 0)]
    [InlineData(9000, 256)]
    public void EpochRunner_ExtraEpochs_AllocateZeroBytes(int rows, int batch)
    {
        (float[] x, float[] y) = TrainingData.Synthetic<float>(rows, 4, seed: 5, noise: 0.05);
        using var runner = new NetworkTrainer.EpochRunner<float>(TrainingData.Network<float>(4, 8, seed: 1), x, y,
            new TrainingSettings { BatchSize = batch, LearningRate = 0.5 });
        runner.TrainEpoch();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int epoch = 0; epoch < 100; epoch++)
        {
            runner.TrainEpoch();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
