using System.Diagnostics;
using System.Numerics;
using XorMlNet.Network;

namespace XorMlNet.Training;

/// <summary>
/// The notebook's training loop: each epoch runs forward, records the MSE, backpropagates, and steps every
/// parameter. Works on plain spans, knows nothing of ML.NET, and allocates nothing once training has started.
/// </summary>
public static class NetworkTrainer
{
    /// <summary>
    /// Rows processed per forward/backward block: bounds the activation buffers whatever the table's size.
    /// The gradient is the same sum whatever the block size, up to rounding.
    /// </summary>
    internal const int BlockRows = 1024;

    /// <summary>Trains <paramref name="network"/> in place on the rows of <paramref name="features"/>.</summary>
    /// <param name="network">Initialised network; updated in place.</param>
    /// <param name="features">n×d row-major.</param>
    /// <param name="targets">n targets in [0, 1].</param>
    /// <param name="settings">Learning rate, epochs, progress and cancellation.</param>
    /// <exception cref="ArgumentException">The spans do not describe the same rows, or there are none.</exception>
    /// <exception cref="ArithmeticException">The loss became NaN or infinite (message names the epoch and LearningRate).</exception>
    /// <exception cref="OperationCanceledException">The settings' token was cancelled.</exception>
    public static TrainingResult Train<T>(TwoLayerNetwork<T> network, ReadOnlySpan<T> features, ReadOnlySpan<T> targets, TrainingSettings settings)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(settings);
        int d = network.InputSize, h = network.HiddenSize;
        int rows = targets.Length;
        if (rows == 0)
        {
            throw new ArgumentException("There are no training rows.", nameof(targets));
        }
        if ((long)rows * d != features.Length)
        {
            throw new ArgumentException($"{rows} targets need {(long)rows * d} feature values, but {features.Length} were given.", nameof(features));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.NumberOfEpochs, 1, nameof(settings.NumberOfEpochs));

        int block = Math.Min(rows, BlockRows);
        var hidden = new T[block * h];
        var output = new T[block];
        var gradient = new T[network.Parameters.Length];
        var delta1 = new T[h];
        var losses = new List<double>(Math.Min(settings.NumberOfEpochs, 1 << 20));
        T learningRate = T.CreateChecked(settings.LearningRate);
        // MSE = (1/N)·Σ(ŷ − y)², so dL/dŷ = (2/N)·(ŷ − y).
        T lossScale = T.CreateChecked(2.0) / T.CreateChecked(rows);
        CancellationToken cancellation = settings.CancellationToken;
        var clock = Stopwatch.StartNew();

        for (int epoch = 1; epoch <= settings.NumberOfEpochs; epoch++)
        {
            cancellation.ThrowIfCancellationRequested();
            Array.Clear(gradient);
            double squaredErrorSum = 0;
            for (int start = 0; start < rows; start += block)
            {
                int n = Math.Min(block, rows - start);
                ReadOnlySpan<T> x = features.Slice(start * d, n * d);
                ReadOnlySpan<T> y = targets.Slice(start, n);
                Span<T> a1 = hidden.AsSpan(0, n * h);
                Span<T> yHat = output.AsSpan(0, n);
                network.Forward(x, a1, yHat);
                squaredErrorSum += double.CreateChecked(Kernels.SumOfSquaredErrors<T>(yHat, y));
                network.Backward(x, y, a1, yHat, lossScale, gradient, delta1);
            }

            double loss = squaredErrorSum / rows;
            if (!double.IsFinite(loss))
            {
                throw new ArithmeticException(
                    $"Training diverged at epoch {epoch}: the training loss became {loss}. Lower LearningRate (now {settings.LearningRate}).");
            }
            losses.Add(loss);
            network.Step(gradient, learningRate);

            if (settings.Progress is { } progress && (epoch % settings.ProgressInterval == 0 || epoch == settings.NumberOfEpochs))
            {
                progress(new TrainingProgress(epoch, loss, double.NaN, clock.Elapsed));
            }
        }

        return new TrainingResult(losses.ToArray(), [], StopReason.MaximumEpochs);
    }
}
