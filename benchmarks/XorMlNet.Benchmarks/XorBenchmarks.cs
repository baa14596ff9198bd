using BenchmarkDotNet.Attributes;
using Microsoft.ML;
using XorMlNet.Network;
using XorMlNet.Training;

namespace XorMlNet.Benchmarks;

/// <summary>
/// One full-batch epoch of the notebook's 2-2-1 network on XOR's 4 rows (gradient descent, lr 0.1): forward, backward
/// and the solver step, through the trainer's own epoch loop. Peer: numpy with the notebook's code, 35 µs.
/// </summary>
[Config(typeof(SuiteConfig))]
public class XorEpoch
{
    private NetworkTrainer.EpochRunner<double> _double = null!;
    private NetworkTrainer.EpochRunner<float> _floatReference = null!;
    private NetworkTrainer.EpochRunner<float> _float = null!;

    [GlobalSetup]
    public void Setup()
    {
        var settings = new TrainingSettings();
        _double = new NetworkTrainer.EpochRunner<double>(Notebook<double>(), [0, 0, 1, 0, 0, 1, 1, 1], [0, 1, 1, 0], settings);
        _floatReference = new NetworkTrainer.EpochRunner<float>(Notebook<float>(), Data.XorFeatures, Data.XorTargets,
            settings with { UseReferenceKernels = true });
        _float = new NetworkTrainer.EpochRunner<float>(Notebook<float>(), Data.XorFeatures, Data.XorTargets, settings);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _double.Dispose();
        _floatReference.Dispose();
        _float.Dispose();
    }

    /// <summary>The generic reference kernels in double (the path that follows numpy's trajectory to 1e-9).</summary>
    [Benchmark(Baseline = true), Rows(4, 2)]
    public double ReferenceDouble() => _double.TrainEpoch();

    /// <summary>The generic reference kernels in float.</summary>
    [Benchmark, Rows(4, 2)]
    public double ReferenceFloat() => _floatReference.TrainEpoch();

    /// <summary>The fast float kernels, what <c>Fit</c> uses.</summary>
    [Benchmark, Rows(4, 2)]
    public double Fast() => _float.TrainEpoch();

    private static TwoLayerNetwork<T> Notebook<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var network = new TwoLayerNetwork<T>(2, 2);
        network.InitializeNormal(new NumpyRandom(42), 0.1);
        return network;
    }
}

/// <summary>
/// The notebook's configuration to convergence through ML.NET: LoadFromEnumerable + Concatenate + Fit with
/// <see cref="XorMlpEstimator.Options.Notebook"/> (seed 42, gradient descent, lr 0.1, 400,000 epochs).
/// Peer: numpy, 12–17 s.
/// </summary>
[Config(typeof(SuiteConfig))]
public class XorNotebookFit
{
    private MLContext _mlContext = null!;

    [GlobalSetup]
    public void Setup() => _mlContext = new MLContext(seed: 0);

    [Benchmark]
    public ITransformer Notebook400000Epochs()
    {
        IDataView data = _mlContext.Data.LoadFromEnumerable(Data.XorRows);
        var pipeline = _mlContext.Transforms.Concatenate("Features", nameof(Data.XorRow.X1), nameof(Data.XorRow.X2))
            .Append(new XorMlpEstimator(_mlContext, XorMlpEstimator.Options.Notebook()));
        return pipeline.Fit(data);
    }
}

/// <summary>
/// The defaults' bar: <c>new XorMlpEstimator(new Options { Seed = s })</c> (all defaults) fitted on XOR, per seed; the
/// README reports the median over the seeds.
/// </summary>
[Config(typeof(SuiteConfig))]
public class XorDefaultsFit
{
    private MLContext _mlContext = null!;
    private IDataView _features = null!;

    [Params(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)]
    public int Seed { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _mlContext = new MLContext(seed: 0);
        IDataView data = _mlContext.Data.LoadFromEnumerable(Data.XorRows);
        _features = _mlContext.Transforms.Concatenate("Features", nameof(Data.XorRow.X1), nameof(Data.XorRow.X2)).Fit(data).Transform(data);
    }

    [Benchmark]
    public XorMlpTransformer Defaults() => new XorMlpEstimator(new XorMlpEstimator.Options { Seed = Seed }).Fit(_features);
}
