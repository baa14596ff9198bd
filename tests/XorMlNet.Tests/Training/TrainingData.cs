using System.Numerics;
using XorMlNet.Network;
using XorMlNet.Training;

namespace XorMlNet.Tests.Training;

/// <summary>Tables and measurements shared by the training tests.</summary>
internal static class TrainingData
{
    /// <summary>The notebook's XOR table, rows {0,0}, {1,0}, {0,1}, {1,1}.</summary>
    public static T[] XorFeatures<T>() where T : IFloatingPointIeee754<T>
        => [T.Zero, T.Zero, T.One, T.Zero, T.Zero, T.One, T.One, T.One];

    /// <summary>XOR's targets 0, 1, 1, 0.</summary>
    public static T[] XorTargets<T>() where T : IFloatingPointIeee754<T>
        => [T.Zero, T.One, T.One, T.Zero];

    /// <summary>
    /// A nonlinear table: <paramref name="rows"/> rows of <paramref name="inputs"/> standard normal features from
    /// <c>NumpyRandom(seed)</c>, label 1 when x0·x1 &gt; 0, flipped with probability <paramref name="noise"/>.
    /// </summary>
    public static (T[] Features, T[] Targets) Synthetic<T>(int rows, int inputs, uint seed, double noise = 0)
        where T : IFloatingPointIeee754<T>
    {
        var random = new NumpyRandom(seed);
        var features = new T[rows * inputs];
        var targets = new T[rows];
        double[] row = new double[inputs];
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < inputs; i++)
            {
                row[i] = random.NextGaussian();
                features[r * inputs + i] = T.CreateChecked(row[i]);
            }
            bool label = row[0] * row[1] > 0;
            if (random.NextDouble() < noise)
            {
                label = !label;
            }
            targets[r] = label ? T.One : T.Zero;
        }
        return (features, targets);
    }

    /// <summary>A network initialised as the notebook does: <c>NumpyRandom(seed)</c>, scale 0.1.</summary>
    public static TwoLayerNetwork<T> Network<T>(int inputs, int hidden, uint seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var network = new TwoLayerNetwork<T>(inputs, hidden);
        network.InitializeNormal(new NumpyRandom(seed), 0.1);
        return network;
    }

    /// <summary>Trains a fresh <see cref="Network{T}"/>(d, h, <paramref name="networkSeed"/>) on (x, y); returns its weights and the result.</summary>
    public static (float[] Weights, TrainingResult Result) Train(int d, int h, uint networkSeed, float[] x, float[] y, TrainingSettings settings)
    {
        TwoLayerNetwork<float> network = Network<float>(d, h, networkSeed);
        TrainingResult result = NetworkTrainer.Train(network, x, y, settings);
        return (network.Parameters.ToArray(), result);
    }

    /// <summary>The network's outputs ŷ on the rows of <paramref name="features"/>.</summary>
    public static T[] Predict<T>(TwoLayerNetwork<T> network, ReadOnlySpan<T> features) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = features.Length / network.InputSize;
        var output = new T[rows];
        network.Forward(features, new T[rows * network.HiddenSize], output);
        return output;
    }

    /// <summary>Plain MSE of the network on the table, in double.</summary>
    public static double Mse<T>(TwoLayerNetwork<T> network, ReadOnlySpan<T> features, ReadOnlySpan<T> targets)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] output = Predict(network, features);
        double sum = 0;
        for (int r = 0; r < output.Length; r++)
        {
            double error = double.CreateChecked(output[r] - targets[r]);
            sum += error * error;
        }
        return sum / output.Length;
    }

    /// <summary>‖W1‖² + ‖W2‖², in double.</summary>
    public static double WeightNormSquared<T>(TwoLayerNetwork<T> network) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double sum = 0;
        foreach (T w in network.W1)
        {
            sum += double.CreateChecked(w * w);
        }
        foreach (T w in network.W2)
        {
            sum += double.CreateChecked(w * w);
        }
        return sum;
    }
}
