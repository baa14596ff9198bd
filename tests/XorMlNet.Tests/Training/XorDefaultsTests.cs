using System.Diagnostics;
using System.Numerics;
using Xunit.Abstractions;
using XorMlNet.Network;
using XorMlNet.Training;

namespace XorMlNet.Tests.Training;

/// <summary>
/// The defaults on the trainer itself. The acceptance bar, every seed 0–99 solving XOR in float with all defaults, is
/// swept once, through ML.NET (<c>DefaultsSweepTests</c>); here the same seeds in double, on the reference kernels
/// that no ML.NET fit uses. The output lists the epochs and times (run with
/// <c>-c Release --logger "console;verbosity=detailed"</c> to read the Release figures).
/// </summary>
public class XorDefaultsTests(ITestOutputHelper output)
{
    /// <summary>The notebook's 2 hidden units.</summary>
    private const int NotebookHiddenSize = 2;

    [Fact]
    public void AllDefaults_Seeds0To99_Double_EverySeedSolvesXor() => Sweep<double>();

    [Fact]
    public void AllDefaults_StopOnTheLossTolerance_BeforeTheEpochLimit()
    {
        TwoLayerNetwork<float> network = TrainingData.Network<float>(2, NotebookHiddenSize, 42);
        TrainingResult result = NetworkTrainer.Train(network, TrainingData.XorFeatures<float>(), TrainingData.XorTargets<float>(),
            TrainingSettings.Defaults with { Seed = 42 });

        Assert.Equal(StopReason.LossToleranceReached, result.StopReason);
        Assert.True(result.EpochsRun < TrainingDefaults.Recommended.NumberOfEpochs / 2, $"{result.EpochsRun} epochs");
    }

    private void Sweep<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = TrainingData.XorFeatures<T>();
        T[] y = TrainingData.XorTargets<T>();
        var failures = new List<string>();
        var epochs = new List<int>();
        var milliseconds = new List<double>();
        int restarts = 0;
        for (uint seed = 0; seed < 100; seed++)
        {
            TwoLayerNetwork<T> network = TrainingData.Network<T>(2, NotebookHiddenSize, seed);
            var clock = Stopwatch.StartNew();
            TrainingResult result = NetworkTrainer.Train(network, x, y, TrainingSettings.Defaults with { Seed = seed });
            milliseconds.Add(clock.Elapsed.TotalMilliseconds);
            epochs.Add(result.EpochsRun);
            restarts += result.Restarts;

            T[] predictions = TrainingData.Predict(network, x);
            double mse = TrainingData.Mse(network, x, y);
            bool allRight = Enumerable.Range(0, 4).All(r => (predictions[r] > T.CreateChecked(0.5)) == (y[r] == T.One));
            if (!allRight || !(mse < 0.01))
            {
                failures.Add($"seed {seed} (MSE {mse:G4}, predictions {string.Join(", ", predictions)}, {result.StopReason} after {result.EpochsRun} epochs)");
            }
        }

        epochs.Sort();
        milliseconds.Sort();
        output.WriteLine($"{typeof(T).Name}: {100 - failures.Count}/100 solved; epochs median {epochs[50]}, max {epochs[^1]}; " +
            $"{restarts} restarts; time per fit median {milliseconds[50]:F3} ms, max {milliseconds[^1]:F3} ms (includes JIT on the first fits).");
        Assert.True(failures.Count == 0, $"{failures.Count} seeds did not solve XOR with the defaults: {string.Join("; ", failures)}");
    }
}
