using System.Numerics;
using XorMlNet.Network;

namespace XorMlNet.Training;

/// <summary>
/// The seam between the epoch loop (<see cref="TrainingRun{T}"/>) and the mathematics of one batch: given the current
/// parameters and a batch of the training rows, the gradient of the batch's MSE and its sum of squared errors; the MSE of
/// the validation rows; the network's output on the first training rows. The loop calls it once per batch and once per
/// epoch, never per row, so one virtual call is all a batch pays for the choice of engine.
/// </summary>
/// <remarks>
/// Three implementations: <see cref="ReferenceEngine{T}"/> (the notebook's mathematics through
/// <see cref="TwoLayerNetwork{T}.Forward"/> and <see cref="TwoLayerNetwork{T}.Backward"/>, for any T), <see cref="FastEngine"/>
/// (float, dense rows in 16-row SIMD tiles) and <see cref="SparseEngine"/> (float, rows in compressed sparse form); the last
/// two share their threads and round state through <see cref="ChunkedEngine"/>. An engine is bound to its data once, before
/// the first epoch (<see cref="IDenseRows{T}.Bind"/> or <see cref="ISparseRows{T}.Bind"/>), and reads the training rows in
/// the order of the run's order array at every call, so shuffling that array between epochs is how mini-batches work.
/// </remarks>
internal abstract class GradientEngine<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Writes into <paramref name="gradient"/> the gradient of the MSE over training positions
    /// [<paramref name="first"/>, +<paramref name="rows"/>): MSE = (1/B)·Σ(ŷ − y)², so dL/dŷ = (2/B)·(ŷ − y). Adds the
    /// batch's squared errors to <paramref name="squaredErrorSum"/>, in the engine's own order of summation.
    /// </summary>
    /// <param name="first">The batch's first position in the order of the training rows.</param>
    /// <param name="rows">B, at least 1.</param>
    /// <param name="gradient">The parameter-sized gradient, overwritten (pinned when the engine works through pointers).</param>
    /// <param name="squaredErrorSum">The epoch's running sum of squared errors.</param>
    /// <exception cref="OperationCanceledException">The settings' token was cancelled.</exception>
    public abstract void BatchGradient(int first, int rows, T[] gradient, ref double squaredErrorSum);

    /// <summary>The plain MSE of the current parameters on the validation rows (called only when there are some).</summary>
    /// <exception cref="OperationCanceledException">The settings' token was cancelled.</exception>
    public abstract double ValidationLoss();

    /// <summary>
    /// ŷ of each of the first <paramref name="output"/>.Length training rows, in the table's order, for the stopping rules'
    /// look at the fitted network (<see cref="StoppingRules.HasConstantOutput{T}"/>); called once, after the last epoch.
    /// </summary>
    public abstract void Predict(TwoLayerNetwork<T> network, Span<T> output);

    /// <summary>Lets the engine's helper threads end.</summary>
    public virtual void Dispose()
    {
    }

    /// <summary>
    /// ŷ of the dense row-major rows <paramref name="x"/> by the network's own <see cref="TwoLayerNetwork{T}.Forward"/>, in
    /// blocks of <see cref="NetworkTrainer.ReferenceBlockRows"/>: how both dense engines answer <see cref="Predict"/>.
    /// </summary>
    protected static void ForwardRows(TwoLayerNetwork<T> network, ReadOnlySpan<T> x, Span<T> output)
    {
        int d = network.InputSize, h = network.HiddenSize, rows = output.Length;
        int block = Math.Min(rows, NetworkTrainer.ReferenceBlockRows);
        var hidden = new T[block * h];
        for (int start = 0; start < rows; start += block)
        {
            int n = Math.Min(block, rows - start);
            network.Forward(x.Slice(start * d, n * d), hidden.AsSpan(0, n * h), output.Slice(start, n));
        }
    }
}

/// <summary>
/// An engine that reads dense row-major rows through pointers: <see cref="ReferenceEngine{T}"/> for any T and
/// <see cref="FastEngine"/> for float, so that a run binds either without a cast of its pointers.
/// </summary>
internal unsafe interface IDenseRows<T> where T : unmanaged
{
    /// <summary>
    /// Points the engine at pinned parameters and data for the passes that follow: <paramref name="order"/> (pinned, or
    /// null for full batch) is read at every pass. Everything must stay pinned until the last pass.
    /// </summary>
    void Bind(T* theta, T* x, T* y, int rows, int* order, T* validationX, T* validationY, int validationRows);
}

/// <summary>An engine that reads rows in compressed sparse form: <see cref="SparseEngine"/>, for float.</summary>
internal interface ISparseRows<T> where T : unmanaged
{
    /// <summary>
    /// Points the engine at the parameters (the network's own array, updated in place between passes) and the data;
    /// <paramref name="order"/> (or null for rows in order) is read at every pass, so shuffling it in place between
    /// passes is how mini-batches work.
    /// </summary>
    void Bind(T[] theta, CsrMatrix x, T[] y, int[]? order, CsrMatrix? validationX, T[] validationY);
}
