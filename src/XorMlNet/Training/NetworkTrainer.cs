using System.Numerics;
using XorMlNet.Network;

namespace XorMlNet.Training;

/// <summary>
/// Trains a <see cref="TwoLayerNetwork{T}"/> on plain spans: the notebook's loop (forward, MSE, backward, step)
/// with a choice of solver, mini-batches, L2, validation with early stopping, a loss tolerance and restarts from
/// fresh weights when an attempt stalls. Knows nothing of ML.NET. Every buffer is allocated once per call, before
/// the first epoch, except the loss histories, which grow by a 64 KB chunk every 8,192 epochs; the same settings
/// and seed give bit-identical weights.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="double"/> runs on the network's own generic kernels (<see cref="TwoLayerNetwork{T}.Forward"/> and
/// <see cref="TwoLayerNetwork{T}.Backward"/>), the reference that follows numpy's trajectory. <see cref="float"/> runs on
/// fast kernels (16-row SIMD tiles, a vectorized sigmoid within 2 ulp of the exact one, several threads for batches of more
/// than 4096 rows): the same mathematics, with fused multiply-adds and another summation order, so its weights differ
/// from the reference's in the last bits but are bit-identical for any number of threads and any vector width.
/// </para>
/// <para>
/// This class checks the arguments, splits off validation rows (<see cref="ValidationSplit"/>) and hands them to the
/// epoch loop, <see cref="TrainingRun{T}"/>, which runs over one <see cref="GradientEngine{T}"/> (reference, dense vector
/// or sparse) and applies <see cref="StoppingRules"/>.
/// </para>
/// </remarks>
public static partial class NetworkTrainer
{
    /// <summary>
    /// Rows the reference kernels process per forward/backward block: bounds their activation buffers whatever the
    /// table's size, and is how often they check cancellation. The gradient is the same sum whatever the block size,
    /// up to rounding. (The vector kernels work in blocks of <see cref="Simd.TileScratch.BlockRows"/>.)
    /// </summary>
    internal const int ReferenceBlockRows = 1024;

    /// <summary>
    /// The network a training run starts from: d → H → 1 with the first draw of <c>NumpyRandom(Seed)</c> at
    /// <see cref="TrainingSettings.InitialWeightScale"/> (<see cref="TwoLayerNetwork{T}.InitializeNormal"/>; the notebook's
    /// weights for seed 42 and scale 0.1). A restart continues that stream (<see cref="TrainingSettings.MaxRestarts"/>), so
    /// with a network made here attempt k starts from the k-th draw of the seed's stream.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    public static TwoLayerNetwork<T> CreateNetwork<T>(int inputSize, int hiddenSize, TrainingSettings settings)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(settings);
        var network = new TwoLayerNetwork<T>(inputSize, hiddenSize);
        network.InitializeNormal(new NumpyRandom(settings.Seed), settings.InitialWeightScale);
        return network;
    }

    /// <summary>Trains <paramref name="network"/> in place on the rows of <paramref name="features"/>, without validation rows
    /// (unless <see cref="TrainingSettings.ValidationFraction"/> holds some out).</summary>
    /// <inheritdoc cref="Train{T}(TwoLayerNetwork{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, TrainingSettings)"/>
    public static TrainingResult Train<T>(TwoLayerNetwork<T> network, ReadOnlySpan<T> features, ReadOnlySpan<T> targets, TrainingSettings settings)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Train(network, features, targets, ReadOnlySpan<T>.Empty, ReadOnlySpan<T>.Empty, settings);

    /// <summary>
    /// Trains <paramref name="network"/> in place on the rows of <paramref name="features"/>, measuring the validation
    /// loss after every epoch on the validation rows (for early stopping and reporting).
    /// </summary>
    /// <param name="network">Initialised network (<see cref="CreateNetwork{T}"/> draws the weights a restart continues from);
    /// updated in place. When training stops early (or runs out of epochs
    /// with early stopping on), it ends with the weights of the best validation epoch; when it runs out of epochs
    /// without early stopping and the last epoch's training loss is above the lowest one seen, with the weights that
    /// lowest loss was measured on (those before that epoch's update), over every restart.</param>
    /// <param name="features">n×d row-major, d = <see cref="TwoLayerNetwork{T}.InputSize"/>.</param>
    /// <param name="targets">n targets in [0, 1].</param>
    /// <param name="validationFeatures">m×d row-major; empty for none.</param>
    /// <param name="validationTargets">m targets; empty for none.</param>
    /// <param name="settings">Solver, stopping rules, seed, progress and cancellation; see <see cref="TrainingSettings"/>.</param>
    /// <returns>Loss histories, epochs run, why training stopped and how many restarts happened.</returns>
    /// <exception cref="ArgumentException">The spans do not describe whole rows of d features with one target each,
    /// there are no training rows, or <see cref="TrainingSettings.ValidationFraction"/> leaves one side without rows.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (named by the exception's ParamName).</exception>
    /// <exception cref="TrainingDivergedException">Training diverged: the initial weights, the loss or a parameter became
    /// NaN or infinite, or the loss ended more than 1.5 times above the first epoch's without ever going 1 % below it.
    /// The message names the epoch and the option most likely at fault (<see cref="TrainingDivergedException.OptionName"/>).</exception>
    /// <exception cref="OperationCanceledException">The settings' token was cancelled.</exception>
    public static TrainingResult Train<T>(TwoLayerNetwork<T> network, ReadOnlySpan<T> features, ReadOnlySpan<T> targets,
        ReadOnlySpan<T> validationFeatures, ReadOnlySpan<T> validationTargets, TrainingSettings settings)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        int d = network.InputSize;
        int rows = CheckRows(features, targets, d, nameof(features), nameof(targets));
        if (rows == 0)
        {
            throw new ArgumentException("There are no training rows.", nameof(targets));
        }
        bool hasValidation = validationFeatures.Length > 0 || validationTargets.Length > 0;
        if (hasValidation)
        {
            CheckRows(validationFeatures, validationTargets, d, nameof(validationFeatures), nameof(validationTargets));
        }

        NumpyRandom dataRandom = ValidationSplit.CreateDataRandom(settings.Seed);
        if (!hasValidation && settings.ValidationFraction > 0)
        {
            (T[] trainX, T[] trainY, T[] validX, T[] validY) = ValidationSplit.Split(features, targets, d, settings.ValidationFraction,
                dataRandom, settings.CancellationToken);
            features = trainX;
            targets = trainY;
            validationFeatures = validX;
            validationTargets = validY;
            rows = trainY.Length;
        }

        using var run = new TrainingRun<T>(network, settings, rows, validationTargets.Length);
        return run.Train(features, targets, validationFeatures, validationTargets, dataRandom);
    }

    /// <summary>
    /// Trains <paramref name="network"/> in place on rows held in compressed sparse form: the same loop, settings, stopping
    /// rules and results as the dense overload, with the first layer computed over the stored non-zeros only
    /// (<see cref="SparseEngine"/>: O(nnz·H) per epoch), bit-identical for any number of threads.
    /// </summary>
    /// <param name="network">Initialised network; updated in place (see the dense overload).</param>
    /// <param name="features">n rows of d = <see cref="TwoLayerNetwork{T}.InputSize"/> columns.</param>
    /// <param name="targets">n targets in [0, 1].</param>
    /// <param name="validationFeatures">m rows of d columns; null for none.</param>
    /// <param name="validationTargets">m targets; empty for none.</param>
    /// <param name="settings">As for the dense overload; <see cref="TrainingSettings.UseReferenceKernels"/> does not apply.</param>
    /// <exception cref="ArgumentException">The matrices do not have d columns or one target per row, there are no
    /// training rows, or <see cref="TrainingSettings.ValidationFraction"/> leaves one side without rows.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (named by the exception's ParamName).</exception>
    /// <exception cref="TrainingDivergedException">Training diverged (see the dense overload).</exception>
    /// <exception cref="OperationCanceledException">The settings' token was cancelled.</exception>
    internal static TrainingResult Train(TwoLayerNetwork<float> network, CsrMatrix features, float[] targets,
        CsrMatrix? validationFeatures, float[] validationTargets, TrainingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(validationTargets);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        int rows = CheckRows(features, targets, network.InputSize, nameof(features), nameof(targets));
        if (rows == 0)
        {
            throw new ArgumentException("There are no training rows.", nameof(targets));
        }
        bool hasValidation = validationFeatures is not null && (validationFeatures.RowCount > 0 || validationTargets.Length > 0);
        if (hasValidation)
        {
            CheckRows(validationFeatures!, validationTargets, network.InputSize, nameof(validationFeatures), nameof(validationTargets));
        }

        NumpyRandom dataRandom = ValidationSplit.CreateDataRandom(settings.Seed);
        if (!hasValidation && settings.ValidationFraction > 0)
        {
            (features, targets, validationFeatures, validationTargets) = ValidationSplit.Split(features, targets, settings.ValidationFraction,
                dataRandom, settings.CancellationToken);
            rows = targets.Length;
            hasValidation = true;
        }

        using var run = new TrainingRun<float>(network, settings, rows, hasValidation ? validationTargets.Length : 0, sparse: true);
        return run.TrainSparse(features, targets, hasValidation ? validationFeatures : null, hasValidation ? validationTargets : [], dataRandom);
    }

    private static int CheckRows(CsrMatrix features, float[] targets, int d, string featuresName, string targetsName)
    {
        if (features.ColumnCount != d)
        {
            throw new ArgumentException($"The network takes {d} features, but {featuresName} has {features.ColumnCount} columns.", featuresName);
        }
        if (features.RowCount != targets.Length)
        {
            throw new ArgumentException($"{features.RowCount} rows of {featuresName} need as many targets, but {targetsName} has {targets.Length}.", targetsName);
        }
        return targets.Length;
    }

    private static int CheckRows<T>(ReadOnlySpan<T> features, ReadOnlySpan<T> targets, int d, string featuresName, string targetsName)
    {
        if ((long)targets.Length * d != features.Length)
        {
            throw new ArgumentException(
                $"{targets.Length} targets ({targetsName}) need {(long)targets.Length * d} feature values of {d} per row, but {features.Length} were given.",
                featuresName);
        }
        return targets.Length;
    }
}
