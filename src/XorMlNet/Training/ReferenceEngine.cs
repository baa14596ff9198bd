using System.Numerics;
using XorMlNet.Network;

namespace XorMlNet.Training;

/// <summary>
/// The reference <see cref="GradientEngine{T}"/>: the notebook's forward, MSE and backward through the network's own
/// generic kernels (<see cref="TwoLayerNetwork{T}.Forward"/>, <see cref="TwoLayerNetwork{T}.Backward"/>), block by block
/// of <see cref="NetworkTrainer.ReferenceBlockRows"/> rows. In double it follows numpy's trajectory; it is the path of
/// <see cref="TrainingSettings.UseReferenceKernels"/> in float. Every buffer is allocated by the constructor.
/// </summary>
internal sealed unsafe class ReferenceEngine<T> : GradientEngine<T>, IDenseRows<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly TwoLayerNetwork<T> _network;
    private readonly CancellationToken _cancellation;
    private readonly int[] _order;
    private readonly int _blockRows;
    private readonly T[] _batchX;
    private readonly T[] _batchY;
    private readonly T[] _hidden;
    private readonly T[] _output;
    private readonly T[] _delta1;
    private T* _x;
    private T* _y;
    private int _rows;
    private T* _validationX;
    private T* _validationY;
    private int _validationRows;

    /// <param name="network">The network trained (its parameters are the ones used).</param>
    /// <param name="batchRows">Rows of the largest training batch.</param>
    /// <param name="validationRows">Rows of validation data (0 for none).</param>
    /// <param name="order">The run's row order (empty for full batch): a batch gathers its rows in this order.</param>
    /// <param name="settings">Cancellation.</param>
    public ReferenceEngine(TwoLayerNetwork<T> network, int batchRows, int validationRows, int[] order, TrainingSettings settings)
    {
        int d = network.InputSize, h = network.HiddenSize;
        bool shuffled = order.Length > 0;
        _network = network;
        _cancellation = settings.CancellationToken;
        _order = order;
        _blockRows = Math.Min(batchRows, NetworkTrainer.ReferenceBlockRows);
        _batchX = shuffled ? new T[_blockRows * d] : [];
        _batchY = shuffled ? new T[_blockRows] : [];
        int bufferRows = Math.Max(_blockRows, Math.Min(validationRows, NetworkTrainer.ReferenceBlockRows));
        _hidden = new T[bufferRows * h];
        _output = new T[bufferRows];
        _delta1 = new T[h];
    }

    /// <inheritdoc/>
    /// <remarks>The parameters are the network's own; <paramref name="theta"/> and <paramref name="order"/> are not read
    /// (the order is the array given to the constructor).</remarks>
    public void Bind(T* theta, T* x, T* y, int rows, int* order, T* validationX, T* validationY, int validationRows)
    {
        _x = x;
        _y = y;
        _rows = rows;
        _validationX = validationX;
        _validationY = validationY;
        _validationRows = validationRows;
    }

    /// <summary>
    /// The batch's gradient into <paramref name="gradient"/> by the network's own kernels, block by block, adding each
    /// block's sum of squared errors to <paramref name="squaredErrorSum"/>.
    /// </summary>
    public override void BatchGradient(int first, int rows, T[] gradient, ref double squaredErrorSum)
    {
        TwoLayerNetwork<T> network = _network;
        int d = network.InputSize, h = network.HiddenSize;
        var x = new ReadOnlySpan<T>(_x, _rows * d);
        var y = new ReadOnlySpan<T>(_y, _rows);
        bool shuffled = _order.Length > 0;
        int batchEnd = first + rows;
        Array.Clear(gradient);
        // MSE over the batch = (1/B)·Σ(ŷ − y)², so dL/dŷ = (2/B)·(ŷ − y).
        T lossScale = T.CreateChecked(2.0) / T.CreateChecked(rows);
        for (int start = first; start < batchEnd; start += _blockRows)
        {
            _cancellation.ThrowIfCancellationRequested();
            int n = Math.Min(_blockRows, batchEnd - start);
            ReadOnlySpan<T> bx, by;
            if (shuffled)
            {
                ValidationSplit.GatherRows(x, y, _order.AsSpan(start, n), d, _batchX, _batchY);
                bx = _batchX.AsSpan(0, n * d);
                by = _batchY.AsSpan(0, n);
            }
            else
            {
                bx = x.Slice(start * d, n * d);
                by = y.Slice(start, n);
            }
            Span<T> a1 = _hidden.AsSpan(0, n * h);
            Span<T> yHat = _output.AsSpan(0, n);
            network.Forward(bx, a1, yHat);
            squaredErrorSum += double.CreateChecked(Kernels.SumOfSquaredErrors<T>(yHat, by));
            network.Backward(bx, by, a1, yHat, lossScale, gradient, _delta1);
        }
    }

    /// <summary>Plain MSE of the network on the validation rows, in blocks.</summary>
    public override double ValidationLoss()
    {
        TwoLayerNetwork<T> network = _network;
        int d = network.InputSize, h = network.HiddenSize, rows = _validationRows;
        var x = new ReadOnlySpan<T>(_validationX, rows * d);
        var y = new ReadOnlySpan<T>(_validationY, rows);
        int block = _output.Length;
        double sum = 0;
        for (int start = 0; start < rows; start += block)
        {
            _cancellation.ThrowIfCancellationRequested();
            int n = Math.Min(block, rows - start);
            Span<T> yHat = _output.AsSpan(0, n);
            network.Forward(x.Slice(start * d, n * d), _hidden.AsSpan(0, n * h), yHat);
            sum += double.CreateChecked(Kernels.SumOfSquaredErrors<T>(yHat, y.Slice(start, n)));
        }
        return sum / rows;
    }

    public override void Predict(TwoLayerNetwork<T> network, Span<T> output)
        => ForwardRows(network, new ReadOnlySpan<T>(_x, _rows * network.InputSize), output);
}
