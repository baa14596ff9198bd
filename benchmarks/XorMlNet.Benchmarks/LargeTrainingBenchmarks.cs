using BenchmarkDotNet.Attributes;
using XorMlNet.Network;
using XorMlNet.Training;

namespace XorMlNet.Benchmarks;

/// <summary>
/// One epoch on the synthetic 1,000,000 × 16 float table, full batch and mini-batches of 256 (gradient descent,
/// lr 0.1), for H = 2, 16, 64, on all cores (Threads = 0, the default) and on one (Threads = 1). A mini-batch of 256
/// rows is one chunk, so it runs on one thread either way. Peers: PyTorch 1.13 float32 on this machine (see benchmarks/README.md).
/// </summary>
[Config(typeof(SuiteConfig))]
public class LargeTraining
{
    private float[] _features = [];
    private float[] _targets = [];
    private NetworkTrainer.EpochRunner<float> _fullBatch = null!;
    private NetworkTrainer.EpochRunner<float> _miniBatch = null!;

    [Params(2, 16, 64)]
    public int H { get; set; }

    /// <summary><see cref="TrainingSettings.NumberOfThreads"/>: 0 = all cores.</summary>
    [Params(0, 1)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_features, _targets) = Data.Synthetic();
        var settings = new TrainingSettings { LearningRate = 0.1, Seed = 1, NumberOfThreads = Threads };
        _fullBatch = new NetworkTrainer.EpochRunner<float>(Network(), _features, _targets, settings);
        _miniBatch = new NetworkTrainer.EpochRunner<float>(Network(), _features, _targets, settings with { BatchSize = 256 });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _fullBatch.Dispose();
        _miniBatch.Dispose();
    }

    [Benchmark, Rows(Data.LargeRows, Data.LargeInputs)]
    public double FullBatchEpoch() => _fullBatch.TrainEpoch();

    [Benchmark, Rows(Data.LargeRows, Data.LargeInputs)]
    public double MiniBatch256Epoch() => _miniBatch.TrainEpoch();

    private TwoLayerNetwork<float> Network()
    {
        var network = new TwoLayerNetwork<float>(Data.LargeInputs, H);
        network.InitializeNormal(new NumpyRandom(1), 0.1);
        return network;
    }
}
