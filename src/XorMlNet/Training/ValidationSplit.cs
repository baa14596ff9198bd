using System.Runtime.CompilerServices;
using XorMlNet.Network;

namespace XorMlNet.Training;

/// <summary>
/// The data's random stream and what it draws: the split of a table into training and validation rows that
/// <see cref="TrainingSettings.ValidationFraction"/> asks for, and the row shuffle of every mini-batch epoch.
/// </summary>
internal static class ValidationSplit
{
    /// <summary>Mixed into <see cref="TrainingSettings.Seed"/> so that row shuffles do not reuse the weights' random stream.</summary>
    private const uint DataStreamSalt = 0x9E3779B9u;

    /// <summary>The generator of row shuffles and of the validation split for a given <see cref="TrainingSettings.Seed"/>.</summary>
    internal static NumpyRandom CreateDataRandom(uint seed) => new(seed ^ DataStreamSalt);

    /// <summary>
    /// The dense rows (x, y) of d features split by <see cref="SplitRows"/>: validation rows first in the permutation's
    /// order, then the training rows; copies every row, checking <paramref name="cancellation"/> before it starts and
    /// every <see cref="NetworkTrainer.ReferenceBlockRows"/> rows.
    /// </summary>
    /// <exception cref="ArgumentException">Either side would have no rows.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled.</exception>
    internal static (T[] X, T[] Y, T[] ValidationX, T[] ValidationY) Split<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, int d,
        double fraction, NumpyRandom random, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        int rows = y.Length;
        var permutation = new int[rows];
        int held = SplitRows(rows, fraction, random, permutation);
        var trainX = new T[(rows - held) * d];
        var trainY = new T[rows - held];
        var validX = new T[held * d];
        var validY = new T[held];
        GatherRows(x, y, permutation.AsSpan(0, held), d, validX, validY, cancellation);
        GatherRows(x, y, permutation.AsSpan(held), d, trainX, trainY, cancellation);
        return (trainX, trainY, validX, validY);
    }

    /// <summary>The same split of rows in compressed sparse form.</summary>
    /// <exception cref="ArgumentException">Either side would have no rows.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled.</exception>
    internal static (CsrMatrix X, float[] Y, CsrMatrix ValidationX, float[] ValidationY) Split(CsrMatrix x, float[] y,
        double fraction, NumpyRandom random, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        var permutation = new int[y.Length];
        int held = SplitRows(y.Length, fraction, random, permutation);
        CsrMatrix validationX = x.SelectRows(permutation.AsSpan(0, held));
        float[] validationY = Gather(y, permutation.AsSpan(0, held));
        return (x.SelectRows(permutation.AsSpan(held)), Gather(y, permutation.AsSpan(held)), validationX, validationY);

        static float[] Gather(float[] values, ReadOnlySpan<int> indices)
        {
            var gathered = new float[indices.Length];
            for (int k = 0; k < indices.Length; k++)
            {
                gathered[k] = values[indices[k]];
            }
            return gathered;
        }
    }

    /// <summary>
    /// Fills <paramref name="permutation"/> with a Fisher–Yates permutation of 0..rows−1 drawn from
    /// <paramref name="random"/> and returns how many of its first entries are validation rows: round(fraction · rows),
    /// halves away from zero.
    /// </summary>
    /// <exception cref="ArgumentException">Either side would have no rows.</exception>
    internal static int SplitRows(int rows, double fraction, NumpyRandom random, Span<int> permutation)
    {
        int held = (int)Math.Round(fraction * rows, MidpointRounding.AwayFromZero);
        if (held < 1 || held > rows - 1)
        {
            throw new ArgumentException(
                $"ValidationFraction {fraction} of {rows} training rows would hold out {held} rows for validation, " +
                "but both the training and the validation side need at least one row. Use more rows, another fraction, or pass validation rows.",
                "settings");
        }
        for (int i = 0; i < permutation.Length; i++)
        {
            permutation[i] = i;
        }
        Shuffle(permutation, random);
        return held;
    }

    /// <summary>Fisher–Yates shuffle in place, uniform over permutations (every mini-batch epoch shuffles all rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Shuffle(Span<int> values, NumpyRandom random)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = random.NextInt32(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    /// <summary>
    /// Copies the rows <paramref name="indices"/> of (x, y), in that order, into (xOut, yOut), checking
    /// <paramref name="cancellation"/> every <see cref="NetworkTrainer.ReferenceBlockRows"/> rows.
    /// </summary>
    internal static void GatherRows<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<int> indices, int d, Span<T> xOut, Span<T> yOut,
        CancellationToken cancellation = default)
    {
        for (int k = 0; k < indices.Length; k++)
        {
            if (k % NetworkTrainer.ReferenceBlockRows == 0)
            {
                cancellation.ThrowIfCancellationRequested();
            }
            int row = indices[k];
            x.Slice(row * d, d).CopyTo(xOut.Slice(k * d, d));
            yOut[k] = y[row];
        }
    }
}
