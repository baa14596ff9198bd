using System.Collections;
using System.Runtime.CompilerServices;

namespace XorMlNet.Training;

/// <summary>
/// A loss per epoch, appended during training and read-only once handed out: the storage behind
/// <see cref="TrainingResult.TrainingLoss"/> and the fitted model's loss histories, which keep it without a copy.
/// </summary>
/// <remarks>
/// Values live in chunks of <see cref="ChunkLength"/> (64 KB, under the 85,000-byte large-object threshold), not in one
/// array. A run of 400,000 epochs records 3.2 MB; as one array that is a fresh large-object allocation, and on a VM
/// the first write to each of its pages is a page fault: ~11 ms for 3.2 MB measured here, more than a third of the
/// epochs' own time. Small chunks come out of the GC's young generation, whose pages are already mapped.
/// </remarks>
internal sealed class LossHistory : IReadOnlyList<double>
{
    /// <summary>Values per chunk.</summary>
    internal const int ChunkLength = 1 << ChunkShift;

    private const int ChunkShift = 13;

    private double[][] _chunks = [];
    private int _count;

    /// <summary>A history holding a copy of <paramref name="values"/> (for a model read back from a file).</summary>
    public static LossHistory From(ReadOnlySpan<double> values)
    {
        var history = new LossHistory();
        foreach (double value in values)
        {
            history.Add(value);
        }
        return history;
    }

    public int Count => _count;

    /// <summary>Number of chunks in use; chunk k holds values [k·<see cref="ChunkLength"/>, …).</summary>
    public int ChunkCount => (_count + ChunkLength - 1) >> ChunkShift;

    public double this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"The history holds {_count} values.");
            }
            return _chunks[index >> ChunkShift][index & (ChunkLength - 1)];
        }
    }

    /// <summary>Appends one value (training only, before the history is handed out); once per epoch, so compiled optimized from its first call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(double value)
    {
        int chunk = _count >> ChunkShift;
        if (chunk == _chunks.Length)
        {
            Array.Resize(ref _chunks, Math.Max(4, 2 * _chunks.Length));
        }
        (_chunks[chunk] ??= new double[ChunkLength])[_count & (ChunkLength - 1)] = value;
        _count++;
    }

    /// <summary>The values of chunk <paramref name="index"/> that are in use.</summary>
    public ReadOnlySpan<double> Chunk(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, ChunkCount);
        return _chunks[index].AsSpan(0, Math.Min(ChunkLength, _count - (index << ChunkShift)));
    }

    public IEnumerator<double> GetEnumerator()
    {
        for (int i = 0; i < _count; i++)
        {
            yield return _chunks[i >> ChunkShift][i & (ChunkLength - 1)];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
