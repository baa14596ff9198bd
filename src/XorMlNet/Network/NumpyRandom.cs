using System.Runtime.CompilerServices;

namespace XorMlNet.Network;

/// <summary>
/// numpy's legacy global generator (<c>np.random.seed</c> / <c>np.random.randn</c>): MT19937 seeded with
/// <c>init_genrand</c>, 53-bit doubles from two 32-bit draws, and the polar Box–Muller <c>gauss</c> that caches
/// its second value. With the same seed it reproduces numpy's numbers bit for bit, so the notebook's
/// <c>np.random.seed(42)</c> initial weights come out identical in C#.
/// </summary>
/// <remarks>Not thread-safe; one instance per training run.</remarks>
public sealed class NumpyRandom
{
    private const int StateSize = 624;
    private const int ShiftSize = 397;
    private const uint MatrixA = 0x9908b0dfu;
    private const uint UpperMask = 0x80000000u;
    private const uint LowerMask = 0x7fffffffu;

    private readonly uint[] _state = new uint[StateSize];
    private int _position;
    private bool _hasCachedGaussian;
    private double _cachedGaussian;

    /// <summary>Seeds the generator exactly as <c>np.random.seed(seed)</c> does for an integer seed.</summary>
    /// <param name="seed">Any value in [0, 2³² − 1], numpy's accepted range.</param>
    public NumpyRandom(uint seed)
    {
        _state[0] = seed;
        for (int i = 1; i < StateSize; i++)
        {
            uint previous = _state[i - 1];
            _state[i] = unchecked(1812433253u * (previous ^ (previous >> 30)) + (uint)i);
        }
        _position = StateSize;
    }

    /// <summary>The next raw 32-bit output of MT19937 (numpy's <c>mt19937_next32</c>).</summary>
    /// <remarks>This, <see cref="NextInt32"/> and <see cref="Regenerate"/> are compiled optimized from their first call: a
    /// mini-batch epoch's shuffle draws once per row.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public uint NextUInt32()
    {
        if (_position >= StateSize)
        {
            Regenerate();
        }
        uint y = _state[_position++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        return y;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits (numpy's <c>legacy_double</c> / <c>random_sample</c>).</summary>
    public double NextDouble()
    {
        uint a = NextUInt32() >> 5;
        uint b = NextUInt32() >> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    /// <summary>A standard normal draw (numpy's <c>legacy_gauss</c>, what <c>np.random.randn</c> returns).</summary>
    public double NextGaussian()
    {
        if (_hasCachedGaussian)
        {
            _hasCachedGaussian = false;
            return _cachedGaussian;
        }

        double x1, x2, r2;
        do
        {
            x1 = 2.0 * NextDouble() - 1.0;
            x2 = 2.0 * NextDouble() - 1.0;
            r2 = x1 * x1 + x2 * x2;
        }
        while (r2 >= 1.0 || r2 == 0.0);

        double f = Math.Sqrt(-2.0 * Math.Log(r2) / r2);
        _cachedGaussian = f * x1;
        _hasCachedGaussian = true;
        return f * x2;
    }

    /// <summary>Uniform integer in [0, <paramref name="exclusiveMax"/>), unbiased (rejection sampling on 32-bit draws).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int NextInt32(int exclusiveMax)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(exclusiveMax);
        uint range = (uint)exclusiveMax;
        uint limit = uint.MaxValue - (uint.MaxValue % range);
        uint draw;
        do
        {
            draw = NextUInt32();
        }
        while (draw >= limit);
        return (int)(draw % range);
    }

    /// <summary>The MT19937 twist, once per 624 draws.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Regenerate()
    {
        uint[] mt = _state;
        int k;
        uint y;
        for (k = 0; k < StateSize - ShiftSize; k++)
        {
            y = (mt[k] & UpperMask) | (mt[k + 1] & LowerMask);
            mt[k] = mt[k + ShiftSize] ^ (y >> 1) ^ ((y & 1u) * MatrixA);
        }
        for (; k < StateSize - 1; k++)
        {
            y = (mt[k] & UpperMask) | (mt[k + 1] & LowerMask);
            mt[k] = mt[k + (ShiftSize - StateSize)] ^ (y >> 1) ^ ((y & 1u) * MatrixA);
        }
        y = (mt[StateSize - 1] & UpperMask) | (mt[0] & LowerMask);
        mt[StateSize - 1] = mt[ShiftSize - 1] ^ (y >> 1) ^ ((y & 1u) * MatrixA);
        _position = 0;
    }
}
