using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using XorMlNet.Network;

namespace XorMlNet.Training;

/// <summary>
/// Compiles the float training path on a background thread, once per process, so that the first <c>Fit</c> of a process
/// does not stop in its first epochs to wait for the JIT.
/// </summary>
/// <remarks>
/// The methods that carry the epochs are marked <see cref="MethodImplOptions.AggressiveOptimization"/>: the JIT compiles
/// them optimized at their first call instead of running them unoptimized (tier 0, then on-stack replacement) until
/// tiered compilation has recompiled them, which a single fit may never live to see. Compiling them optimized takes
/// time too, and without this class it falls inside the training loop: most of the loop's time in a fresh process's
/// first XOR fit. <see cref="Start"/> runs when an estimator is created, so the compilation overlaps what ML.NET does
/// before training (building the pipeline, fitting the transforms before this one, reading the table) on another core.
/// A method the training thread reaches while it is being compiled here waits for that compilation instead of
/// repeating it; whatever this thread has not reached yet is compiled by the training thread at its first call, as
/// without it. Only the lane width the machine uses is compiled.
/// </remarks>
internal static class TrainingCompilation
{
    private static int _started;

    /// <summary>
    /// Starts compiling on a background thread the first time it is called in the process; returns at once. Does nothing on
    /// a single core, where the thread could only take turns with the caller's (and would compile paths a fit may not take).
    /// </summary>
    public static void Start(Solver solver, bool l2, bool miniBatches)
    {
        if (Environment.ProcessorCount < 2 || Interlocked.Exchange(ref _started, 1) != 0)
        {
            return;
        }
        var thread = new Thread(() => Compile(solver, l2, miniBatches))
        {
            IsBackground = true,
            Name = "XorMlNet kernel compilation",
            Priority = ThreadPriority.BelowNormal,
        };
        thread.Start();
    }

    /// <summary>
    /// The methods of a float fit, in the order a fit first calls them: the epoch loop (and the random generator, which
    /// draws the initial weights) and the solver step, the kernel of a
    /// table of at most 16 rows, the chunked kernels of larger tables, the shuffle of mini-batches, the validation pass
    /// and L2 (when asked for).
    /// </summary>
    internal static IReadOnlyList<MethodInfo> Methods(Solver solver, bool l2, bool miniBatches, LaneWidth width)
    {
        Type run = typeof(NetworkTrainer).GetNestedType("Run`1", BindingFlags.NonPublic)!.MakeGenericType(typeof(float));
        Type kernel = width switch
        {
            LaneWidth.Vector512 => typeof(TileKernel<Vector512<float>, Lanes512>),
            LaneWidth.Vector256 => typeof(TileKernel<Pair256, Lanes256>),
            _ => typeof(TileKernel<Quad128, Lanes128>),
        };
        var methods = new List<MethodInfo>
        {
            Find(run, "TrainBound"),
            Find(run, "TrainEpoch"),
            Find(run, "StepSolver"),
            Find(typeof(Kernels), nameof(Kernels.AllFinite), typeof(float)),
            Find(typeof(LossHistory), nameof(LossHistory.Add)),
            Find(typeof(NumpyRandom), nameof(NumpyRandom.NextUInt32)),
            Find(typeof(NumpyRandom), "Regenerate"),
        };
        methods.AddRange(solver switch
        {
            Solver.GradientDescent =>
            [
                Find(typeof(SolverSteps), nameof(SolverSteps.GradientDescentStep), typeof(float)),
                Find(typeof(Kernels), nameof(Kernels.MultiplyAdd), typeof(float)),
            ],
            Solver.Momentum => [Find(typeof(SolverSteps), nameof(SolverSteps.MomentumStep), typeof(float))],
            _ => [Find(typeof(SolverSteps), nameof(SolverSteps.AdamStep), typeof(float))],
        });
        methods.AddRange(
        [
            Find(typeof(FastEngine), nameof(FastEngine.Gradient)),
            Find(typeof(FastEngine), "SingleTile"),
            Find(kernel, "SingleTile"),
            Find(typeof(FastEngine), "GradientChunk"),
            Find(kernel, "Gradient"),
            Find(kernel, "FullBlock"),
            Find(typeof(TileKernel), nameof(TileKernel.LoadBlock)),
            Find(typeof(FastEngine), "RunChunk"),
            Find(typeof(FastEngine), "SumLosses"),
            Find(typeof(FastEngine), "Add"),
        ]);
        if (miniBatches)
        {
            methods.Add(Find(typeof(NetworkTrainer), "Shuffle"));
            methods.Add(Find(typeof(NumpyRandom), nameof(NumpyRandom.NextInt32)));
        }
        methods.AddRange(
        [
            Find(typeof(FastEngine), nameof(FastEngine.ValidationSquaredError)),
            Find(typeof(FastEngine), "ForwardChunk"),
            Find(kernel, "Forward"),
        ]);
        if (l2)
        {
            methods.Add(Find(typeof(SolverSteps), nameof(SolverSteps.AddL2), typeof(float)));
            methods.Add(Find(typeof(Kernels), nameof(Kernels.MultiplyAdd), typeof(float)));
            methods.Add(Find(typeof(Kernels), nameof(Kernels.Dot), typeof(float)));
        }
        return methods;
    }

    private static void Compile(Solver solver, bool l2, bool miniBatches)
    {
        IReadOnlyList<MethodInfo> methods;
        try
        {
            methods = Methods(solver, l2, miniBatches, FastEngine.Resolve(LaneWidth.Auto));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // An optimization only: every method is then compiled at its first call, as without this class.
            return;
        }
        Compile(methods);
    }

    /// <summary>Compiles each method (a no-op for one already compiled). Never throws: a method left out is compiled at its first call.</summary>
    internal static void Compile(IEnumerable<MethodInfo> methods)
    {
        foreach (MethodInfo method in methods)
        {
            try
            {
                RuntimeTypeHandle[] instantiation = [.. method.DeclaringType!.GetGenericArguments().Concat(method.GetGenericArguments()).Select(t => t.TypeHandle)];
                RuntimeHelpers.PrepareMethod(method.MethodHandle, instantiation);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // An optimization only: the method is compiled at its first call instead.
            }
        }
    }

    private static MethodInfo Find(Type type, string name, Type? typeArgument = null)
    {
        const BindingFlags Flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        MethodInfo method = type.GetMethods(Flags).Single(m => m.Name == name && m.IsGenericMethodDefinition == (typeArgument is not null));
        return typeArgument is null ? method : method.MakeGenericMethod(typeArgument);
    }
}
