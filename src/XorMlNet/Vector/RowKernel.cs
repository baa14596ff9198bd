using System.Runtime.CompilerServices;
using XorMlNet.Network;

namespace XorMlNet.Simd;

/// <summary>
/// A network's weights laid out for scoring one row at a time with <see cref="RowKernel{TV}"/>: the hidden units
/// in blocks of 16 lanes, W1 as d rows (plus zero rows up to a multiple of 8) of the padded width, b1 and W2 padded
/// with zeros. Immutable; the arrays are pinned so the kernel reads them through pointers.
/// </summary>
internal sealed unsafe class RowWeights
{
    private readonly float[] _w1;
    private readonly float[] _b1;
    private readonly float[] _w2;

    /// <summary>Weights of a network that takes the features as they are.</summary>
    public RowWeights(int inputs, int hidden, ReadOnlySpan<float> theta)
        : this(inputs, hidden, theta, [], [])
    {
    }

    /// <param name="inputs">d.</param>
    /// <param name="hidden">H.</param>
    /// <param name="theta">The parameters in the flat layout of <see cref="TwoLayerNetwork{T}"/>.</param>
    /// <param name="offset">The standardization's per-feature offset (d values), or empty when the network takes the features as they are.</param>
    /// <param name="scale">Its per-feature scale, d values or empty with <paramref name="offset"/>.</param>
    public RowWeights(int inputs, int hidden, ReadOnlySpan<float> theta, ReadOnlySpan<float> offset, ReadOnlySpan<float> scale)
    {
        if (offset.Length != scale.Length || (offset.Length != 0 && offset.Length != inputs))
        {
            throw new ArgumentException($"A standardization of {inputs} features needs {inputs} offsets and scales (or none), not {offset.Length} and {scale.Length}.", nameof(offset));
        }
        Offset = offset.ToArray();
        Scale = scale.ToArray();
        if (theta.Length != TwoLayerNetwork<float>.GetParameterCount(inputs, hidden))
        {
            throw new ArgumentException($"A {inputs}→{hidden}→1 network cannot use {theta.Length} parameters.", nameof(theta));
        }
        Inputs = inputs;
        HiddenSize = hidden;
        Stride = (hidden + Lanes - 1) / Lanes * Lanes;
        PaddedInputs = (inputs + 7) & ~7;
        _w1 = GC.AllocateArray<float>(checked(PaddedInputs * Stride), pinned: true);
        for (int i = 0; i < inputs; i++)
        {
            theta.Slice(i * hidden, hidden).CopyTo(_w1.AsSpan(i * Stride));
        }
        _b1 = GC.AllocateArray<float>(Stride, pinned: true);
        theta.Slice(inputs * hidden, hidden).CopyTo(_b1);
        _w2 = GC.AllocateArray<float>(Stride, pinned: true);
        theta.Slice((inputs + 1) * hidden, hidden).CopyTo(_w2);
        B2 = theta[^1];
    }

    /// <summary>Lanes per block of hidden units.</summary>
    public const int Lanes = 16;

    public int Inputs { get; }

    /// <summary>H, as <see cref="TwoLayerNetwork{T}.HiddenSize"/>.</summary>
    public int HiddenSize { get; }

    /// <summary>d rounded up to a multiple of 8: W1 has that many rows (the extra ones zero), and a row is read as that many features.</summary>
    public int PaddedInputs { get; }

    /// <summary>H rounded up to whole blocks: the length of a W1 row, of b1 and of W2 here.</summary>
    public int Stride { get; }

    /// <summary>W1[i, j] at <c>W1[i · Stride + j]</c>; zero for j ≥ H and for i ≥ d.</summary>
    public float* W1 => (float*)Unsafe.AsPointer(ref _w1[0]);

    /// <summary>b1, zero-padded to <see cref="Stride"/>.</summary>
    public float* B1 => (float*)Unsafe.AsPointer(ref _b1[0]);

    /// <summary>W2, zero-padded to <see cref="Stride"/>: a padded unit's σ(0) = ½ is multiplied by 0.</summary>
    public float* W2 => (float*)Unsafe.AsPointer(ref _w2[0]);

    public float B2 { get; }

    /// <summary>The standardization's offsets, d values, or empty: a row x is scored as (x − Offset) · <see cref="Scale"/>.</summary>
    public float[] Offset { get; }

    /// <summary>The standardization's scales, d values, or empty.</summary>
    public float[] Scale { get; }

    /// <summary>Whether the standardization has no offset (a scale-only one, as fitted on sparse rows), so that a zero stays zero.</summary>
    public bool ScalesOnly => !Offset.AsSpan().ContainsAnyExcept(0f);

    /// <summary>Whether rows are standardized before the kernel reads them (<see cref="SpanMath.Standardize"/>).</summary>
    public bool Standardizes => Offset.Length > 0;
}

/// <summary>The entry points of <see cref="RowKernel{TV}"/>: each runs it on the lane implementation of a <see cref="LaneWidth"/> (<see cref="LaneChoice"/>).</summary>
internal static unsafe class RowKernel
{
    /// <summary><see cref="RowKernel{TV}.Score"/> on the lane implementation of <paramref name="width"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Score(LaneWidth width, RowWeights net, float* x) => LaneChoice.Run<ScoreCall, float>(width, new(net, x));

    /// <summary><see cref="RowKernel{TV}.ScoreSparse"/> on the lane implementation of <paramref name="width"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ScoreSparse(LaneWidth width, RowWeights net, ReadOnlySpan<int> indices, ReadOnlySpan<float> values, ReadOnlySpan<float> scale)
        => LaneChoice.Run<ScoreSparseCall, float>(width, new(net, indices, values, scale));

    private readonly struct ScoreCall(RowWeights net, float* x) : ILaneCall<float>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Run<TV>() where TV : struct, ILanes<TV> => RowKernel<TV>.Score(net, x);
    }

    private readonly ref struct ScoreSparseCall(RowWeights net, ReadOnlySpan<int> indices, ReadOnlySpan<float> values, ReadOnlySpan<float> scale)
        : ILaneCall<float>
    {
        private readonly ReadOnlySpan<int> _indices = indices;
        private readonly ReadOnlySpan<float> _values = values;
        private readonly ReadOnlySpan<float> _scale = scale;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Run<TV>() where TV : struct, ILanes<TV> => RowKernel<TV>.ScoreSparse(net, _indices, _values, _scale);
    }
}

/// <summary>
/// The output pre-activation Z2 of one row, organised for latency (one row is a chain of dependent steps, and a
/// prediction waits for all of it): 16 hidden units per vector (lane j = unit j of the block); Z1 as eight partial
/// sums of fused multiply-adds (input i into sum i mod 8, b1 starting the first) joined by a fixed tree, so the chain
/// is d/8 + 3 operations long instead of d; σ by <see cref="LaneMath.ScoringSigmoid"/>; and b2 + A1·W2, the products
/// summed in the fixed lane order of <see cref="ILanes{TV}.Sum"/> (over the first four lanes only when H ≤ 4: the rest
/// are exact zeros).
/// Every lane implementation gives the same bits; against <see cref="TwoLayerNetwork{T}.Score"/> (one rounding per
/// product and sum, in input order, σ through <see cref="MathF.Exp"/>) it differs by rounding only.
/// </summary>
internal static unsafe class RowKernel<TV> where TV : struct, ILanes<TV>
{
    /// <summary>Z2 for the features at <paramref name="x"/>: <see cref="RowWeights.PaddedInputs"/> values, zero after the d-th.</summary>
    /// <remarks>
    /// Never inlined (nor <see cref="ScoreSparse"/>): the scorer's one method would otherwise hold all three lane
    /// implementations of both kernels, and past the JIT's inlining budget there the lane operators of the chosen width
    /// became calls, about 1.5 times the time per row. Compiled optimized from the first call, as the training kernels are.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static float Score(RowWeights net, float* x)
    {
        int d = net.PaddedInputs, stride = net.Stride;
        float* w1 = net.W1, b1 = net.B1, w2 = net.W2;
        bool firstFour = net.HiddenSize <= 4;
        float z2 = net.B2;
        for (int block = 0; block < stride; block += RowWeights.Lanes)
        {
            float* w = w1 + block;
            TV s0 = TV.Load(b1 + block), s1 = TV.Zero, s2 = TV.Zero, s3 = TV.Zero;
            TV s4 = TV.Zero, s5 = TV.Zero, s6 = TV.Zero, s7 = TV.Zero;
            for (int i = 0; i < d; i += 8)
            {
                float* row = w + i * stride;
                s0 = TV.Fma(TV.Create(x[i]), TV.Load(row), s0);
                s1 = TV.Fma(TV.Create(x[i + 1]), TV.Load(row + stride), s1);
                s2 = TV.Fma(TV.Create(x[i + 2]), TV.Load(row + 2 * stride), s2);
                s3 = TV.Fma(TV.Create(x[i + 3]), TV.Load(row + 3 * stride), s3);
                s4 = TV.Fma(TV.Create(x[i + 4]), TV.Load(row + 4 * stride), s4);
                s5 = TV.Fma(TV.Create(x[i + 5]), TV.Load(row + 5 * stride), s5);
                s6 = TV.Fma(TV.Create(x[i + 6]), TV.Load(row + 6 * stride), s6);
                s7 = TV.Fma(TV.Create(x[i + 7]), TV.Load(row + 7 * stride), s7);
            }
            TV z1 = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
            TV output = LaneMath.ScoringSigmoid(z1) * TV.Load(w2 + block);
            z2 += firstFour ? TV.SumFirst4(output) : TV.Sum(output);
        }
        return z2;
    }

    /// <summary>
    /// Z2 for a sparse row, over its stored values only: value k (in column i = <paramref name="indices"/>[k], times
    /// <paramref name="scale"/>[i] when a scale-only standardization is given) adds its W1 row into partial sum i mod 8,
    /// in increasing column order, b1 starting the first, joined by <see cref="Score"/>'s tree: the very operations of
    /// <see cref="Score"/> less its multiply-adds of zeros, so the same bits as the row's dense copy, in O(nnz·H) whatever d.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static float ScoreSparse(RowWeights net, ReadOnlySpan<int> indices, ReadOnlySpan<float> values, ReadOnlySpan<float> scale)
    {
        int stride = net.Stride, n = values.Length;
        float* w1 = net.W1, b1 = net.B1, w2 = net.W2;
        bool firstFour = net.HiddenSize <= 4, scaled = scale.Length > 0;
        float z2 = net.B2;
        for (int block = 0; block < stride; block += RowWeights.Lanes)
        {
            float* w = w1 + block;
            TV s0 = TV.Load(b1 + block), s1 = TV.Zero, s2 = TV.Zero, s3 = TV.Zero;
            TV s4 = TV.Zero, s5 = TV.Zero, s6 = TV.Zero, s7 = TV.Zero;
            for (int k = 0; k < n; k++)
            {
                int i = indices[k];
                TV x = TV.Create(scaled ? values[k] * scale[i] : values[k]);
                TV row = TV.Load(w + (long)i * stride);
                switch (i & 7)
                {
                    case 0: s0 = TV.Fma(x, row, s0); break;
                    case 1: s1 = TV.Fma(x, row, s1); break;
                    case 2: s2 = TV.Fma(x, row, s2); break;
                    case 3: s3 = TV.Fma(x, row, s3); break;
                    case 4: s4 = TV.Fma(x, row, s4); break;
                    case 5: s5 = TV.Fma(x, row, s5); break;
                    case 6: s6 = TV.Fma(x, row, s6); break;
                    default: s7 = TV.Fma(x, row, s7); break;
                }
            }
            TV z1 = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
            TV output = LaneMath.ScoringSigmoid(z1) * TV.Load(w2 + block);
            z2 += firstFour ? TV.SumFirst4(output) : TV.Sum(output);
        }
        return z2;
    }
}
