using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace XorMlNet.Network;

/// <summary>
/// Sixteen <see cref="float"/> lanes, the unit of the fast kernels: a tile of 16 rows is one <typeparamref name="TV"/>.
/// Implemented by one <see cref="Vector512{T}"/>, two <see cref="Vector256{T}"/> or four <see cref="Vector128{T}"/>;
/// every operation is the same IEEE operation per lane (fused multiply-add included) and <see cref="Sum"/> adds the
/// lanes in one fixed order, so the three give bit-identical results and the trained weights do not depend on the
/// machine's vector width.
/// </summary>
internal interface ILanes<TV> where TV : struct
{
    static abstract TV Zero { get; }

    static abstract TV Create(float value);

    /// <summary>Loads 16 floats from <paramref name="source"/>.</summary>
    static abstract unsafe TV Load(float* source);

    /// <summary>Stores 16 floats at <paramref name="destination"/>.</summary>
    static abstract unsafe void Store(float* destination, TV value);

    static abstract TV Add(TV a, TV b);

    static abstract TV Subtract(TV a, TV b);

    static abstract TV Multiply(TV a, TV b);

    static abstract TV Divide(TV a, TV b);

    /// <summary>a·b + c, rounded once.</summary>
    static abstract TV MultiplyAdd(TV a, TV b, TV c);

    /// <summary>min(max(x, low), high) for non-NaN x; NaN lanes give an unspecified value (callers fix them up).</summary>
    static abstract TV Clamp(TV x, TV low, TV high);

    /// <summary>Rounds to the nearest integer, ties to even.</summary>
    static abstract TV Round(TV x);

    /// <summary>2^(n − 1) for lanes holding integers n in [−125, 128].</summary>
    static abstract TV HalfPow2(TV n);

    /// <summary>x where x is NaN, otherwise <paramref name="value"/>.</summary>
    static abstract TV KeepNaN(TV x, TV value);

    /// <summary>The lanes below <paramref name="count"/> of <paramref name="value"/>, zero above.</summary>
    static abstract TV KeepFirst(TV value, int count);

    /// <summary>
    /// The sum of the 16 lanes in one fixed order: lanes i and i + 8 first, then i and i + 4 of those, then i and i + 2,
    /// then the two left.
    /// </summary>
    static abstract float Sum(TV value);

    /// <summary>
    /// <see cref="Sum"/> for a value whose lanes 4–15 are zero: the same result (up to the sign of a zero sum), from
    /// the first four lanes alone, without the two reduction steps that would only add zeros.
    /// </summary>
    static abstract float SumFirst4(TV value);
}

/// <summary>Vector math over <see cref="ILanes{TV}"/>: the sigmoid of the fast training kernels, and a shorter one for scoring.</summary>
internal static class LaneMath
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2High = 0.693359375f;
    private const float Ln2Low = -2.12194440e-4f;

    // ln(2)^k / k!: the Taylor coefficients of 2^f = e^(f·ln 2).
    private const float Exp2C1 = 0.693147180559945f;
    private const float Exp2C2 = 0.240226506959101f;
    private const float Exp2C3 = 0.0555041086648216f;
    private const float Exp2C4 = 0.00961812910762848f;
    private const float Exp2C5 = 0.00133335581464284f;
    private const float Exp2C6 = 0.000154035303933816f;

    /// <summary>
    /// σ(z) = 1 / (1 + e^(−z)) per lane; σ(+∞) = 1, σ(−∞) = 0, σ(NaN) = NaN. Within 2 ulp of the correctly rounded
    /// sigmoid wherever that is a normal float (see the tests for the measured bounds).
    /// </summary>
    /// <remarks>
    /// e^x with x = −z is Cephes' expf: x = n·ln 2 + r with |r| ≤ ln2/2 (ln 2 in two parts), e^r = 1 + r + r²·P(r) with
    /// P of degree 5 evaluated by Estrin's scheme (a shorter dependency chain than Horner's), and e^x = e^r·2^n. The
    /// reduction runs on 2x and 2r, with every constant scaled by the matching power of two: each intermediate is then
    /// exactly twice (or a power of two times) its unscaled value, so the roundings are the same, and 1 + e^x comes out
    /// of one fused multiply-add, 1 + (2·e^r)·2^(n−1), which also keeps n = 128 (e^x just below float's maximum) finite and
    /// larger x at +∞ (σ = 0, as the scalar formula gives). x is clamped below at −86.6: e^x is then at least 2.4e-38 and
    /// 1 + e^x rounds to 1 exactly as it would with the true, smaller value, so σ is unchanged.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Sigmoid<TV, TL>(TV z) where TV : struct where TL : struct, ILanes<TV>
    {
        TV one = TL.Create(1f);
        TV x2 = TL.Clamp(TL.Multiply(z, TL.Create(-2f)), TL.Create(2 * -86.6f), TL.Create(2 * 88.8f));
        TV n = TL.Round(TL.Multiply(x2, TL.Create(Log2E / 2)));
        TV s = TL.MultiplyAdd(n, TL.Create(-2 * Ln2High), x2);
        s = TL.MultiplyAdd(n, TL.Create(-2 * Ln2Low), s);
        TV s2 = TL.Multiply(s, s);
        TV a = TL.MultiplyAdd(TL.Create(1.6666665459E-1f / 4), s, TL.Create(5.0000001201E-1f / 2));
        TV b = TL.MultiplyAdd(TL.Create(8.3334519073E-3f / 16), s, TL.Create(4.1665795894E-2f / 8));
        TV c = TL.MultiplyAdd(TL.Create(1.9875691500E-4f / 64), s, TL.Create(1.3981999507E-3f / 32));
        TV halfP = TL.MultiplyAdd(TL.MultiplyAdd(c, s2, b), s2, a);
        TV twiceExpR = TL.Add(TL.MultiplyAdd(halfP, s2, s), TL.Create(2f));
        TV onePlusExp = TL.MultiplyAdd(twiceExpR, TL.HalfPow2(n), one);
        return TL.KeepNaN(z, TL.Divide(one, onePlusExp));
    }

    /// <summary>
    /// σ(z) for scoring, where one row's latency is what counts: fewer dependent steps than <see cref="Sigmoid"/>, at an
    /// absolute error below 2e-7 instead of 2 ulp (see the tests for the measured bound). σ(+∞) = 1, σ(NaN) = NaN, and
    /// below z = −87.3, where the true σ is under 1.2e-38, it returns about 1.2e-38.
    /// </summary>
    /// <remarks>
    /// e^(−z) = 2^t with t = −z·log2 e rounded once (Cephes' two-part reduction is two of the steps saved; the rounding
    /// costs a relative error of |t|·2^−24 in e^(−z), which moves σ by at most σ(1 − σ)·|t|·4.1e-8), clamped to
    /// [−125, 126]; t = n + f with n = round(t) and |f| ≤ ½ exactly; 2^f by its degree-6 Taylor polynomial in f·ln 2
    /// (relative error 1.2e-7 at |f| = ½), evaluated doubled by Estrin's scheme so that 1 + 2^t comes out of one fused
    /// multiply-add with 2^(n−1).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ScoringSigmoid<TV, TL>(TV z) where TV : struct where TL : struct, ILanes<TV>
    {
        TV one = TL.Create(1f);
        TV t = TL.Clamp(TL.Multiply(z, TL.Create(-Log2E)), TL.Create(-125f), TL.Create(126f));
        TV n = TL.Round(t);
        TV f = TL.Subtract(t, n);
        TV f2 = TL.Multiply(f, f);
        TV q0 = TL.MultiplyAdd(f, TL.Create(2 * Exp2C1), TL.Create(2f));
        TV q1 = TL.MultiplyAdd(f, TL.Create(2 * Exp2C3), TL.Create(2 * Exp2C2));
        TV q2 = TL.MultiplyAdd(f, TL.Create(2 * Exp2C5), TL.Create(2 * Exp2C4));
        TV f4 = TL.Multiply(f2, f2);
        q2 = TL.MultiplyAdd(f2, TL.Create(2 * Exp2C6), q2);
        TV twiceExp2F = TL.MultiplyAdd(f4, q2, TL.MultiplyAdd(f2, q1, q0));
        TV onePlusExp = TL.MultiplyAdd(twiceExp2F, TL.HalfPow2(n), one);
        return TL.KeepNaN(z, TL.Divide(one, onePlusExp));
    }

    /// <summary>The shared tail of every <see cref="ILanes{TV}.Sum"/>: lanes 0..3 of the pairwise sums so far.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float SumOf4(Vector128<float> s4)
    {
        Vector128<float> s2 = s4 + Vector128.Shuffle(s4, Vector128.Create(2, 3, 0, 1));
        return s2.ToScalar() + s2.GetElement(1);
    }
}

/// <summary>16 lanes as one <see cref="Vector512{T}"/> (AVX-512).</summary>
internal readonly struct Lanes512 : ILanes<Vector512<float>>
{
    public static Vector512<float> Zero => Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Create(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<float> Load(float* source) => Vector512.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store(float* destination, Vector512<float> value) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Clamp(Vector512<float> x, Vector512<float> low, Vector512<float> high)
        => Vector512.MinNative(Vector512.MaxNative(x, low), high);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Round(Vector512<float> x) => Vector512.Round(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> HalfPow2(Vector512<float> n)
        => Vector512.ShiftLeft(Vector512.ConvertToInt32Native(n) + Vector512.Create(126), 23).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> KeepNaN(Vector512<float> x, Vector512<float> value)
        => Vector512.ConditionalSelect(Vector512.Equals(x, x), value, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> KeepFirst(Vector512<float> value, int count)
        => count >= 16 ? value
            : Vector512.ConditionalSelect(Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle(), value, Vector512<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> value)
    {
        Vector256<float> s8 = value.GetLower() + value.GetUpper();
        return LaneMath.SumOf4(s8.GetLower() + s8.GetUpper());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SumFirst4(Vector512<float> value) => LaneMath.SumOf4(value.GetLower().GetLower());
}

/// <summary>Two <see cref="Vector256{T}"/>: lanes 0–7 and 8–15.</summary>
internal readonly struct Pair256(Vector256<float> low, Vector256<float> high)
{
    public readonly Vector256<float> Low = low;
    public readonly Vector256<float> High = high;
}

/// <summary>16 lanes as two <see cref="Vector256{T}"/> (AVX2).</summary>
internal readonly struct Lanes256 : ILanes<Pair256>
{
    public static Pair256 Zero => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pair256 Create(float value)
    {
        Vector256<float> v = Vector256.Create(value);
        return new Pair256(v, v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Pair256 Load(float* source) => new(Vector256.Load(source), Vector256.Load(source + 8));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store(float* destination, Pair256 value)
    {
        value.Low.Store(destination);
        value.High.Store(destination + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pair256 Add(Pair256 a, Pair256 b) => new(a.Low + b.Low, a.High + b.High);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pair256 Subtract(Pair256 a, Pair256 b) => new(a.Low - b.Low, a.High - b.High);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pair256 Multiply(Pair256 a, Pair256 b) => new(a.Low * b.Low, a.High * b.High);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pair256 Divide(Pair256 a, Pair256 b) => new(a.Low / b.Low, a.High / b.High);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pair256 MultiplyAdd(Pair256 a, Pair256 b, Pair256 c)
        => new(Vector256.FusedMultiplyAdd(a.Low, b.Low, c.Low), Vector256.FusedMultiplyAdd(a.High, b.High, c.High));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pair256 Clamp(Pair256 x, Pair256 low, Pair256 high)
        => new(Vector256.MinNative(Vector256.MaxNative(x.Low, low.Low), high.Low),
            Vector256.MinNative(Vector256.MaxNative(x.High, low.High), high.High));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pair256 Round(Pair256 x) => new(Vector256.Round(x.Low), Vector256.Round(x.High));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pair256 HalfPow2(Pair256 n) => new(HalfPow2(n.Low), HalfPow2(n.High));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> HalfPow2(Vector256<float> n)
        => Vector256.ShiftLeft(Vector256.ConvertToInt32Native(n) + Vector256.Create(126), 23).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pair256 KeepNaN(Pair256 x, Pair256 value)
        => new(Vector256.ConditionalSelect(Vector256.Equals(x.Low, x.Low), value.Low, x.Low),
            Vector256.ConditionalSelect(Vector256.Equals(x.High, x.High), value.High, x.High));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pair256 KeepFirst(Pair256 value, int count)
    {
        if (count >= 16)
        {
            return value;
        }
        Vector256<int> limit = Vector256.Create(count), low = Vector256<int>.Indices, high = low + Vector256.Create(8);
        return new(Vector256.ConditionalSelect(Vector256.LessThan(low, limit).AsSingle(), value.Low, Vector256<float>.Zero),
            Vector256.ConditionalSelect(Vector256.LessThan(high, limit).AsSingle(), value.High, Vector256<float>.Zero));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Pair256 value)
    {
        Vector256<float> s8 = value.Low + value.High;
        return LaneMath.SumOf4(s8.GetLower() + s8.GetUpper());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SumFirst4(Pair256 value) => LaneMath.SumOf4(value.Low.GetLower());
}

/// <summary>Four <see cref="Vector128{T}"/>: lanes 0–3, 4–7, 8–11, 12–15.</summary>
internal readonly struct Quad128(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d)
{
    public readonly Vector128<float> A = a;
    public readonly Vector128<float> B = b;
    public readonly Vector128<float> C = c;
    public readonly Vector128<float> D = d;
}

/// <summary>16 lanes as four <see cref="Vector128{T}"/> (SSE4.1/FMA, or Arm AdvSimd).</summary>
internal readonly struct Lanes128 : ILanes<Quad128>
{
    public static Quad128 Zero => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Quad128 Create(float value)
    {
        Vector128<float> v = Vector128.Create(value);
        return new Quad128(v, v, v, v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Quad128 Load(float* source)
        => new(Vector128.Load(source), Vector128.Load(source + 4), Vector128.Load(source + 8), Vector128.Load(source + 12));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store(float* destination, Quad128 value)
    {
        value.A.Store(destination);
        value.B.Store(destination + 4);
        value.C.Store(destination + 8);
        value.D.Store(destination + 12);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Quad128 Add(Quad128 x, Quad128 y) => new(x.A + y.A, x.B + y.B, x.C + y.C, x.D + y.D);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Quad128 Subtract(Quad128 x, Quad128 y) => new(x.A - y.A, x.B - y.B, x.C - y.C, x.D - y.D);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Quad128 Multiply(Quad128 x, Quad128 y) => new(x.A * y.A, x.B * y.B, x.C * y.C, x.D * y.D);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Quad128 Divide(Quad128 x, Quad128 y) => new(x.A / y.A, x.B / y.B, x.C / y.C, x.D / y.D);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Quad128 MultiplyAdd(Quad128 x, Quad128 y, Quad128 z)
        => new(Vector128.FusedMultiplyAdd(x.A, y.A, z.A), Vector128.FusedMultiplyAdd(x.B, y.B, z.B),
            Vector128.FusedMultiplyAdd(x.C, y.C, z.C), Vector128.FusedMultiplyAdd(x.D, y.D, z.D));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Quad128 Clamp(Quad128 x, Quad128 low, Quad128 high)
        => new(Clamp(x.A, low.A, high.A), Clamp(x.B, low.B, high.B), Clamp(x.C, low.C, high.C), Clamp(x.D, low.D, high.D));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Clamp(Vector128<float> x, Vector128<float> low, Vector128<float> high)
        => Vector128.MinNative(Vector128.MaxNative(x, low), high);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Quad128 Round(Quad128 x) => new(Vector128.Round(x.A), Vector128.Round(x.B), Vector128.Round(x.C), Vector128.Round(x.D));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Quad128 HalfPow2(Quad128 n) => new(HalfPow2(n.A), HalfPow2(n.B), HalfPow2(n.C), HalfPow2(n.D));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> HalfPow2(Vector128<float> n)
        => Vector128.ShiftLeft(Vector128.ConvertToInt32Native(n) + Vector128.Create(126), 23).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Quad128 KeepNaN(Quad128 x, Quad128 value)
        => new(KeepNaN(x.A, value.A), KeepNaN(x.B, value.B), KeepNaN(x.C, value.C), KeepNaN(x.D, value.D));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> KeepNaN(Vector128<float> x, Vector128<float> value)
        => Vector128.ConditionalSelect(Vector128.Equals(x, x), value, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Quad128 KeepFirst(Quad128 value, int count)
    {
        if (count >= 16)
        {
            return value;
        }
        Vector128<int> limit = Vector128.Create(count);
        return new(Keep(value.A, 0, limit), Keep(value.B, 4, limit), Keep(value.C, 8, limit), Keep(value.D, 12, limit));

        static Vector128<float> Keep(Vector128<float> v, int first, Vector128<int> limit)
            => Vector128.ConditionalSelect(Vector128.LessThan(Vector128<int>.Indices + Vector128.Create(first), limit).AsSingle(), v, Vector128<float>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Quad128 value) => LaneMath.SumOf4((value.A + value.C) + (value.B + value.D));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SumFirst4(Quad128 value) => LaneMath.SumOf4(value.A);
}
