using System.Runtime.CompilerServices;

namespace XorMlNet.Training;

/// <summary>
/// A few long-lived helper threads that, together with the calling thread, run the chunks 0..count−1 of a round
/// through one body. Which thread runs which chunk varies; callers make the result independent of that by giving
/// every chunk its own output slot and combining the slots in chunk order. A round allocates nothing.
/// </summary>
internal sealed class ChunkWorkers : IDisposable
{
    private readonly Action<int, int> _body;
    private readonly SemaphoreSlim[] _start;
    // Completion: released once by the last helper of a round. (A SemaphoreSlim allocates its lock when constructed;
    // a ManualResetEventSlim would allocate one lazily, at the first blocking wait of a training.)
    private readonly SemaphoreSlim _done = new(0);
    private int _next;
    private int _count;
    private int _running;
    private volatile bool _disposed;
    private Exception? _error;

    /// <param name="helpers">Threads besides the caller; 0 runs every chunk on the caller.</param>
    /// <param name="body">(worker, chunk): worker 0 is the calling thread, 1..helpers the helpers; each worker has its
    /// own scratch, so a body never shares state with another running at the same time.</param>
    public ChunkWorkers(int helpers, Action<int, int> body)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(helpers);
        _body = body;
        _start = new SemaphoreSlim[helpers];
        for (int k = 0; k < helpers; k++)
        {
            _start[k] = new SemaphoreSlim(0);
            int worker = k + 1;
            var thread = new Thread(() => Loop(worker)) { IsBackground = true, Name = $"XorMlNet training {worker}" };
            thread.Start();
        }
    }

    /// <summary>
    /// The threads (the caller included) that run a round of <paramref name="chunks"/> chunks when
    /// <paramref name="numberOfThreads"/> are allowed (0: one per core): at least 1, never more than the chunks.
    /// </summary>
    public static int Workers(int numberOfThreads, long chunks)
        => (int)Math.Max(1, Math.Min(numberOfThreads == 0 ? Environment.ProcessorCount : numberOfThreads, chunks));

    /// <summary>Runs chunks 0..<paramref name="count"/>−1 on the caller and the helpers (at most count − 1 of them); returns when all are done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(int count)
    {
        int helpers = Math.Min(_start.Length, count - 1);
        _count = count;
        _error = null;
        Volatile.Write(ref _next, 0);
        if (helpers <= 0)
        {
            Work(0);
            return;
        }
        _running = helpers;
        for (int k = 0; k < helpers; k++)
        {
            _start[k].Release();
        }
        try
        {
            Work(0);
        }
        finally
        {
            _done.Wait();
        }
        if (_error is { } error)
        {
            throw new AggregateException("A training thread failed.", error);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Work(int worker)
    {
        int chunk;
        while ((chunk = Interlocked.Increment(ref _next) - 1) < _count)
        {
            _body(worker, chunk);
        }
    }

    private void Loop(int worker)
    {
        SemaphoreSlim start = _start[worker - 1];
        while (true)
        {
            start.Wait();
            if (_disposed)
            {
                return;
            }
            try
            {
                Work(worker);
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref _error, ex, null);
                Volatile.Write(ref _next, int.MaxValue / 2);
            }
            if (Interlocked.Decrement(ref _running) == 0)
            {
                _done.Release();
            }
        }
    }

    /// <summary>Lets the helpers end; call between rounds only.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (SemaphoreSlim start in _start)
        {
            start.Release();
        }
        // The semaphores are left to the collector: a helper may still be inside its last Release when the caller has
        // already woken up, and disposing one under it would throw on a background thread.
    }
}
