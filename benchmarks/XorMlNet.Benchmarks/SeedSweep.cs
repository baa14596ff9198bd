using System.Numerics;
using Microsoft.ML;
using XorMlNet.Network;
using XorMlNet.Training;

namespace XorMlNet.Benchmarks;

/// <summary>
/// The seed sweeps behind the defaults' figures (README, "Why these defaults"; <see cref="TrainingDefaults"/>): XOR
/// from the notebook's initialisation (<c>new NumpyRandom(seed)</c>, scale 0.1) for seeds 0–999, with all defaults
/// (through <see cref="NetworkTrainer"/> in float and in double on the raw 0/1 inputs, and through the ML.NET estimator,
/// which standardizes them), and with Adam at learning rates 0.005–0.2 without restarts.
/// <c>dotnet run -c Release --project benchmarks/XorMlNet.Benchmarks -- sweep</c>.
/// </summary>
public static class SeedSweep
{
    private const int Seeds = 1000;

    /// <summary>MSE of a network that learnt XOR's base rate on three rows and one row wrong: the 0.167 local minimum.</summary>
    private const double ThirdMinimum = 1.0 / 6;

    public static int Run()
    {
        Console.WriteLine($"XOR, seeds 0–{Seeds - 1}, notebook initialisation (scale 0.1). Solved = 4/4 right and MSE < 0.001.");
        Trainer<float>("NetworkTrainer, float, TrainingSettings.Defaults", TrainingSettings.Defaults);
        Trainer<double>("NetworkTrainer, double, TrainingSettings.Defaults", TrainingSettings.Defaults);
        Estimator();
        foreach (double rate in new[] { 0.005, 0.01, 0.02, 0.05, 0.1, 0.2 })
        {
            Trainer<float>($"NetworkTrainer, float, Adam, LearningRate {rate}, no restarts",
                TrainingSettings.Defaults with { Solver = Solver.Adam, LearningRate = rate, MaxRestarts = 0 });
        }
        return 0;
    }

    private static void Trainer<T>(string name, TrainingSettings settings) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = [T.Zero, T.Zero, T.One, T.Zero, T.Zero, T.One, T.One, T.One];
        T[] y = [T.Zero, T.One, T.One, T.Zero];
        var epochs = new List<int>();
        int solved = 0, thirdMinimum = 0, maxRestarts = 0;
        var hidden = new T[4 * 2];
        var output = new T[4];
        for (uint seed = 0; seed < Seeds; seed++)
        {
            var network = new TwoLayerNetwork<T>(2, 2);
            network.InitializeNormal(new NumpyRandom(seed), 0.1);
            TrainingResult result = NetworkTrainer.Train(network, x, y, settings with { Seed = seed });
            network.Forward(x, hidden, output);
            double mse = 0;
            bool allRight = true;
            for (int r = 0; r < 4; r++)
            {
                double p = double.CreateChecked(output[r]), target = double.CreateChecked(y[r]);
                mse += (p - target) * (p - target) / 4;
                allRight &= p > 0.5 == target > 0.5;
            }
            solved += allRight && mse < 0.001 ? 1 : 0;
            thirdMinimum += Math.Abs(mse - ThirdMinimum) < 0.01 ? 1 : 0;
            maxRestarts = Math.Max(maxRestarts, result.Restarts);
            epochs.Add(result.EpochsRun);
        }
        Report(name, solved, epochs, $"in the 0.167 minimum {Percent(thirdMinimum)}; at most {maxRestarts} restarts");
    }

    private static void Estimator()
    {
        var mlContext = new MLContext(seed: 0);
        IDataView data = mlContext.Transforms.Concatenate("Features", nameof(Data.XorRow.X1), nameof(Data.XorRow.X2))
            .Fit(mlContext.Data.LoadFromEnumerable(Data.XorRows)).Transform(mlContext.Data.LoadFromEnumerable(Data.XorRows));
        var epochs = new List<int>();
        int solved = 0, maxRestarts = 0;
        for (int seed = 0; seed < Seeds; seed++)
        {
            XorMlpTransformer model = new XorMlpEstimator(new XorMlpEstimator.Options { Seed = seed }).Fit(data);
            Data.Prediction[] predictions = mlContext.Data.CreateEnumerable<Data.Prediction>(model.Transform(data), false).ToArray();
            double mse = predictions.Zip(Data.XorRows, (p, r) => Math.Pow(p.Probability - (r.Label ? 1 : 0), 2)).Average();
            bool allRight = predictions.Zip(Data.XorRows, (p, r) => p.PredictedLabel == r.Label).All(ok => ok);
            solved += allRight && mse < 0.001 ? 1 : 0;
            maxRestarts = Math.Max(maxRestarts, model.Model.Restarts);
            epochs.Add(model.Model.EpochsRun);
        }
        Report("XorMlpEstimator, all defaults (standardized inputs)", solved, epochs, $"at most {maxRestarts} restarts");
    }

    private static void Report(string name, int solved, List<int> epochs, string more)
    {
        epochs.Sort();
        Console.WriteLine($"{name}: solved {solved}/{Seeds}; epochs median {epochs[Seeds / 2]}, 90th percentile {epochs[Seeds * 9 / 10]}, " +
            $"max {epochs[^1]}; {more}.");
    }

    private static string Percent(int count) => $"{100.0 * count / Seeds:F1} %";
}
