using System.Runtime.CompilerServices;
using XorMlNet.Network;
using XorMlNet.Simd;

namespace XorMlNet.Training;

/// <summary>
/// The float fast path of <see cref="NetworkTrainer"/>: forward, backward and loss over 16-row tiles
/// (<see cref="TileKernel{TV}"/>), on the calling thread and, for batches of several chunks, on helper threads.
/// </summary>
/// <remarks>
/// Determinism: a batch is cut into chunks of <see cref="ChunkedEngine.ChunkRows"/> positions whatever the number of
/// threads; each chunk's gradient and squared error are computed by one thread in a fixed order into the chunk's own slot,
/// and the slots are summed in chunk order. So the result is bit-identical for any
/// <see cref="TrainingSettings.NumberOfThreads"/> and any vector width. All buffers are allocated by the constructor and
/// <see cref="Bind"/>; a pass allocates nothing.
/// </remarks>
internal sealed unsafe class FastEngine : ChunkedEngine, IDenseRows<float>
{
    /// <summary>Full-batch tables up to this many feature values are copied once into tile layout.</summary>
    private const long TiledTableLimit = 1 << 20;

    private readonly int _d;
    private readonly int _h;
    private readonly int _p;
    private readonly LaneWidth _width;
    private readonly TileScratch[] _scratch;
    private readonly float[] _slots;
    private readonly bool _tileTraining;
    private float[] _tiled = [];
    private float* _theta;
    private RowSource _training;
    private RowSource _validation;

    /// <param name="inputs">d.</param>
    /// <param name="hidden">H.</param>
    /// <param name="batchRows">Rows of the largest training batch.</param>
    /// <param name="validationRows">Rows of validation data (0 for none).</param>
    /// <param name="fullBatch">Every batch is the whole table in order, so a small table can be tiled once.</param>
    /// <param name="settings">Threads, lane width and cancellation.</param>
    public FastEngine(int inputs, int hidden, int batchRows, int validationRows, bool fullBatch, TrainingSettings settings)
        : base(batchRows, validationRows, settings)
    {
        _d = inputs;
        _h = hidden;
        _p = TwoLayerNetwork<float>.GetParameterCount(inputs, hidden);
        _width = LaneChoice.Resolve(settings.LaneWidth);
        _tileTraining = fullBatch;
        _slots = Chunks(batchRows) > 1 ? new float[NetworkSizes.Length(NetworkSizes.ChunkSlotFloats(inputs, hidden, batchRows))] : [];
        _scratch = new TileScratch[WorkerCount];
        for (int k = 0; k < _scratch.Length; k++)
        {
            _scratch[k] = new TileScratch(inputs, hidden);
        }
    }

    /// <summary>
    /// The bytes the constructor and <see cref="Bind"/> allocate for these sizes: the per-chunk gradient slots, one
    /// <see cref="TileScratch"/> per thread (16 accumulators per parameter, a block of tiles) and the tiled copy of a
    /// small full-batch table.
    /// </summary>
    public static long BytesFor(int inputs, int hidden, int batchRows, int validationRows, bool fullBatch, int numberOfThreads)
    {
        long chunks = Math.Max(Chunks(batchRows), Chunks(validationRows));
        long workers = ChunkWorkers.Workers(numberOfThreads, chunks);
        long tiled = (fullBatch && (long)batchRows * inputs <= TiledTableLimit ? Padded(batchRows) * (inputs + 1L) : 0)
            + (validationRows > 0 && (long)validationRows * inputs <= TiledTableLimit ? Padded(validationRows) * (inputs + 1L) : 0);
        return checked((NetworkSizes.ChunkSlotFloats(inputs, hidden, batchRows) + workers * NetworkSizes.TileScratchFloats(inputs, hidden) + tiled)
            * sizeof(float) + chunks * sizeof(double));
    }

    /// <summary>
    /// Points the engine at pinned parameters and data for the passes that follow: <paramref name="order"/> (pinned,
    /// or null for full batch) is read at every pass, so shuffling it in place between passes is how mini-batches work.
    /// </summary>
    public void Bind(float* theta, float* x, float* y, int rows, int* order, float* validationX, float* validationY, int validationRows)
    {
        _theta = theta;
        _training = new RowSource { X = x, Y = y, Order = order, Rows = rows };
        _validation = new RowSource { X = validationX, Y = validationY, Rows = validationRows };
        long trainingValues = (long)rows * _d, validationValues = (long)validationRows * _d;
        bool tileTraining = _tileTraining && order == null && trainingValues <= TiledTableLimit;
        bool tileValidation = validationRows > 0 && validationValues <= TiledTableLimit;
        long size = (tileTraining ? Padded(rows) * (_d + 1L) : 0) + (tileValidation ? Padded(validationRows) * (_d + 1L) : 0);
        if (size == 0)
        {
            return;
        }
        _tiled = GC.AllocateUninitializedArray<float>((int)size + TileKernel.Lanes, pinned: true);
        float* next = (float*)(((nint)Unsafe.AsPointer(ref _tiled[0]) + 63) & ~(nint)63);
        if (tileTraining)
        {
            next = TileInto(ref _training, next);
        }
        if (tileValidation)
        {
            TileInto(ref _validation, next);
        }

        float* TileInto(ref RowSource source, float* memory)
        {
            long padded = Padded(source.Rows);
            source.TiledX = memory;
            source.TiledY = memory + padded * _d;
            TileKernel.Tile(source.X, source.Y, source.Rows, _d, source.TiledX, source.TiledY);
            return source.TiledY + padded;
        }
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
    public override double ValidationLoss() => ValidationSquaredError() / _validation.Rows;

    /// <summary>ŷ of the first rows of the training table by the network's own kernels, as the reference engine gives them.</summary>
    public override void Predict(TwoLayerNetwork<float> network, Span<float> output)
        => ForwardRows(network, new ReadOnlySpan<float>(_training.X, _training.Rows * _d), output);

    /// <summary>
    /// The gradient over training positions [<paramref name="first"/>, +<paramref name="rows"/>) with
    /// dL/dŷ = <paramref name="scale"/>·(ŷ − y), written into <paramref name="gradient"/>; returns the sum of squared errors.
    /// </summary>
    /// <exception cref="OperationCanceledException">The settings' token was cancelled.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Gradient(int first, int rows, float scale, float* gradient)
    {
        if (rows <= TileKernel.Lanes && _training.TiledX != null)
        {
            _cancellation.ThrowIfCancellationRequested();
            return SingleTile(first, rows, scale, gradient);
        }
        int chunks = Chunks(rows);
        if (chunks == 1)
        {
            double loss = GradientChunk(_scratch[0], _training, first, rows, scale, gradient);
            _cancellation.ThrowIfCancellationRequested();
            return loss;
        }
        double squaredErrors = RunRound(first, rows, scale, gradient: true);
        fixed (float* slots = _slots)
        {
            new Span<float>(slots, _p).CopyTo(new Span<float>(gradient, _p));
            for (int c = 1; c < chunks; c++)
            {
                SpanMath.Add(new ReadOnlySpan<float>(slots + (long)c * _p, _p), new Span<float>(gradient, _p));
            }
        }
        return squaredErrors;
    }

    /// <summary>Sum of squared errors over the validation rows.</summary>
    /// <exception cref="OperationCanceledException">The settings' token was cancelled.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double ValidationSquaredError()
    {
        int rows = _validation.Rows;
        int chunks = Chunks(rows);
        if (chunks == 1)
        {
            double loss = ForwardChunk(_scratch[0], _validation, 0, rows);
            _cancellation.ThrowIfCancellationRequested();
            return loss;
        }
        return RunRound(0, rows, 0, gradient: false);
    }

    private static long Padded(int rows) => (rows + TileKernel.Lanes - 1L) & ~(TileKernel.Lanes - 1L);

    /// <summary>
    /// One chunk of the round in progress, on worker <paramref name="worker"/>'s scratch: of the training rows into slot
    /// <paramref name="chunk"/> (a gradient round), or of the validation rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected override double ComputeChunk(int worker, int chunk)
    {
        Round round = _round;
        int first = round.First + round.ChunkStart(chunk);
        int rows = round.ChunkLength(chunk);
        if (round.Gradient)
        {
            fixed (float* slots = _slots)
            {
                return GradientChunk(_scratch[worker], _training, first, rows, round.Scale, slots + (long)chunk * _p);
            }
        }
        return ForwardChunk(_scratch[worker], _validation, first, rows);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double GradientChunk(TileScratch scratch, in RowSource source, int first, int rows, float scale, float* gradient)
    {
        var net = new NetShape(_d, _h, _theta);
        return TileKernel.Gradient(_width, net, scratch, source, first, rows, scale, gradient, _cancellation);
    }

    /// <summary>The whole (tiled, at most 16-row) table as one tile: see <see cref="TileKernel{TV}.SingleTile"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double SingleTile(int first, int rows, float scale, float* gradient)
    {
        var net = new NetShape(_d, _h, _theta);
        float* xt = _training.TiledX + (long)(first / TileKernel.Lanes) * _d * TileKernel.Lanes, yt = _training.TiledY + first;
        float* at = _scratch[0].ATiles;
        return TileKernel.SingleTile(_width, net, xt, yt, at, rows, scale, gradient);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double ForwardChunk(TileScratch scratch, in RowSource source, int first, int rows)
    {
        var net = new NetShape(_d, _h, _theta);
        return TileKernel.Forward(_width, net, scratch, source, first, rows, _cancellation);
    }
}
