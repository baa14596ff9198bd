using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace XorMlNet.Simd;

/// <summary>
/// Formulas over <see cref="ILanes{TV}"/> that the kernels share: the sigmoid of the training kernels, a shorter one for
/// scoring, and the step back through a sigmoid that gives δ2 and δ1.
/// </summary>
/// <remarks>
/// Why two vector sigmoids: training wants σ within 2 ulp, because its result is the weights; scoring wants the shortest
/// chain of dependent steps, because a prediction waits for it, and an absolute error of 2e-7 is far below what a score is
/// used for. Each keeps its own operations, so trained weights and scores are the same bits as before either existed here.
/// The scalar σ is <c>Kernels.Sigmoid</c>, for <see cref="float"/> and <see cref="double"/> alike.
/// </remarks>
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
    public static TV Sigmoid<TV>(TV z) where TV : struct, ILanes<TV>
    {
        TV one = TV.Create(1f);
        TV x2 = TV.Clamp(z * TV.Create(-2f), TV.Create(2 * -86.6f), TV.Create(2 * 88.8f));
        TV n = TV.Round(x2 * TV.Create(Log2E / 2));
        TV s = TV.Fma(n, TV.Create(-2 * Ln2High), x2);
        s = TV.Fma(n, TV.Create(-2 * Ln2Low), s);
        TV s2 = s * s;
        TV a = TV.Fma(TV.Create(1.6666665459E-1f / 4), s, TV.Create(5.0000001201E-1f / 2));
        TV b = TV.Fma(TV.Create(8.3334519073E-3f / 16), s, TV.Create(4.1665795894E-2f / 8));
        TV c = TV.Fma(TV.Create(1.9875691500E-4f / 64), s, TV.Create(1.3981999507E-3f / 32));
        TV halfP = TV.Fma(TV.Fma(c, s2, b), s2, a);
        TV twiceExpR = TV.Fma(halfP, s2, s) + TV.Create(2f);
        TV onePlusExp = TV.Fma(twiceExpR, TV.HalfPow2(n), one);
        return TV.KeepNaN(z, one / onePlusExp);
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
    public static TV ScoringSigmoid<TV>(TV z) where TV : struct, ILanes<TV>
    {
        TV one = TV.Create(1f);
        TV t = TV.Clamp(z * TV.Create(-Log2E), TV.Create(-125f), TV.Create(126f));
        TV n = TV.Round(t);
        TV f = t - n;
        TV f2 = f * f;
        TV q0 = TV.Fma(f, TV.Create(2 * Exp2C1), TV.Create(2f));
        TV q1 = TV.Fma(f, TV.Create(2 * Exp2C3), TV.Create(2 * Exp2C2));
        TV q2 = TV.Fma(f, TV.Create(2 * Exp2C5), TV.Create(2 * Exp2C4));
        TV f4 = f2 * f2;
        q2 = TV.Fma(f2, TV.Create(2 * Exp2C6), q2);
        TV twiceExp2F = TV.Fma(f4, q2, TV.Fma(f2, q1, q0));
        TV onePlusExp = TV.Fma(twiceExp2F, TV.HalfPow2(n), one);
        return TV.KeepNaN(z, one / onePlusExp);
    }

    /// <summary>
    /// δ = g · σ(1 − σ): the gradient <paramref name="upstream"/> = g with respect to a sigmoid's output
    /// <paramref name="sigma"/> = σ, taken back through the sigmoid to its input (σ' = σ(1 − σ)). With g = c·(ŷ − y) and
    /// σ = ŷ it is δ2; with g = δ2·W2[j] and σ = A1[j] it is δ1[j]. Two multiplies and a subtract per lane, in that order,
    /// so every lane is the scalar <c>Kernels.SigmoidDelta</c> of the same floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV SigmoidDelta<TV>(TV upstream, TV sigma) where TV : struct, ILanes<TV>
        => upstream * (sigma * (TV.Create(1f) - sigma));

    /// <summary>The shared tail of every <see cref="ILanes{TV}.Sum"/>: lanes 0..3 of the pairwise sums so far.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float SumOf4(Vector128<float> s4)
    {
        Vector128<float> s2 = s4 + Vector128.Shuffle(s4, Vector128.Create(2, 3, 0, 1));
        return s2.ToScalar() + s2.GetElement(1);
    }
}
