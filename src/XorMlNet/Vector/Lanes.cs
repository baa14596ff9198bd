using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace XorMlNet.Simd;

/// <summary>
/// Sixteen <see cref="float"/> lanes, the unit of the vector kernels: a tile of 16 rows, or a block of 16 hidden units,
/// is one <typeparamref name="TV"/>. Implemented by <see cref="Lanes512"/> (one <see cref="Vector512{T}"/>),
/// <see cref="Lanes256"/> (two <see cref="Vector256{T}"/>) and <see cref="Lanes128"/> (four <see cref="Vector128{T}"/>);
/// every operation is the same IEEE operation per lane (fused multiply-add included) and <see cref="Sum"/> adds the
/// lanes in one fixed order, so the three give bit-identical results and the trained weights do not depend on the
/// machine's vector width.
/// </summary>
/// <remarks>
/// <para>The operators round once per operation, as the scalar ones do: <c>a * b + c</c> is a multiply and an add, two
/// roundings (the JIT never contracts them), and <see cref="Fma"/> is the fused multiply-add, one rounding. Which of the
/// two a kernel writes is part of its result, so each kernel keeps the one it was written with.</para>
/// <para>Every member of an implementation is marked <see cref="MethodImplOptions.AggressiveInlining"/>, and the
/// operators build their result without calling a constructor (<see cref="Lanes512"/> reinterprets the vector with
/// <see cref="Unsafe.BitCast{TFrom, TTo}"/>, the others fill an uninitialized value field by field): the JIT stops
/// inlining into a method once it holds too many locals, each inlined constructor adds several, and a kernel as large as
/// the training block would otherwise call some of its operators instead of inlining them. (The lane types were once
/// the bare vectors, with the operations as static methods; this keeps the JIT's output for the 512-bit kernels free of
/// calls, as it was, and has fewer calls left in the 256- and 128-bit training block than before.)</para>
/// </remarks>
internal interface ILanes<TV> where TV : struct, ILanes<TV>
{
    static abstract TV Zero { get; }

    /// <summary>All 16 lanes set to <paramref name="value"/>.</summary>
    static abstract TV Create(float value);

    /// <summary>Loads 16 floats from <paramref name="source"/>.</summary>
    static abstract unsafe TV Load(float* source);

    /// <summary>Stores 16 floats at <paramref name="destination"/>.</summary>
    static abstract unsafe void Store(float* destination, TV value);

    static abstract TV operator +(TV a, TV b);

    static abstract TV operator -(TV a, TV b);

    static abstract TV operator *(TV a, TV b);

    static abstract TV operator /(TV a, TV b);

    /// <summary>a·b + c, rounded once (fused multiply-add).</summary>
    static abstract TV Fma(TV a, TV b, TV c);

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

/// <summary>16 lanes as one <see cref="Vector512{T}"/> (AVX-512).</summary>
internal readonly struct Lanes512 : ILanes<Lanes512>
{
    public readonly Vector512<float> Value;

    public static Lanes512 Zero => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Create(float value) => Unsafe.BitCast<Vector512<float>, Lanes512>(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Lanes512 Load(float* source) => Unsafe.BitCast<Vector512<float>, Lanes512>(Vector512.Load(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store(float* destination, Lanes512 value) => value.Value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator +(Lanes512 a, Lanes512 b) => Unsafe.BitCast<Vector512<float>, Lanes512>(a.Value + b.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator -(Lanes512 a, Lanes512 b) => Unsafe.BitCast<Vector512<float>, Lanes512>(a.Value - b.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator *(Lanes512 a, Lanes512 b) => Unsafe.BitCast<Vector512<float>, Lanes512>(a.Value * b.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator /(Lanes512 a, Lanes512 b) => Unsafe.BitCast<Vector512<float>, Lanes512>(a.Value / b.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Fma(Lanes512 a, Lanes512 b, Lanes512 c) => Unsafe.BitCast<Vector512<float>, Lanes512>(Vector512.FusedMultiplyAdd(a.Value, b.Value, c.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Clamp(Lanes512 x, Lanes512 low, Lanes512 high)
        => Unsafe.BitCast<Vector512<float>, Lanes512>(Vector512.MinNative(Vector512.MaxNative(x.Value, low.Value), high.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Round(Lanes512 x) => Unsafe.BitCast<Vector512<float>, Lanes512>(Vector512.Round(x.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 HalfPow2(Lanes512 n)
        => Unsafe.BitCast<Vector512<float>, Lanes512>(Vector512.ShiftLeft(Vector512.ConvertToInt32Native(n.Value) + Vector512.Create(126), 23).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 KeepNaN(Lanes512 x, Lanes512 value)
        => Unsafe.BitCast<Vector512<float>, Lanes512>(Vector512.ConditionalSelect(Vector512.Equals(x.Value, x.Value), value.Value, x.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 KeepFirst(Lanes512 value, int count)
        => count >= 16 ? value
            : Unsafe.BitCast<Vector512<float>, Lanes512>(Vector512.ConditionalSelect(Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle(), value.Value, Vector512<float>.Zero));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Lanes512 value)
    {
        Vector256<float> s8 = value.Value.GetLower() + value.Value.GetUpper();
        return LaneMath.SumOf4(s8.GetLower() + s8.GetUpper());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SumFirst4(Lanes512 value) => LaneMath.SumOf4(value.Value.GetLower().GetLower());
}

/// <summary>
/// 16 lanes as two <see cref="Vector256{T}"/> (AVX2): lanes 0–7 and 8–15. Mutable only so that the operators can fill a
/// result field by field (see <see cref="ILanes{TV}"/>); the kernels never change a value once built.
/// </summary>
internal struct Lanes256 : ILanes<Lanes256>
{
    public Vector256<float> Low;
    public Vector256<float> High;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Lanes256(Vector256<float> low, Vector256<float> high)
    {
        Low = low;
        High = high;
    }

    public static Lanes256 Zero => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Create(float value)
    {
        Unsafe.SkipInit(out Lanes256 r);
        r.Low = r.High = Vector256.Create(value);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Lanes256 Load(float* source)
    {
        Unsafe.SkipInit(out Lanes256 r);
        r.Low = Vector256.Load(source);
        r.High = Vector256.Load(source + 8);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store(float* destination, Lanes256 value)
    {
        value.Low.Store(destination);
        value.High.Store(destination + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator +(Lanes256 a, Lanes256 b)
    {
        Unsafe.SkipInit(out Lanes256 r);
        r.Low = a.Low + b.Low;
        r.High = a.High + b.High;
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator -(Lanes256 a, Lanes256 b)
    {
        Unsafe.SkipInit(out Lanes256 r);
        r.Low = a.Low - b.Low;
        r.High = a.High - b.High;
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator *(Lanes256 a, Lanes256 b)
    {
        Unsafe.SkipInit(out Lanes256 r);
        r.Low = a.Low * b.Low;
        r.High = a.High * b.High;
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator /(Lanes256 a, Lanes256 b)
    {
        Unsafe.SkipInit(out Lanes256 r);
        r.Low = a.Low / b.Low;
        r.High = a.High / b.High;
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Fma(Lanes256 a, Lanes256 b, Lanes256 c)
    {
        Unsafe.SkipInit(out Lanes256 r);
        r.Low = Vector256.FusedMultiplyAdd(a.Low, b.Low, c.Low);
        r.High = Vector256.FusedMultiplyAdd(a.High, b.High, c.High);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Clamp(Lanes256 x, Lanes256 low, Lanes256 high)
    {
        Unsafe.SkipInit(out Lanes256 r);
        r.Low = Vector256.MinNative(Vector256.MaxNative(x.Low, low.Low), high.Low);
        r.High = Vector256.MinNative(Vector256.MaxNative(x.High, low.High), high.High);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Round(Lanes256 x)
    {
        Unsafe.SkipInit(out Lanes256 r);
        r.Low = Vector256.Round(x.Low);
        r.High = Vector256.Round(x.High);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 HalfPow2(Lanes256 n)
    {
        Unsafe.SkipInit(out Lanes256 r);
        r.Low = HalfPow2(n.Low);
        r.High = HalfPow2(n.High);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> HalfPow2(Vector256<float> n)
        => Vector256.ShiftLeft(Vector256.ConvertToInt32Native(n) + Vector256.Create(126), 23).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 KeepNaN(Lanes256 x, Lanes256 value)
    {
        Unsafe.SkipInit(out Lanes256 r);
        r.Low = Vector256.ConditionalSelect(Vector256.Equals(x.Low, x.Low), value.Low, x.Low);
        r.High = Vector256.ConditionalSelect(Vector256.Equals(x.High, x.High), value.High, x.High);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 KeepFirst(Lanes256 value, int count)
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
    public static float Sum(Lanes256 value)
    {
        Vector256<float> s8 = value.Low + value.High;
        return LaneMath.SumOf4(s8.GetLower() + s8.GetUpper());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SumFirst4(Lanes256 value) => LaneMath.SumOf4(value.Low.GetLower());
}

/// <summary>
/// 16 lanes as four <see cref="Vector128{T}"/> (SSE4.1/FMA, or Arm AdvSimd): lanes 0–3, 4–7, 8–11, 12–15. Mutable only
/// so that the operators can fill a result field by field (see <see cref="ILanes{TV}"/>).
/// </summary>
internal struct Lanes128 : ILanes<Lanes128>
{
    public Vector128<float> A;
    public Vector128<float> B;
    public Vector128<float> C;
    public Vector128<float> D;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Lanes128(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d)
    {
        A = a;
        B = b;
        C = c;
        D = d;
    }

    public static Lanes128 Zero => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Create(float value)
    {
        Unsafe.SkipInit(out Lanes128 r);
        r.A = r.B = r.C = r.D = Vector128.Create(value);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Lanes128 Load(float* source)
    {
        Unsafe.SkipInit(out Lanes128 r);
        r.A = Vector128.Load(source);
        r.B = Vector128.Load(source + 4);
        r.C = Vector128.Load(source + 8);
        r.D = Vector128.Load(source + 12);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store(float* destination, Lanes128 value)
    {
        value.A.Store(destination);
        value.B.Store(destination + 4);
        value.C.Store(destination + 8);
        value.D.Store(destination + 12);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 operator +(Lanes128 x, Lanes128 y)
    {
        Unsafe.SkipInit(out Lanes128 r);
        r.A = x.A + y.A;
        r.B = x.B + y.B;
        r.C = x.C + y.C;
        r.D = x.D + y.D;
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 operator -(Lanes128 x, Lanes128 y)
    {
        Unsafe.SkipInit(out Lanes128 r);
        r.A = x.A - y.A;
        r.B = x.B - y.B;
        r.C = x.C - y.C;
        r.D = x.D - y.D;
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 operator *(Lanes128 x, Lanes128 y)
    {
        Unsafe.SkipInit(out Lanes128 r);
        r.A = x.A * y.A;
        r.B = x.B * y.B;
        r.C = x.C * y.C;
        r.D = x.D * y.D;
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 operator /(Lanes128 x, Lanes128 y)
    {
        Unsafe.SkipInit(out Lanes128 r);
        r.A = x.A / y.A;
        r.B = x.B / y.B;
        r.C = x.C / y.C;
        r.D = x.D / y.D;
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Fma(Lanes128 x, Lanes128 y, Lanes128 z)
    {
        Unsafe.SkipInit(out Lanes128 r);
        r.A = Vector128.FusedMultiplyAdd(x.A, y.A, z.A);
        r.B = Vector128.FusedMultiplyAdd(x.B, y.B, z.B);
        r.C = Vector128.FusedMultiplyAdd(x.C, y.C, z.C);
        r.D = Vector128.FusedMultiplyAdd(x.D, y.D, z.D);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Clamp(Lanes128 x, Lanes128 low, Lanes128 high)
    {
        Unsafe.SkipInit(out Lanes128 r);
        r.A = Clamp(x.A, low.A, high.A);
        r.B = Clamp(x.B, low.B, high.B);
        r.C = Clamp(x.C, low.C, high.C);
        r.D = Clamp(x.D, low.D, high.D);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Clamp(Vector128<float> x, Vector128<float> low, Vector128<float> high)
        => Vector128.MinNative(Vector128.MaxNative(x, low), high);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Round(Lanes128 x)
    {
        Unsafe.SkipInit(out Lanes128 r);
        r.A = Vector128.Round(x.A);
        r.B = Vector128.Round(x.B);
        r.C = Vector128.Round(x.C);
        r.D = Vector128.Round(x.D);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 HalfPow2(Lanes128 n)
    {
        Unsafe.SkipInit(out Lanes128 r);
        r.A = HalfPow2(n.A);
        r.B = HalfPow2(n.B);
        r.C = HalfPow2(n.C);
        r.D = HalfPow2(n.D);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> HalfPow2(Vector128<float> n)
        => Vector128.ShiftLeft(Vector128.ConvertToInt32Native(n) + Vector128.Create(126), 23).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 KeepNaN(Lanes128 x, Lanes128 value)
    {
        Unsafe.SkipInit(out Lanes128 r);
        r.A = KeepNaN(x.A, value.A);
        r.B = KeepNaN(x.B, value.B);
        r.C = KeepNaN(x.C, value.C);
        r.D = KeepNaN(x.D, value.D);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> KeepNaN(Vector128<float> x, Vector128<float> value)
        => Vector128.ConditionalSelect(Vector128.Equals(x, x), value, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 KeepFirst(Lanes128 value, int count)
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
    public static float Sum(Lanes128 value) => LaneMath.SumOf4((value.A + value.C) + (value.B + value.D));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SumFirst4(Lanes128 value) => LaneMath.SumOf4(value.A);
}
