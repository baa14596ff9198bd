using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace XorMlNet.Simd;

/// <summary>Which <see cref="ILanes{TV}"/> implementation the vector kernels use; all give bit-identical results.</summary>
internal enum LaneWidth
{
    /// <summary>The widest the machine accelerates.</summary>
    Auto = 0,

    /// <summary><see cref="Lanes128"/>: four <see cref="Vector128{T}"/>.</summary>
    Vector128 = 128,

    /// <summary><see cref="Lanes256"/>: two <see cref="Vector256{T}"/>.</summary>
    Vector256 = 256,

    /// <summary><see cref="Lanes512"/>: one <see cref="Vector512{T}"/>.</summary>
    Vector512 = 512,
}

/// <summary>
/// A call of a vector kernel, made by <see cref="LaneChoice.Run"/> for the lane implementation it chose: a struct that
/// holds the kernel's arguments and calls the kernel instantiated for that lane type.
/// </summary>
internal interface ILaneCall<out TResult>
{
    /// <summary>Calls the kernel instantiated for <typeparamref name="TV"/>.</summary>
    TResult Run<TV>() where TV : struct, ILanes<TV>;
}

/// <summary>
/// The one place that decides which lane implementation the vector kernels run: <see cref="Resolve"/> turns a request
/// into a width, and <see cref="Run"/> maps the width to its <see cref="ILanes{TV}"/> type. Training (through its
/// settings' lane width) and scoring (through the row scorer's) ask here; the tests force a width the same way.
/// </summary>
/// <remarks>
/// There is no scalar lane implementation: on a machine that accelerates none of the three widths, <see cref="Lanes128"/>
/// runs on the runtime's software fallback for <see cref="Vector128{T}"/>, with the same bits. The scalar path is the
/// reference kernels (<c>TwoLayerNetwork</c>), which the trainer chooses by its own setting.
/// </remarks>
internal static class LaneChoice
{
    /// <summary>
    /// The width <paramref name="requested"/> means on this machine: <see cref="LaneWidth.Auto"/> is the widest it
    /// accelerates (512, then 256, else 128); an explicit width is kept, accelerated or not, so that the tests can run
    /// every implementation on any machine.
    /// </summary>
    public static LaneWidth Resolve(LaneWidth requested) => requested switch
    {
        LaneWidth.Auto when Vector512.IsHardwareAccelerated => LaneWidth.Vector512,
        LaneWidth.Auto when Vector256.IsHardwareAccelerated => LaneWidth.Vector256,
        LaneWidth.Auto => LaneWidth.Vector128,
        _ => requested,
    };

    /// <summary>
    /// Makes <paramref name="call"/> for the lane implementation of <paramref name="width"/> (resolved as by
    /// <see cref="Resolve"/>). Inlined, with the call struct's method, into the caller: what remains is the branch on the
    /// width and a direct call of the kernel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TResult Run<TCall, TResult>(LaneWidth width, TCall call) where TCall : ILaneCall<TResult>, allows ref struct
        => Resolve(width) switch
        {
            LaneWidth.Vector512 => call.Run<Lanes512>(),
            LaneWidth.Vector256 => call.Run<Lanes256>(),
            _ => call.Run<Lanes128>(),
        };

    /// <summary>The <see cref="ILanes{TV}"/> type that <paramref name="width"/> runs (resolved as by <see cref="Resolve"/>).</summary>
    public static Type LaneType(LaneWidth width) => Run<LaneTypeCall, Type>(width, default);

    private readonly struct LaneTypeCall : ILaneCall<Type>
    {
        public Type Run<TV>() where TV : struct, ILanes<TV> => typeof(TV);
    }
}
