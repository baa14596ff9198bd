using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using XorMlNet.Network;

namespace XorMlNet.Simd;

/// <summary>Rows the fast kernels read: row-major X and y, optionally through an index list or from a pre-tiled copy.</summary>
internal unsafe struct RowSource
{
    /// <summary>Rows × d, row-major.</summary>
    public float* X;

    /// <summary>Rows targets; null for forward-only passes that need none.</summary>
    public float* Y;

    /// <summary>When not null, position k of a pass reads row <c>Order[k]</c>; otherwise row k.</summary>
    public int* Order;

    /// <summary>When not null (and <see cref="Order"/> is null), X already in tile layout: tile k holds d vectors of 16 rows.</summary>
    public float* TiledX;

    /// <summary>y in tile layout (16 per tile, padded with 0), alongside <see cref="TiledX"/>.</summary>
    public float* TiledY;

    public int Rows;
}

/// <summary>The network's shape and its parameters in the flat layout of <see cref="TwoLayerNetwork{T}"/>.</summary>
internal unsafe readonly struct NetShape(int inputs, int hidden, float* theta)
{
    public readonly int D = inputs;
    public readonly int H = hidden;
    public readonly float* Theta = theta;

    public int ParameterCount => TwoLayerNetwork<float>.GetParameterCount(D, H);
}

/// <summary>Per-thread scratch of the fast kernels, 64-byte aligned: vector accumulators and one block of tiles (inputs, activations, targets).</summary>
internal sealed unsafe class TileScratch
{
    /// <summary>Tiles per block: activations of a block stay in L1 while dW1 is accumulated over it.</summary>
    public const int BlockTiles = 4;

    public const int BlockRows = BlockTiles * TileKernel.Lanes;

    private readonly float[] _memory;

    /// <summary>
    /// The scratch for a <paramref name="inputs"/> → <paramref name="hidden"/> → 1 network. The trainer checks
    /// <see cref="Floats"/> (with every other size it allocates) before it allocates any: once that passed, every part
    /// fits an int, and so does every offset the kernels compute below them.
    /// </summary>
    public TileScratch(int inputs, int hidden)
    {
        int accumulators = checked((int)(TwoLayerNetwork<float>.CountParameters(inputs, hidden) * TileKernel.Lanes));
        int xTiles = checked(BlockTiles * inputs * TileKernel.Lanes);
        int aTiles = checked(BlockTiles * hidden * TileKernel.Lanes);
        _memory = GC.AllocateArray<float>(checked((int)Floats(inputs, hidden)), pinned: true);
        float* start = (float*)Unsafe.AsPointer(ref _memory[0]);
        start = (float*)(((nint)start + 63) & ~(nint)63);
        Accumulators = start;
        XTiles = Accumulators + accumulators;
        ATiles = XTiles + xTiles;
        YTiles = ATiles + aTiles;
    }

    /// <summary>
    /// Floats of one scratch, in 64 bits: a 16-lane accumulator per parameter, a block of input tiles, a block of
    /// hidden-activation tiles, the block's targets, and one vector of slack for the 64-byte alignment.
    /// </summary>
    public static long Floats(int inputs, int hidden)
    {
        const int Lanes = TileKernel.Lanes;
        return TwoLayerNetwork<float>.CountParameters(inputs, hidden) * Lanes
            + (long)BlockTiles * inputs * Lanes
            + (long)BlockTiles * hidden * Lanes
            + BlockRows
            + Lanes;
    }

    /// <summary>P vectors, one per parameter (flat layout).</summary>
    public float* Accumulators { get; }

    public float* XTiles { get; }

    public float* ATiles { get; }

    public float* YTiles { get; }
}

/// <summary>
/// The fast float kernels over tiles of 16 rows held feature-major (one vector per feature, lane r = row r): a hidden
/// unit's pre-activation over a tile is one chain of d fused multiply-adds, the sigmoids are vectorized, the four
/// tiles of a block are interleaved so that four independent chains hide each other's latency, and dW1 = Xᵀ·δ1 is
/// accumulated per block into vector accumulators that are summed (in the fixed lane order of
/// <see cref="ILanes{TV}.Sum"/>) once per chunk. Nothing here allocates. Offsets are <see cref="int"/>: each stays below
/// the length of the buffer it points into, and the trainer has checked that every buffer fits an array before
/// allocating any. The entry points here take a <see cref="LaneWidth"/> and run <see cref="TileKernel{TV}"/> for it
/// (<see cref="LaneChoice"/>).
/// </summary>
internal static class TileKernel
{
    public const int Lanes = 16;

    /// <summary>Rows between two checks of the cancellation token: a multiple of <see cref="TileScratch.BlockRows"/>.</summary>
    public const int CancellationRows = 1024;

    /// <summary>
    /// Copies positions [<paramref name="position"/>, +<paramref name="rows"/>) of <paramref name="source"/> into
    /// tile layout (transposing, or gathering through the order), padding the last tile with zero rows. With an order,
    /// also prefetches the rows of the next block, which are scattered over the table.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void LoadBlock(in RowSource source, int d, int position, int rows, float* xTiles, float* yTiles)
    {
        float* x = source.X;
        float* y = source.Y;
        int* order = source.Order;
        if (order != null && Sse.IsSupported)
        {
            int end = Math.Min(position + rows + TileScratch.BlockRows, source.Rows);
            for (int k = position + rows; k < end; k++)
            {
                float* row = x + (long)order[k] * d;
                Sse.Prefetch0(row);
                Sse.Prefetch0(row + d - 1);
            }
        }
        int r = 0;
        if (order != null && Avx2.IsSupported)
        {
            // Whole tiles of scattered rows: two 8-lane gathers per feature keep many rows' cache misses in flight.
            // (For rows in order, the plain copy below is faster than gathers.)
            Vector256<int> stride = Vector256.Create(d);
            for (; r + Lanes <= rows; r += Lanes)
            {
                Vector256<int> low = Vector256.Load(order + position + r), high = Vector256.Load(order + position + r + 8);
                Vector256<int> lowOffsets = low * stride, highOffsets = high * stride;
                float* tile = xTiles + (r >> 4) * d * Lanes;
                for (int i = 0; i < d; i++)
                {
                    Avx2.GatherVector256(x + i, lowOffsets, 4).Store(tile + i * Lanes);
                    Avx2.GatherVector256(x + i, highOffsets, 4).Store(tile + i * Lanes + 8);
                }
                if (y != null)
                {
                    Avx2.GatherVector256(y, low, 4).Store(yTiles + r);
                    Avx2.GatherVector256(y, high, 4).Store(yTiles + r + 8);
                }
            }
        }
        for (; r < rows; r++)
        {
            long row = order != null ? order[position + r] : position + r;
            float* from = x + row * d;
            float* to = xTiles + (r >> 4) * d * Lanes + (r & (Lanes - 1));
            for (int i = 0; i < d; i++)
            {
                to[i * Lanes] = from[i];
            }
            if (y != null)
            {
                yTiles[r] = y[row];
            }
        }
        int padded = (rows + Lanes - 1) & ~(Lanes - 1);
        for (; r < padded; r++)
        {
            float* to = xTiles + (r >> 4) * d * Lanes + (r & (Lanes - 1));
            for (int i = 0; i < d; i++)
            {
                to[i * Lanes] = 0;
            }
            yTiles[r] = 0;
        }
    }

    /// <summary>
    /// The block of <paramref name="rows"/> positions from <paramref name="position"/> in tile layout: in place when the
    /// source is pre-tiled, otherwise loaded into <paramref name="scratch"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Block(in RowSource source, int d, int position, int rows, TileScratch scratch, out float* xb, out float* yb)
    {
        if (source.TiledX != null)
        {
            xb = source.TiledX + (long)(position / Lanes) * d * Lanes;
            yb = source.TiledY + position;
            return;
        }
        LoadBlock(source, d, position, rows, scratch.XTiles, scratch.YTiles);
        xb = scratch.XTiles;
        yb = scratch.YTiles;
    }

    /// <summary>Copies all rows of (x, y) into tile layout: ⌈rows/16⌉ tiles of d vectors, and y padded to whole tiles.</summary>
    public static unsafe void Tile(float* x, float* y, int rows, int d, float* tiledX, float* tiledY)
    {
        var source = new RowSource { X = x, Y = y, Rows = rows };
        for (int start = 0; start < rows; start += TileScratch.BlockRows)
        {
            int n = Math.Min(TileScratch.BlockRows, rows - start);
            LoadBlock(source, d, start, n, tiledX + (long)(start / Lanes) * d * Lanes, tiledY + start);
        }
    }

    /// <summary><see cref="TileKernel{TV}.Gradient"/> on the lane implementation of <paramref name="width"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe double Gradient(LaneWidth width, in NetShape net, TileScratch scratch, in RowSource source, int first, int count,
        float scale, float* gradient, CancellationToken cancellation)
        => LaneChoice.Run<GradientCall, double>(width, new(net, scratch, source, first, count, scale, gradient, cancellation));

    /// <summary><see cref="TileKernel{TV}.SingleTile"/> on the lane implementation of <paramref name="width"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe double SingleTile(LaneWidth width, in NetShape net, float* xt, float* yt, float* at, int rows, float scale, float* gradient)
        => LaneChoice.Run<SingleTileCall, double>(width, new(net, xt, yt, at, rows, scale, gradient));

    /// <summary><see cref="TileKernel{TV}.Forward"/> on the lane implementation of <paramref name="width"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Forward(LaneWidth width, in NetShape net, TileScratch scratch, in RowSource source, int first, int count,
        CancellationToken cancellation)
        => LaneChoice.Run<ForwardCall, double>(width, new(net, scratch, source, first, count, cancellation));

    /// <summary>The <see cref="TileKernel{TV}"/> that <paramref name="width"/> runs (for compiling it ahead).</summary>
    public static Type For(LaneWidth width) => typeof(TileKernel<>).MakeGenericType(LaneChoice.LaneType(width));

    private readonly unsafe struct GradientCall(NetShape net, TileScratch scratch, RowSource source, int first, int count, float scale,
        float* gradient, CancellationToken cancellation) : ILaneCall<double>
    {
        private readonly NetShape _net = net;
        private readonly RowSource _source = source;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public double Run<TV>() where TV : struct, ILanes<TV>
            => TileKernel<TV>.Gradient(_net, scratch, _source, first, count, scale, gradient, cancellation);
    }

    private readonly unsafe struct SingleTileCall(NetShape net, float* xt, float* yt, float* at, int rows, float scale, float* gradient)
        : ILaneCall<double>
    {
        private readonly NetShape _net = net;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public double Run<TV>() where TV : struct, ILanes<TV> => TileKernel<TV>.SingleTile(_net, xt, yt, at, rows, scale, gradient);
    }

    private readonly struct ForwardCall(NetShape net, TileScratch scratch, RowSource source, int first, int count, CancellationToken cancellation)
        : ILaneCall<double>
    {
        private readonly NetShape _net = net;
        private readonly RowSource _source = source;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public double Run<TV>() where TV : struct, ILanes<TV> => TileKernel<TV>.Forward(_net, scratch, _source, first, count, cancellation);
    }
}

/// <summary><see cref="TileKernel"/> for one lane implementation.</summary>
/// <remarks>
/// The entry points (<see cref="Gradient"/>, <see cref="SingleTile"/>, <see cref="Forward"/>) are never inlined into their
/// callers: each is compiled as a method of its own (ahead of the first fit, by <c>TrainingCompilation</c>), in which every
/// step down to the lane operators is a forced inline, so the JIT inlines all of them.
/// </remarks>
internal static unsafe class TileKernel<TV> where TV : struct, ILanes<TV>
{
    private const int Lanes = TileKernel.Lanes;
    private const int BlockTiles = TileScratch.BlockTiles;
    private const int CancellationRows = TileKernel.CancellationRows;

    /// <summary>
    /// Forward and backward over positions [<paramref name="first"/>, +<paramref name="count"/>) of
    /// <paramref name="source"/>: writes this chunk's gradient of the loss (dL/dŷ = scale·(ŷ − y)) into
    /// <paramref name="gradient"/> (overwriting it) and returns its sum of squared errors. Returns NaN without a
    /// gradient when <paramref name="cancellation"/> is cancelled (checked every <see cref="TileKernel.CancellationRows"/> rows).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static double Gradient(in NetShape net, TileScratch scratch, in RowSource source, int first, int count, float scale,
        float* gradient, CancellationToken cancellation)
    {
        int d = net.D, h = net.H, p = net.ParameterCount;
        float* acc = scratch.Accumulators;
        for (int k = 0; k < p; k++)
        {
            TV.Store(acc + k * Lanes, TV.Zero);
        }
        TV loss = TV.Zero, gB2 = TV.Zero;

        for (int blockStart = 0; blockStart < count; blockStart += TileScratch.BlockRows)
        {
            if (blockStart % CancellationRows == 0 && cancellation.IsCancellationRequested)
            {
                return double.NaN;
            }
            int blockRows = Math.Min(TileScratch.BlockRows, count - blockStart);
            int position = first + blockStart;
            TileKernel.Block(source, d, position, blockRows, scratch, out float* xb, out float* yb);
            int tiles;
            if (blockRows == TileScratch.BlockRows)
            {
                FullBlock(net, xb, yb, scratch.ATiles, acc, scale, ref loss, ref gB2);
                tiles = BlockTiles;
            }
            else
            {
                tiles = (blockRows + Lanes - 1) / Lanes;
                for (int t = 0; t < tiles; t++)
                {
                    OneTile(net, xb + t * d * Lanes, yb + t * Lanes, scratch.ATiles + t * h * Lanes, acc, scale,
                        blockRows - t * Lanes, ref loss, ref gB2);
                }
            }
            AccumulateW1(d, h, xb, scratch.ATiles, acc, tiles);
        }

        TV.Store(acc + (p - 1) * Lanes, gB2);
        for (int k = 0; k < p; k++)
        {
            gradient[k] = TV.Sum(TV.Load(acc + k * Lanes));
        }
        return TV.Sum(loss);
    }

    /// <summary>
    /// <see cref="Gradient"/> for a whole batch of at most 16 rows already in tile layout (XOR's 4 rows): the same
    /// operations lane for lane, and so the same result, but with the chunk's sums taken straight from the vectors, without
    /// accumulators (a sum starting from zero adds nothing), which is what matters when an epoch is a few hundred cycles.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static double SingleTile(in NetShape net, float* xt, float* yt, float* at, int rows, float scale, float* gradient)
        => rows <= 4 ? SingleTile<SumFirst4>(net, xt, yt, at, rows, scale, gradient) : SingleTile<SumAll>(net, xt, yt, at, rows, scale, gradient);

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static double SingleTile<TS>(in NetShape net, float* xt, float* yt, float* at, int rows, float scale, float* gradient)
        where TS : struct, ISum
    {
        int d = net.D, h = net.H;
        float* w2 = net.Theta + (d + 1) * h;
        float* gB1 = gradient + d * h, gW2 = gB1 + h;
        TV yHat = ForwardTile(net, xt, at);
        TV error = TV.KeepFirst(yHat - TV.Load(yt), rows);
        TV delta2 = LaneMath.SigmoidDelta(TV.Create(scale) * error, yHat);
        gW2[h] = TS.Sum(delta2);
        for (int j = 0; j < h; j++)
        {
            TV a = TV.Load(at + j * Lanes);
            gW2[j] = TS.Sum(a * delta2);
            TV delta1 = LaneMath.SigmoidDelta(delta2 * TV.Create(w2[j]), a);
            gB1[j] = TS.Sum(delta1);
            for (int i = 0; i < d; i++)
            {
                gradient[i * h + j] = TS.Sum(TV.Load(xt + i * Lanes) * delta1);
            }
        }
        return TS.Sum(error * error);
    }

    /// <summary>How <see cref="SingleTile{TS}"/> sums a vector whose lanes from <c>rows</c> on are zero.</summary>
    private interface ISum
    {
        static abstract float Sum(TV value);
    }

    private readonly struct SumAll : ISum
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Sum(TV value) => TV.Sum(value);
    }

    /// <summary>At most 4 rows: lanes 4–15 are zero, so only the first four need adding.</summary>
    private readonly struct SumFirst4 : ISum
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Sum(TV value) => TV.SumFirst4(value);
    }

    /// <summary>
    /// Forward and the backward up to δ1 for four whole tiles at once: leaves δ1 of tile t, unit j at
    /// <c>deltas + (t·H + j)·16</c> and adds into the dW2 and db1 accumulators, the squared error and db2.
    /// Lane for lane the same operations, in the same order, as <see cref="OneTile"/> on each tile in turn.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static void FullBlock(in NetShape net, float* xb, float* yb, float* deltas, float* acc, float scale, ref TV loss, ref TV gB2)
    {
        int d = net.D, h = net.H;
        float* w1 = net.Theta, b1 = w1 + d * h, w2 = b1 + h;
        float* accB1 = acc + d * h * Lanes, accW2 = accB1 + h * Lanes;
        int xs = d * Lanes, hs = h * Lanes;
        float* x0 = xb, x1 = xb + xs, x2 = xb + 2 * xs, x3 = xb + 3 * xs;
        TV o0 = TV.Zero, o1 = TV.Zero, o2 = TV.Zero, o3 = TV.Zero;
        for (int j = 0; j < h; j++)
        {
            // Z1 = X·W1 + b1 (the first product, then fused multiply-adds in input order, then the bias), A1 = σ(Z1)
            float* column = w1 + j;
            TV w = TV.Create(column[0]);
            TV z0 = TV.Load(x0) * w, z1 = TV.Load(x1) * w;
            TV z2 = TV.Load(x2) * w, z3 = TV.Load(x3) * w;
            for (int i = 1; i < d; i++)
            {
                w = TV.Create(column[i * h]);
                int offset = i * Lanes;
                z0 = TV.Fma(TV.Load(x0 + offset), w, z0);
                z1 = TV.Fma(TV.Load(x1 + offset), w, z1);
                z2 = TV.Fma(TV.Load(x2 + offset), w, z2);
                z3 = TV.Fma(TV.Load(x3 + offset), w, z3);
            }
            TV bias = TV.Create(b1[j]);
            TV a0 = LaneMath.Sigmoid(z0 + bias), a1 = LaneMath.Sigmoid(z1 + bias);
            TV a2 = LaneMath.Sigmoid(z2 + bias), a3 = LaneMath.Sigmoid(z3 + bias);
            float* slot = deltas + j * Lanes;
            TV.Store(slot, a0);
            TV.Store(slot + hs, a1);
            TV.Store(slot + 2 * hs, a2);
            TV.Store(slot + 3 * hs, a3);
            // Z2 = A1·W2, fused in unit order
            TV v = TV.Create(w2[j]);
            o0 = TV.Fma(a0, v, o0);
            o1 = TV.Fma(a1, v, o1);
            o2 = TV.Fma(a2, v, o2);
            o3 = TV.Fma(a3, v, o3);
        }
        // ŷ = σ(Z2 + b2); loss += e² (fused), e = ŷ − y; δ2 = c·e·ŷ(1 − ŷ); db2 += δ2
        TV bias2 = TV.Create(w2[h]), c = TV.Create(scale);
        TV y0 = LaneMath.Sigmoid(o0 + bias2), y1 = LaneMath.Sigmoid(o1 + bias2);
        TV y2 = LaneMath.Sigmoid(o2 + bias2), y3 = LaneMath.Sigmoid(o3 + bias2);
        TV e0 = y0 - TV.Load(yb), e1 = y1 - TV.Load(yb + Lanes);
        TV e2 = y2 - TV.Load(yb + 2 * Lanes), e3 = y3 - TV.Load(yb + 3 * Lanes);
        loss = TV.Fma(e3, e3, TV.Fma(e2, e2, TV.Fma(e1, e1, TV.Fma(e0, e0, loss))));
        TV d0 = LaneMath.SigmoidDelta(c * e0, y0), d1 = LaneMath.SigmoidDelta(c * e1, y1);
        TV d2 = LaneMath.SigmoidDelta(c * e2, y2), d3 = LaneMath.SigmoidDelta(c * e3, y3);
        gB2 = gB2 + d0 + d1 + d2 + d3;
        for (int j = 0; j < h; j++)
        {
            // dW2[j] += A1[j]·δ2 (fused, tile by tile); δ1[j] = δ2·W2[j]·A1[j](1 − A1[j]), which replaces A1[j]; db1[j] += δ1[j]
            float* slot = deltas + j * Lanes;
            TV a0 = TV.Load(slot), a1 = TV.Load(slot + hs), a2 = TV.Load(slot + 2 * hs), a3 = TV.Load(slot + 3 * hs);
            float* gw2 = accW2 + j * Lanes;
            TV.Store(gw2, TV.Fma(a3, d3, TV.Fma(a2, d2, TV.Fma(a1, d1, TV.Fma(a0, d0, TV.Load(gw2))))));
            TV v = TV.Create(w2[j]);
            TV q0 = LaneMath.SigmoidDelta(d0 * v, a0), q1 = LaneMath.SigmoidDelta(d1 * v, a1);
            TV q2 = LaneMath.SigmoidDelta(d2 * v, a2), q3 = LaneMath.SigmoidDelta(d3 * v, a3);
            float* gb1 = accB1 + j * Lanes;
            TV.Store(gb1, TV.Load(gb1) + q0 + q1 + q2 + q3);
            TV.Store(slot, q0);
            TV.Store(slot + hs, q1);
            TV.Store(slot + 2 * hs, q2);
            TV.Store(slot + 3 * hs, q3);
        }
    }

    /// <summary>
    /// The forward pass over one tile: Z1 = X·W1 + b1, A1 = σ(Z1) (stored to <paramref name="at"/> for the backward
    /// pass), Z2 = A1·W2 + b2; returns ŷ = σ(Z2), one lane per row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static TV ForwardTile(in NetShape net, float* xt, float* at)
    {
        int d = net.D, h = net.H;
        float* w1 = net.Theta, b1 = w1 + d * h, w2 = b1 + h;
        TV o = TV.Zero;
        for (int j = 0; j < h; j++)
        {
            float* column = w1 + j;
            TV z = TV.Load(xt) * TV.Create(column[0]);
            for (int i = 1; i < d; i++)
            {
                z = TV.Fma(TV.Load(xt + i * Lanes), TV.Create(column[i * h]), z);
            }
            TV a = LaneMath.Sigmoid(z + TV.Create(b1[j]));
            TV.Store(at + j * Lanes, a);
            o = TV.Fma(a, TV.Create(w2[j]), o);
        }
        return LaneMath.Sigmoid(o + TV.Create(w2[h]));
    }

    /// <summary><see cref="FullBlock"/> for one tile of which the first <paramref name="rows"/> (≤ 16 counts) are real.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static void OneTile(in NetShape net, float* xt, float* yt, float* at, float* acc, float scale, int rows, ref TV loss, ref TV gB2)
    {
        int d = net.D, h = net.H;
        float* w2 = net.Theta + (d + 1) * h;
        float* accB1 = acc + d * h * Lanes, accW2 = accB1 + h * Lanes;
        TV yHat = ForwardTile(net, xt, at);
        TV error = TV.KeepFirst(yHat - TV.Load(yt), rows);
        loss = TV.Fma(error, error, loss);
        TV delta2 = LaneMath.SigmoidDelta(TV.Create(scale) * error, yHat);
        gB2 += delta2;
        for (int j = 0; j < h; j++)
        {
            float* slot = at + j * Lanes;
            TV a = TV.Load(slot);
            TV.Store(accW2 + j * Lanes, TV.Fma(a, delta2, TV.Load(accW2 + j * Lanes)));
            TV delta1 = LaneMath.SigmoidDelta(delta2 * TV.Create(w2[j]), a);
            TV.Store(accB1 + j * Lanes, TV.Load(accB1 + j * Lanes) + delta1);
            TV.Store(slot, delta1);
        }
    }

    /// <summary>dW1 += Xᵀ·δ1 over the block's first <paramref name="tiles"/> tiles (tile by tile, in order, per weight).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static void AccumulateW1(int d, int h, float* xb, float* deltas, float* acc, int tiles)
    {
        int xs = d * Lanes, hs = h * Lanes;
        if (tiles == BlockTiles)
        {
            for (int i = 0; i < d; i++)
            {
                float* xi = xb + i * Lanes;
                TV x0 = TV.Load(xi), x1 = TV.Load(xi + xs), x2 = TV.Load(xi + 2 * xs), x3 = TV.Load(xi + 3 * xs);
                float* row = acc + i * hs;
                float* delta = deltas;
                for (int j = 0; j < h; j++)
                {
                    TV s = TV.Fma(x0, TV.Load(delta), TV.Load(row));
                    s = TV.Fma(x1, TV.Load(delta + hs), s);
                    s = TV.Fma(x2, TV.Load(delta + 2 * hs), s);
                    s = TV.Fma(x3, TV.Load(delta + 3 * hs), s);
                    TV.Store(row, s);
                    row += Lanes;
                    delta += Lanes;
                }
            }
            return;
        }
        for (int i = 0; i < d; i++)
        {
            float* row = acc + i * hs;
            for (int j = 0; j < h; j++)
            {
                TV s = TV.Load(row + j * Lanes);
                for (int t = 0; t < tiles; t++)
                {
                    s = TV.Fma(TV.Load(xb + t * xs + i * Lanes), TV.Load(deltas + t * hs + j * Lanes), s);
                }
                TV.Store(row + j * Lanes, s);
            }
        }
    }

    /// <summary>
    /// Forward only over positions [<paramref name="first"/>, +<paramref name="count"/>) of a source with targets:
    /// returns the sum of squared errors; NaN when cancelled.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static double Forward(in NetShape net, TileScratch scratch, in RowSource source, int first, int count,
        CancellationToken cancellation)
    {
        int d = net.D;
        TV loss = TV.Zero;
        for (int blockStart = 0; blockStart < count; blockStart += TileScratch.BlockRows)
        {
            if (blockStart % CancellationRows == 0 && cancellation.IsCancellationRequested)
            {
                return double.NaN;
            }
            int blockRows = Math.Min(TileScratch.BlockRows, count - blockStart);
            int tiles = (blockRows + Lanes - 1) / Lanes;
            int position = first + blockStart;
            TileKernel.Block(source, d, position, blockRows, scratch, out float* xb, out float* yb);
            for (int t = 0; t < tiles; t++)
            {
                TV yHat = ForwardTile(net, xb + t * d * Lanes, scratch.ATiles);
                int n = Math.Min(Lanes, blockRows - t * Lanes);
                TV error = TV.KeepFirst(yHat - TV.Load(yb + t * Lanes), n);
                loss = TV.Fma(error, error, loss);
            }
        }
        return TV.Sum(loss);
    }
}
