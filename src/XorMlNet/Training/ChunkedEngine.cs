using System.Runtime.CompilerServices;

namespace XorMlNet.Training;

/// <summary>
/// What the float engines (<see cref="FastEngine"/>, <see cref="SparseEngine"/>) share: rows cut into chunks of
/// <see cref="ChunkRows"/> positions whatever the number of threads, the <see cref="ChunkWorkers"/> that run a round of
/// chunks, the round in progress, and each chunk's squared error in its own slot, summed in chunk order
/// (<see cref="SumLosses"/>). So a round's result does not depend on which thread ran which chunk.
/// </summary>
internal abstract class ChunkedEngine : GradientEngine<float>
{
    /// <summary>Positions per chunk: the unit of work of a thread and of the in-order reduction.</summary>
    public const int ChunkRows = 4096;

    private protected readonly CancellationToken _cancellation;
    private readonly double[] _chunkLoss;
    private readonly ChunkWorkers _workers;

    /// <summary>The round in progress (set by the calling thread before the helpers start).</summary>
    private protected Round _round;

    /// <param name="batchRows">Rows of the largest training batch.</param>
    /// <param name="validationRows">Rows of validation data (0 for none).</param>
    /// <param name="settings">Threads and cancellation.</param>
    private protected ChunkedEngine(int batchRows, int validationRows, TrainingSettings settings)
    {
        _cancellation = settings.CancellationToken;
        int chunks = Math.Max(Chunks(batchRows), Chunks(validationRows));
        WorkerCount = ChunkWorkers.Workers(settings.NumberOfThreads, chunks);
        _chunkLoss = new double[chunks];
        _workers = new ChunkWorkers(WorkerCount - 1, RunChunk);
    }

    /// <summary>The threads that run a round, the caller included: one scratch each.</summary>
    private protected int WorkerCount { get; }

    /// <summary>The <see cref="ChunkRows"/>-row chunks of <paramref name="rows"/> rows; at least 1.</summary>
    internal static int Chunks(int rows) => Math.Max(1, (rows + ChunkRows - 1) / ChunkRows);

    /// <summary>
    /// One chunk of the round in progress (<see cref="_round"/>) on worker <paramref name="worker"/>'s scratch: its
    /// gradient into chunk <paramref name="chunk"/>'s slot when the round is a gradient round; returns its squared error.
    /// </summary>
    private protected abstract double ComputeChunk(int worker, int chunk);

    /// <summary>
    /// Runs the chunks of positions [<paramref name="first"/>, +<paramref name="rows"/>) of the training rows (a gradient
    /// round, dL/dŷ = <paramref name="scale"/>·(ŷ − y)) or of the validation rows (a forward round) on the workers; returns
    /// the sum of the chunks' squared errors, in chunk order.
    /// </summary>
    /// <exception cref="OperationCanceledException">The settings' token was cancelled.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected double RunRound(int first, int rows, float scale, bool gradient)
    {
        int chunks = Chunks(rows);
        _round = new Round(first, rows, scale, gradient);
        _workers.Run(chunks);
        _cancellation.ThrowIfCancellationRequested();
        return SumLosses(chunks);
    }

    public override void Dispose() => _workers.Dispose();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunChunk(int worker, int chunk) => _chunkLoss[chunk] = ComputeChunk(worker, chunk);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double SumLosses(int chunks)
    {
        double sum = 0;
        for (int c = 0; c < chunks; c++)
        {
            sum += _chunkLoss[c];
        }
        return sum;
    }

    /// <summary>A round of chunks: positions [First, +Rows) of the training rows (Gradient) or of the validation rows.</summary>
    private protected readonly record struct Round(int First, int Rows, float Scale, bool Gradient)
    {
        /// <summary>The first position of chunk <paramref name="chunk"/>, counted from <see cref="First"/>.</summary>
        public int ChunkStart(int chunk) => chunk * ChunkRows;

        /// <summary>The positions of chunk <paramref name="chunk"/>: <see cref="ChunkRows"/>, fewer for the last.</summary>
        public int ChunkLength(int chunk) => Math.Min(ChunkRows, Rows - chunk * ChunkRows);
    }
}
