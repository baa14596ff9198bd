using System.Collections;
using System.Runtime.CompilerServices;

namespace XorMlNet.Training;

/// <summary>
/// A loss per epoch, appended during training and read-only once handed out: the storage behind
/// <see cref="TrainingResult.TrainingLoss"/> and the fitted model's loss histories, which keep it without a copy.
/// Bounded: it keeps every epoch up to <see cref="Capacity"/> values, then a curve downsampled by powers of two.
/// </summary>
/// <remarks>
/// <para>
/// Bound: value k is the loss of epoch (k + 1) · <see cref="Stride"/>. The stride starts at 1; when the history is
/// full and another epoch is to be kept, every second value is dropped (the ones of odd multiples of the stride) and
/// the stride doubles, so a run of any length keeps between <see cref="Capacity"/>/2 and <see cref="Capacity"/>
/// evenly spaced values: at most 4 MiB, in memory and in a saved model. Runs of up to 524,288 epochs (the notebook's
/// 400,000 among them) keep every epoch. <see cref="Epochs"/> counts every epoch appended, kept or not, and
/// <see cref="Last"/> is the last one's loss.
/// </para>
/// <para>
/// Values live in chunks of <see cref="ChunkLength"/> (64 KB, under the 85,000-byte large-object threshold), not in one
/// array. A run of 400,000 epochs records 3.2 MB; as one array that is a fresh large-object allocation, and on a VM
/// the first write to each of its pages is a page fault: ~11 ms for 3.2 MB measured here, more than a third of the
/// epochs' own time. Small chunks come out of the GC's young generation, whose pages are already mapped.
/// </para>
/// </remarks>
internal sealed class LossHistory : IReadOnlyList<double>
{
    /// <summary>Values per chunk.</summary>
    internal const int ChunkLength = 1 << ChunkShift;

    /// <summary>Most values kept: 2¹⁹ (4 MiB of float64), a power of two so that strides stay powers of two.</summary>
    internal const int Capacity = 1 << 19;

    private const int ChunkShift = 13;

    private double[][] _chunks = [];
    private int _count;
    private int _epochs;
    private int _stride = 1;

    /// <summary>
    /// A history holding a copy of <paramref name="values"/>, taken every <paramref name="stride"/> epochs of a run of
    /// <paramref name="epochs"/> epochs (for a model read back from a file; the caller has checked the three agree).
    /// </summary>
    public static LossHistory From(ReadOnlySpan<double> values, int stride = 1, int epochs = -1)
    {
        var history = new LossHistory();
        foreach (double value in values)
        {
            history.Store(value);
        }
        history._stride = stride;
        history._epochs = epochs < 0 ? values.Length : epochs;
        history.Last = values.IsEmpty ? double.NaN : values[^1];
        return history;
    }

    /// <summary>Number of values kept.</summary>
    public int Count => _count;

    /// <summary>Epochs between two kept values, a power of two: value k is the loss of epoch (k + 1) · Stride.</summary>
    public int Stride => _stride;

    /// <summary>Number of epochs appended, kept or not.</summary>
    public int Epochs => _epochs;

    /// <summary>The last appended epoch's loss (kept or not); NaN when nothing was appended.</summary>
    public double Last { get; private set; } = double.NaN;

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

    /// <summary>
    /// Appends one epoch's loss (training only, before the history is handed out); keeps it if its epoch is a multiple of
    /// the stride. Once per epoch, so compiled optimized from its first call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(double value)
    {
        _epochs++;
        Last = value;
        if ((_epochs & (_stride - 1)) != 0)
        {
            return;
        }
        if (_count == Capacity)
        {
            Halve();
            if ((_epochs & (_stride - 1)) != 0)
            {
                return;
            }
        }
        Store(value);
    }

    /// <summary>Appends <paramref name="value"/>: every epoch up to <see cref="Capacity"/>, so compiled optimized from its first call too.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Store(double value)
    {
        int chunk = _count >> ChunkShift;
        if (chunk == _chunks.Length)
        {
            Array.Resize(ref _chunks, Math.Max(4, 2 * _chunks.Length));
        }
        (_chunks[chunk] ??= new double[ChunkLength])[_count & (ChunkLength - 1)] = value;
        _count++;
    }

    /// <summary>Keeps the values of even multiples of the stride (indices 1, 3, 5, …) and doubles the stride.</summary>
    private void Halve()
    {
        int kept = _count / 2;
        for (int k = 0; k < kept; k++)
        {
            int from = 2 * k + 1;
            _chunks[k >> ChunkShift][k & (ChunkLength - 1)] = _chunks[from >> ChunkShift][from & (ChunkLength - 1)];
        }
        _count = kept;
        _stride *= 2;
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
