using System.Runtime.CompilerServices;
using XorMlNet.Network;
using XorMlNet.Simd;

namespace XorMlNet.Training;

/// <summary>
/// The float path of <see cref="NetworkTrainer"/> for rows in compressed sparse form (<see cref="CsrMatrix"/>): the first
/// layer runs over the stored non-zeros only, Z1 = X·W1 and dW1 = Xᵀ·δ1 in O(nnz·H) per pass instead of O(n·d·H);
/// the hidden-to-output part is the same per-row mathematics as the dense kernels.
/// </summary>
/// <remarks>
/// <para>Work and determinism: a batch is cut into chunks of <see cref="ChunkedEngine.ChunkRows"/> positions whatever the
/// number of threads. Each chunk's forward pass and backward pass down to δ1 runs on one thread, row after row, leaving
/// each row's δ1 in a buffer and the chunk's sums (db1, dW2, db2, squared error) in the chunk's own slot; the slots are
/// then added in chunk order and dW1 = Xᵀ·δ1 is scattered on the calling thread, row by row in batch order. So the
/// result is bit-identical for any <see cref="TrainingSettings.NumberOfThreads"/> (and any vector width: every
/// sum is a chain of fused multiply-adds per weight, which a vector lane and a scalar compute alike).</para>
/// <para>Memory: besides the matrix, one δ1 row per batch position (batch rows × H floats), 2H + 17 floats and a double
/// per chunk, and H + 32 floats per worker (see <see cref="SumsPerChunk"/> and <see cref="HiddenScratch"/>); every
/// buffer is allocated by the constructor, and a pass allocates nothing.</para>
/// </remarks>
internal sealed unsafe class SparseEngine : ChunkedEngine, ISparseRows<float>
{
    private readonly int _d;
    private readonly int _h;
    private readonly float[] _deltas;
    private readonly float[] _chunkSums;
    private readonly float[][] _hidden;
    private float[] _theta = [];
    private CsrMatrix? _training;
    private float[] _trainingY = [];
    private int[]? _order;
    private CsrMatrix? _validation;
    private float[] _validationY = [];

    /// <param name="inputs">d.</param>
    /// <param name="hidden">H.</param>
    /// <param name="batchRows">Rows of the largest training batch.</param>
    /// <param name="validationRows">Rows of validation data (0 for none).</param>
    /// <param name="settings">Threads and cancellation.</param>
    public SparseEngine(int inputs, int hidden, int batchRows, int validationRows, TrainingSettings settings)
        : base(CheckBatch(hidden, batchRows), validationRows, settings)
    {
        _d = inputs;
        _h = hidden;
        int chunks = Math.Max(Chunks(batchRows), Chunks(validationRows));
        _deltas = new float[(long)batchRows * hidden];
        _chunkSums = new float[checked(chunks * SumsPerChunk(hidden))];
        _hidden = new float[WorkerCount][];
        for (int k = 0; k < _hidden.Length; k++)
        {
            _hidden[k] = new float[HiddenScratch(hidden)];
        }
    }

    /// <summary>The batch's δ1 rows fit in one array (checked before the base class starts the helper threads).</summary>
    private static int CheckBatch(int hidden, int batchRows)
    {
        long deltaValues = (long)batchRows * hidden;
        if (deltaValues > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(batchRows), batchRows,
                $"A batch of {batchRows} rows needs {deltaValues} δ1 values for {hidden} hidden units, more than an array can hold; use a smaller BatchSize.");
        }
        return batchRows;
    }

    /// <summary>The bytes the engine allocates for these sizes (for the memory check before a fit).</summary>
    public static long BytesFor(int hidden, int batchRows, int validationRows, int numberOfThreads)
    {
        long chunks = Math.Max(Chunks(batchRows), Chunks(validationRows));
        long workers = ChunkWorkers.Workers(numberOfThreads, chunks);
        return checked((long)batchRows * hidden * sizeof(float) + chunks * (SumsPerChunk(hidden) * sizeof(float) + sizeof(double))
            + workers * HiddenScratch(hidden) * sizeof(float));
    }

    /// <summary>
    /// Points the engine at the parameters (the network's own array, updated in place between passes) and the data;
    /// <paramref name="order"/> (or null for rows in order) is read at every pass, so shuffling it in place between
    /// passes is how mini-batches work.
    /// </summary>
    public void Bind(float[] theta, CsrMatrix x, float[] y, int[]? order, CsrMatrix? validationX, float[] validationY)
    {
        _theta = theta;
        _training = x;
        _trainingY = y;
        _order = order;
        _validation = validationX;
        _validationY = validationY;
    }

    /// <summary>The batch's gradient by <see cref="Gradient"/> into the run's pinned gradient array.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void BatchGradient(int first, int rows, float[] gradient, ref double squaredErrorSum)
    {
        fixed (float* g = gradient)
        {
            squaredErrorSum += Gradient(first, rows, 2f / rows, g);
        }
    }

    /// <summary>MSE over the validation rows: <see cref="ValidationSquaredError"/> over their count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double ValidationLoss() => ValidationSquaredError() / _validationY.Length;

    /// <summary>ŷ of the first rows of the training matrix.</summary>
    public override void Predict(TwoLayerNetwork<float> network, Span<float> output) => Predict(network.ParameterArray, _training!, output);

    /// <summary>
    /// The gradient over training positions [<paramref name="first"/>, +<paramref name="rows"/>) with
    /// dL/dŷ = <paramref name="scale"/>·(ŷ − y), written into <paramref name="gradient"/>; returns the sum of squared errors.
    /// </summary>
    /// <exception cref="OperationCanceledException">The settings' token was cancelled.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Gradient(int first, int rows, float scale, float* gradient)
    {
        int chunks = Chunks(rows);
        double squaredErrors = RunRound(first, rows, scale, gradient: true);

        int d = _d, h = _h, sums = SumsPerChunk(h);
        // db1, dW2, db2: the chunks' sums in chunk order.
        var tail = new Span<float>(gradient + (long)d * h, 2 * h + 1);
        _chunkSums.AsSpan(0, 2 * h + 1).CopyTo(tail);
        for (int c = 1; c < chunks; c++)
        {
            ReadOnlySpan<float> slot = _chunkSums.AsSpan(c * sums, 2 * h + 1);
            for (int k = 0; k < slot.Length; k++)
            {
                tail[k] += slot[k];
            }
        }

        // dW1 = Xᵀ·δ1: row by row in batch order, each non-zero adding x·δ1 to its W1 row.
        new Span<float>(gradient, d * h).Clear();
        CsrMatrix x = _training!;
        ReadOnlySpan<int> starts = x.RowStarts, ends = x.RowEnds, indices = x.Indices;
        ReadOnlySpan<float> values = x.Values;
        int[]? order = _order;
        fixed (float* deltas = _deltas)
        {
            for (int k = 0; k < rows; k++)
            {
                if ((k & (ChunkRows - 1)) == 0)
                {
                    _cancellation.ThrowIfCancellationRequested();
                }
                int row = order is null ? first + k : order[first + k];
                float* delta = deltas + (long)k * h;
                for (int e = starts[row], end = ends[row]; e < end; e++)
                {
                    SpanMath.MultiplyAdd(values[e], delta, gradient + (long)indices[e] * h, h);
                }
            }
        }
        return squaredErrors;
    }

    /// <summary>Sum of squared errors over the validation rows.</summary>
    /// <exception cref="OperationCanceledException">The settings' token was cancelled.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double ValidationSquaredError()
    {
        CsrMatrix? x = _validation;
        if (x is null || x.RowCount == 0)
        {
            return 0;
        }
        return RunRound(0, x.RowCount, 0, gradient: false);
    }

    /// <summary>ŷ of each of the first <paramref name="output"/>.Length rows of <paramref name="x"/> (calling thread only).</summary>
    public void Predict(float[] theta, CsrMatrix x, Span<float> output)
    {
        fixed (float* w = theta, hidden = _hidden[0])
        {
            for (int r = 0; r < output.Length; r++)
            {
                output[r] = Forward(w, x, r, hidden + CacheLineFloats);
            }
        }
    }

    /// <summary>The floats of a 64-byte cache line.</summary>
    internal const int CacheLineFloats = 16;

    /// <summary>
    /// A chunk's slot: db1 (H), dW2 (H), db2 (1), then a cache line's worth of floats that no one writes. Two workers
    /// write neighbouring slots row after row; without the gap they would share a cache line, and each write would take
    /// the line from the other core (the round ran up to twice as slow, depending on where the array landed).
    /// </summary>
    internal static int SumsPerChunk(int hidden) => 2 * hidden + 1 + CacheLineFloats;

    /// <summary>
    /// A worker's A1 (H), with a cache line's worth of floats before and after it, so that it shares no cache line with
    /// the other worker's (as for <see cref="SumsPerChunk"/>).
    /// </summary>
    internal static int HiddenScratch(int hidden) => hidden + 2 * CacheLineFloats;

    /// <summary>
    /// One chunk of the round in progress on worker <paramref name="worker"/>'s scratch: of the training rows in their
    /// order, into slot <paramref name="chunk"/> (a gradient round), or of the validation rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected override double ComputeChunk(int worker, int chunk)
    {
        if (_cancellation.IsCancellationRequested)
        {
            return double.NaN;
        }
        Round round = _round;
        int h = _h, d = _d;
        int start = round.ChunkStart(chunk);
        int rows = round.ChunkLength(chunk);
        bool gradient = round.Gradient;
        CsrMatrix x = gradient ? _training! : _validation!;
        float[] y = gradient ? _trainingY : _validationY;
        int[]? order = gradient ? _order : null;
        float scale = round.Scale;
        float loss = 0;
        fixed (float* theta = _theta, hidden = _hidden[worker], sums = _chunkSums, deltas = _deltas)
        {
            float* a = hidden + CacheLineFloats;
            float* w2 = theta + (long)(d + 1) * h;
            float* gB1 = sums + chunk * SumsPerChunk(h), gW2 = gB1 + h, gB2 = gW2 + h;
            if (gradient)
            {
                new Span<float>(gB1, 2 * h + 1).Clear();
            }
            for (int k = start; k < start + rows; k++)
            {
                int position = round.First + k;
                int row = order is null ? position : order[position];
                float yHat = Forward(theta, x, row, a);
                float error = yHat - y[row];
                loss = MathF.FusedMultiplyAdd(error, error, loss);
                if (!gradient)
                {
                    continue;
                }
                // ŷ = σ(Z2): δ2 = dL/dŷ · ŷ(1 − ŷ); dW2 = A1ᵀδ2, db2 = Σδ2; δ1 = δ2·W2 ⊙ A1(1 − A1), db1 = Σδ1.
                float delta2 = Kernels.SigmoidDelta(scale * error, yHat);
                *gB2 += delta2;
                float* delta1 = deltas + (long)k * h;
                for (int j = 0; j < h; j++)
                {
                    float aj = a[j];
                    gW2[j] = MathF.FusedMultiplyAdd(aj, delta2, gW2[j]);
                    float q = Kernels.SigmoidDelta(delta2 * w2[j], aj);
                    delta1[j] = q;
                    gB1[j] += q;
                }
            }
        }
        return loss;
    }

    /// <summary>
    /// ŷ for one row: Z1 = X·W1 + b1 over the row's non-zeros (each adding its value times its W1 row), A1 = σ(Z1) left in
    /// <paramref name="a"/>, Z2 = A1·W2 + b2, ŷ = σ(Z2).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private float Forward(float* theta, CsrMatrix x, int row, float* a)
    {
        int d = _d, h = _h;
        ReadOnlySpan<int> starts = x.RowStarts, ends = x.RowEnds, indices = x.Indices;
        ReadOnlySpan<float> values = x.Values;
        new Span<float>(a, h).Clear();
        for (int e = starts[row], end = ends[row]; e < end; e++)
        {
            SpanMath.MultiplyAdd(values[e], theta + (long)indices[e] * h, a, h);
        }
        float* b1 = theta + (long)d * h, w2 = b1 + h;
        float z2 = 0;
        for (int j = 0; j < h; j++)
        {
            float aj = Kernels.Sigmoid(a[j] + b1[j]);
            a[j] = aj;
            z2 = MathF.FusedMultiplyAdd(aj, w2[j], z2);
        }
        return Kernels.Sigmoid(z2 + w2[h]);
    }
}
