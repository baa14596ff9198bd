using XorMlNet.Network;
using XorMlNet.Simd;

namespace XorMlNet.Training;

/// <summary>
/// The lengths of the arrays that training allocates for a d → H → 1 network, computed in 64 bits, and the one check
/// that every one of them fits an array. The vector kernels index these arrays through pointers with <see cref="int"/>
/// offsets below each array's length, so once <see cref="Check"/> has passed no size or offset they compute can
/// overflow; without it, (d + 2)·H + 1 parameters times 16 lanes wraps past about 134 million parameters.
/// </summary>
internal static class NetworkSizes
{
    /// <summary>(d + 2)·H + 1: W1, b1, W2 and b2 (<see cref="TwoLayerNetwork{T}.CountParameters"/>).</summary>
    public static long ParameterCount(int inputs, int hidden) => TwoLayerNetwork<float>.CountParameters(inputs, hidden);

    /// <summary>Floats of one <see cref="TileScratch"/> (<see cref="TileScratch.Floats"/>).</summary>
    public static long TileScratchFloats(int inputs, int hidden) => TileScratch.Floats(inputs, hidden);

    /// <summary>Floats of the fast engine's per-chunk gradients: one gradient per chunk of a batch of several chunks, none otherwise.</summary>
    public static long ChunkSlotFloats(int inputs, int hidden, int batchRows)
    {
        long chunks = Math.Max(1, (batchRows + (long)ChunkedEngine.ChunkRows - 1) / ChunkedEngine.ChunkRows);
        return chunks > 1 ? chunks * ParameterCount(inputs, hidden) : 0;
    }

    /// <summary>Floats of the reference kernels' hidden activations: H per row of a block.</summary>
    public static long ReferenceActivationFloats(int hidden) => (long)NetworkTrainer.ReferenceBlockRows * hidden;

    /// <summary>
    /// Throws unless every array that training a <paramref name="inputs"/> → <paramref name="hidden"/> → 1 network on
    /// batches of <paramref name="batchRows"/> rows allocates (parameters, solver state, the fast engine's scratch and
    /// chunk gradients, the reference kernels' activations) fits an array. Runs before any of them is allocated.
    /// </summary>
    /// <param name="inputs">d, the number of features.</param>
    /// <param name="hidden">H, the number of hidden units.</param>
    /// <param name="batchRows">Rows of the largest batch (an upper bound is fine).</param>
    /// <param name="inputsName">The parameter or option blamed when d alone is too large (even H = 1 does not fit).</param>
    /// <param name="inputsDescription">How the message names the features, e.g. "the feature column 'Features'".</param>
    /// <param name="hiddenName">The parameter or option blamed otherwise.</param>
    /// <exception cref="ArgumentOutOfRangeException">An array would be longer than <see cref="Array.MaxLength"/>; the
    /// exception's ParamName is <paramref name="inputsName"/> or <paramref name="hiddenName"/>.</exception>
    public static void Check(int inputs, int hidden, int batchRows, string inputsName, string inputsDescription, string hiddenName)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1, inputsName);
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1, hiddenName);
        if (Largest(inputs, hidden, batchRows) is not (long floats, string what))
        {
            return;
        }
        bool featuresAtFault = Largest(inputs, 1, batchRows) is not null;
        string advice = what.Contains("batch", StringComparison.Ordinal)
            ? $"Choose a smaller {hiddenName} or train on smaller batches (BatchSize)."
            : featuresAtFault ? "Reduce the number of features." : $"Choose a smaller {hiddenName}.";
        string message =
            $"A network of {inputs} features ({inputsDescription}) and {hidden} hidden units ({hiddenName}) has {ParameterCount(inputs, hidden)} parameters; " +
            $"training it needs {floats} floats for {what}, more than one array can hold ({Array.MaxLength}). {advice}";
        throw featuresAtFault
            ? new ArgumentOutOfRangeException(inputsName, inputs, message)
            : new ArgumentOutOfRangeException(hiddenName, hidden, message);
    }

    /// <summary>The first array that does not fit, with what it holds; null when all do.</summary>
    private static (long Floats, string What)? Largest(int inputs, int hidden, int batchRows)
    {
        (long, string)[] sizes =
        [
            (ParameterCount(inputs, hidden), "the parameters"),
            (TileScratchFloats(inputs, hidden), "the vector kernels' per-thread accumulators (16 per parameter)"),
            (ChunkSlotFloats(inputs, hidden, batchRows), $"the gradients of the {ChunkedEngine.ChunkRows}-row chunks of a batch of {batchRows} rows"),
            (ReferenceActivationFloats(hidden), "the reference kernels' hidden activations"),
        ];
        foreach ((long floats, string what) in sizes)
        {
            if (floats > Array.MaxLength)
            {
                return (floats, what);
            }
        }
        return null;
    }

    /// <summary>A size already passed by <see cref="Check"/>, as an array length.</summary>
    public static int Length(long floats) => checked((int)floats);
}
