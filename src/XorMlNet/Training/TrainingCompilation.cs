using System.Reflection;
using System.Runtime.CompilerServices;
using XorMlNet.Network;
using XorMlNet.Simd;

namespace XorMlNet.Training;

/// <summary>
/// Compiles the float training path on a background thread, so that the first <c>Fit</c> of a process does not stop in
/// its first epochs to wait for the JIT.
/// </summary>
/// <remarks>
/// The methods that carry the epochs are marked <see cref="MethodImplOptions.AggressiveOptimization"/>: the JIT compiles
/// them optimized at their first call instead of running them unoptimized (tier 0, then on-stack replacement) until
/// tiered compilation has recompiled them, which a single fit may never live to see. Compiling them optimized takes
/// time too, and without this class it falls inside the training loop: most of the loop's time in a fresh process's
/// first XOR fit. The work is queued in three steps, each as soon as what it depends on is known: <see cref="Start"/>
/// when an estimator is created (the epoch loop, the solver step and the kernel of a table of at most 16 rows, and with
/// <see cref="StartProgress"/> the caller's progress callback), <see cref="StartForTable"/> when a fit begins to read
/// its table (the kernels of larger tables, mini-batches, the validation pass and L2, when the fit will use them), and
/// <see cref="StartForSparse"/> when the reader picks the compressed-row layout (the sparse engine's kernels). The
/// compilation then overlaps what ML.NET does before training (building the pipeline, fitting the transforms before
/// this one, reading the table) on another core. A method the training thread reaches while it is being compiled here
/// waits for that compilation instead of repeating it; whatever this thread has not reached yet is compiled by the
/// training thread at its first call, as without it. Only the lane width the machine uses is compiled, each method once
/// per process, and nothing on a single core, where the thread could only take turns with the caller's.
/// </remarks>
internal static class TrainingCompilation
{
    private static readonly object Gate = new();
    private static readonly Queue<Action> Pending = new();
    private static readonly HashSet<MethodInfo> Queued = [];
    private static bool _running;

    /// <summary>
    /// Queues the epoch loop, the solver step (and L2) and the small-table kernel, then <paramref name="firstReport"/>
    /// (run once per process: the caller's progress report done once ahead, e.g. the first formatting of a double, which
    /// would otherwise cost the first fit about a millisecond in the middle of its epochs); returns at once.
    /// </summary>
    public static void Start(Solver solver, bool l2, Action? firstReport = null)
        => Enqueue(() => EpochMethods(solver, l2, Width), firstReport);

    /// <summary>
    /// Queues the methods behind <paramref name="progress"/>, the caller's progress report (each of a multicast
    /// delegate's), which the training thread would otherwise compile at the first report, in the middle of the epochs;
    /// returns at once. A method that cannot be compiled ahead (e.g. a dynamic one) is compiled at its first call.
    /// </summary>
    public static void StartProgress(Delegate? progress) => Enqueue(() => ProgressMethods(progress));

    /// <summary>
    /// The methods that <paramref name="progress"/> calls directly, in its invocation order; none for null. Left out:
    /// dynamic methods (e.g. a compiled expression), which cannot be compiled ahead, and methods of collectible
    /// assemblies, which the queue's record of what it has seen would keep from being unloaded.
    /// </summary>
    internal static IReadOnlyList<MethodInfo> ProgressMethods(Delegate? progress)
        => progress is null
            ? []
            : [.. progress.GetInvocationList().Select(d => d.Method).Where(m => m.DeclaringType is not null && !m.Module.Assembly.IsCollectible)];

    /// <summary>
    /// Queues what a fit on <paramref name="rows"/> rows (null when the view does not know) will run besides
    /// <see cref="Start"/>'s methods, with L2 when <paramref name="l2"/> (the default penalty depends on the rows, so
    /// <see cref="Start"/> cannot know); returns at once.
    /// </summary>
    public static void StartForTable(long? rows, int batchSize, bool validation, bool l2)
    {
        bool smallFullBatch = rows <= TileKernel.Lanes && (batchSize == 0 || batchSize >= rows);
        bool miniBatches = batchSize > 0 && !(rows <= batchSize);
        Enqueue(() => TableMethods(chunks: !smallFullBatch, miniBatches, validation, l2, Width));
    }

    /// <summary>
    /// Queues the sparse engine's methods, once a fit knows that it reads its table as compressed rows (its
    /// <see cref="TableReader"/> has picked that layout); returns at once.
    /// </summary>
    public static void StartForSparse(bool validation) => Enqueue(() => SparseMethods(validation));

    private static LaneWidth Width => LaneChoice.Resolve(LaneWidth.Auto);

    /// <summary>
    /// The methods every float fit runs, in the order it first calls them: the epoch loop (and the random generator,
    /// which draws the initial weights), the solver step, L2 when asked for, and the kernel of a full batch of at most
    /// 16 rows (XOR's 4), with the copy that puts such a table in tile layout when the fit starts.
    /// </summary>
    internal static IReadOnlyList<MethodInfo> EpochMethods(Solver solver, bool l2, LaneWidth width)
    {
        Type run = typeof(TrainingRun<float>);
        var methods = new List<MethodInfo>
        {
            Find(typeof(NumpyRandom), nameof(NumpyRandom.NextUInt32)),
            Find(typeof(NumpyRandom), "Regenerate"),
            Find(run, "TrainBound"),
            Find(run, "TrainEpoch"),
            Find(run, "StepSolver"),
            Find(typeof(Kernels), nameof(Kernels.AllFinite), typeof(float)),
            Find(typeof(Kernels), nameof(Kernels.CopyAllFinite), typeof(float)),
            Find(typeof(LossHistory), nameof(LossHistory.Add)),
            Find(typeof(LossHistory), "Store"),
        };
        methods.AddRange(solver switch
        {
            Solver.GradientDescent =>
            [
                Find(typeof(TwoLayerNetwork<float>), nameof(TwoLayerNetwork<float>.Step)),
                Find(typeof(Kernels), nameof(Kernels.MultiplyAdd), typeof(float)),
            ],
            Solver.Momentum => [Find(typeof(SolverSteps), nameof(SolverSteps.MomentumStep), typeof(float))],
            _ => [Find(typeof(SolverSteps), nameof(SolverSteps.AdamStep), typeof(float))],
        });
        if (l2)
        {
            methods.AddRange(L2Methods());
        }
        methods.Add(Find(typeof(TileKernel), nameof(TileKernel.LoadBlock)));
        methods.Add(Find(typeof(FastEngine), nameof(FastEngine.BatchGradient)));
        methods.Add(Find(typeof(FastEngine), nameof(FastEngine.Gradient)));
        methods.Add(Find(typeof(FastEngine), "SingleTile"));
        methods.Add(Find(Kernel(width), "SingleTile"));
        return methods;
    }

    /// <summary>A round of chunks on the workers, whichever engine's chunks they are, and the in-order sum of their losses.</summary>
    private static MethodInfo[] RoundMethods() =>
    [
        Find(typeof(ChunkedEngine), "RunRound"),
        Find(typeof(ChunkWorkers), nameof(ChunkWorkers.Run)),
        Find(typeof(ChunkWorkers), "Work"),
        Find(typeof(ChunkedEngine), "RunChunk"),
        Find(typeof(ChunkedEngine), "SumLosses"),
    ];

    /// <summary>The L2 penalty's gradient and value, added to every batch's gradient when the penalty is not 0.</summary>
    private static MethodInfo[] L2Methods() =>
    [
        Find(typeof(SolverSteps), nameof(SolverSteps.AddL2), typeof(float)),
        Find(typeof(Kernels), nameof(Kernels.MultiplyAdd), typeof(float)),
        Find(typeof(Kernels), nameof(Kernels.Dot), typeof(float)),
    ];

    /// <summary>
    /// The methods a fit runs besides <see cref="EpochMethods"/> on a table of more than 16 rows (the chunked kernels),
    /// with mini-batches (the shuffle), with validation rows (the forward pass) and with L2.
    /// </summary>
    internal static IReadOnlyList<MethodInfo> TableMethods(bool chunks, bool miniBatches, bool validation, bool l2, LaneWidth width)
    {
        Type kernel = Kernel(width);
        var methods = new List<MethodInfo>();
        if (chunks)
        {
            methods.AddRange(RoundMethods());
            methods.AddRange(
            [
                Find(typeof(FastEngine), "ComputeChunk"),
                Find(typeof(FastEngine), "GradientChunk"),
                Find(kernel, "Gradient"),
                Find(kernel, "FullBlock"),
                Find(typeof(SpanMath), nameof(SpanMath.Add)),
            ]);
        }
        if (miniBatches)
        {
            methods.Add(Find(typeof(ValidationSplit), nameof(ValidationSplit.Shuffle)));
            methods.Add(Find(typeof(NumpyRandom), nameof(NumpyRandom.NextInt32)));
        }
        if (validation)
        {
            methods.AddRange(
            [
                Find(typeof(FastEngine), nameof(FastEngine.ValidationLoss)),
                Find(typeof(FastEngine), nameof(FastEngine.ValidationSquaredError)),
                Find(typeof(FastEngine), "ForwardChunk"),
                Find(kernel, "Forward"),
            ]);
        }
        if (l2)
        {
            methods.AddRange(L2Methods());
        }
        return methods;
    }

    /// <summary>
    /// The methods a fit on compressed rows runs besides <see cref="EpochMethods"/> and <see cref="TableMethods"/>: the
    /// sparse engine's gradient and its chunks, the round that runs them, and with validation rows its forward pass.
    /// </summary>
    internal static IReadOnlyList<MethodInfo> SparseMethods(bool validation)
    {
        var methods = new List<MethodInfo>
        {
            Find(typeof(SparseEngine), nameof(SparseEngine.BatchGradient)),
            Find(typeof(SparseEngine), nameof(SparseEngine.Gradient)),
            Find(typeof(SparseEngine), "ComputeChunk"),
        };
        methods.AddRange(RoundMethods());
        if (validation)
        {
            methods.Add(Find(typeof(SparseEngine), nameof(SparseEngine.ValidationLoss)));
            methods.Add(Find(typeof(SparseEngine), nameof(SparseEngine.ValidationSquaredError)));
        }
        return methods;
    }

    /// <summary>Compiles each method (a no-op for one already compiled). Never throws: a method left out is compiled at its first call.</summary>
    internal static void Compile(IEnumerable<MethodInfo> methods)
    {
        foreach (MethodInfo method in methods)
        {
            Compile(method);
        }
    }

    private static void Compile(MethodInfo method)
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

    /// <summary>
    /// Adds the methods not queued before, then <paramref name="action"/> if its method was not queued before, to the
    /// queue, and starts the thread that empties it if it is not running.
    /// </summary>
    private static void Enqueue(Func<IReadOnlyList<MethodInfo>> methods, Action? action = null)
    {
        if (Environment.ProcessorCount < 2)
        {
            return;
        }
        lock (Gate)
        {
            try
            {
                foreach (MethodInfo method in methods())
                {
                    if (Queued.Add(method))
                    {
                        Pending.Enqueue(() => Compile(method));
                    }
                }
                if (action is not null && Queued.Add(action.Method))
                {
                    Pending.Enqueue(action);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // An optimization only: every method is then compiled at its first call, as without this class.
                return;
            }
            if (_running || Pending.Count == 0)
            {
                return;
            }
            _running = true;
        }
        var thread = new Thread(Work) { IsBackground = true, Name = "XorMlNet kernel compilation" };
        thread.Start();
    }

    private static void Work()
    {
        while (true)
        {
            Action? work;
            lock (Gate)
            {
                if (!Pending.TryDequeue(out work))
                {
                    _running = false;
                    return;
                }
            }
            try
            {
                work();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // An optimization only: what failed here runs at its first use instead.
            }
        }
    }

    private static Type Kernel(LaneWidth width) => TileKernel.For(width);

    private static MethodInfo Find(Type type, string name, Type? typeArgument = null)
    {
        const BindingFlags Flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        MethodInfo method = type.GetMethods(Flags).Single(m => m.Name == name && m.IsGenericMethodDefinition == (typeArgument is not null));
        return typeArgument is null ? method : method.MakeGenericMethod(typeArgument);
    }
}
