using System.Linq.Expressions;
using System.Reflection;
using System.Runtime;
using System.Runtime.CompilerServices;
using XorMlNet.Simd;
using XorMlNet.Training;

namespace XorMlNet.Tests.Performance;

/// <summary>
/// The lists of methods <see cref="TrainingCompilation"/> compiles ahead of a process's first fit: they name methods that
/// exist (it finds them by name), they are the ones compiled optimized from their first call, they follow the options,
/// and compiling them works on every lane width. Whether that makes the first fit faster is measured by the benchmarks'
/// <c>coldstart</c> mode, not here.
/// </summary>
[Collection(CompilationQueue.Name)]
public class TrainingCompilationTests
{
    /// <summary>Solver, L2 and lane width (as its bit count: the enum is internal).</summary>
    public static TheoryData<Solver, bool, int> Configurations()
    {
        var data = new TheoryData<Solver, bool, int>();
        foreach (Solver solver in Enum.GetValues<Solver>())
        {
            foreach (LaneWidth width in new[] { LaneWidth.Vector128, LaneWidth.Vector256, LaneWidth.Vector512 })
            {
                data.Add(solver, false, (int)width);
                data.Add(solver, true, (int)width);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Methods_AreFoundAndCompiledOptimizedFromTheirFirstCall(Solver solver, bool l2, int width)
    {
        MethodInfo[] methods =
        [
            .. TrainingCompilation.EpochMethods(solver, l2, (LaneWidth)width),
            .. TrainingCompilation.TableMethods(chunks: true, miniBatches: true, validation: true, l2: true, (LaneWidth)width),
            .. TrainingCompilation.SparseMethods(validation: true),
        ];

        Assert.All(methods, m => Assert.True(m.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveOptimization),
            $"{m.DeclaringType}.{m.Name} is not marked AggressiveOptimization"));
        Assert.All(methods, m => Assert.False(m.ContainsGenericParameters, $"{m.DeclaringType}.{m.Name} is not instantiated"));
        TrainingCompilation.Compile(methods);
    }

    /// <summary>
    /// The caller's first report runs on the compilation thread, once however often it is passed, after what was queued
    /// before it; one that throws does not stop the thread. With one core nothing runs there.
    /// </summary>
    [Fact]
    public void Start_RunsTheFirstReportOnce_OnTheCompilationThread()
    {
        int runs = 0;
        string? threadName = null;
        using var thrown = new ManualResetEventSlim();
        using var drained = new ManualResetEventSlim();
        void Report()
        {
            Interlocked.Increment(ref runs);
            threadName = Thread.CurrentThread.Name;
        }
        void Throwing()
        {
            thrown.Set();
            throw new InvalidOperationException("a failing first report");
        }
        void Drained() => drained.Set();

        TrainingCompilation.Start(Solver.Adam, l2: true, Report);
        TrainingCompilation.Start(Solver.Adam, l2: true, Report);
        TrainingCompilation.Start(Solver.Adam, l2: true, Throwing);
        TrainingCompilation.Start(Solver.Adam, l2: true, Drained);

        if (Environment.ProcessorCount < 2)
        {
            Assert.Equal(0, runs);
            Assert.False(drained.IsSet);
            return;
        }
        Assert.True(drained.Wait(TimeSpan.FromMinutes(2)), "the compilation thread did not reach the last report");
        Assert.True(thrown.IsSet);
        Assert.Equal(1, runs);
        Assert.Equal("XorMlNet kernel compilation", threadName);
    }

    /// <summary>
    /// The caller's progress callback is compiled on the compilation thread and never called there: each method of a
    /// multicast delegate, counted by the JIT on that thread between two actions queued around it; a dynamic method
    /// (which cannot be compiled ahead) is left out and does not stop the thread. With one core nothing runs there.
    /// </summary>
    [Fact]
    public void StartProgress_CompilesTheCallbacksMethods_WithoutCallingThem()
    {
        int calls = 0;
        long before = -1, after = -1;
        using var drained = new ManualResetEventSlim();
        // The thread ends when its queue is empty and the next call starts another, whose count starts again: Before
        // holds it until everything is queued, so that both counts are taken on the same thread.
        using var queued = new ManualResetEventSlim();
        // Two lambdas that nothing else in the process calls or compiles, so their compilation shows in the count.
        Action<TrainingProgress> first = _ => Interlocked.Increment(ref calls);
        Action<TrainingProgress> second = p => Interlocked.Add(ref calls, p.Epoch);
        ParameterExpression progress = Expression.Parameter(typeof(TrainingProgress));
        Action<TrainingProgress> dynamic = Expression.Lambda<Action<TrainingProgress>>(Expression.Empty(), progress).Compile();
        Action<TrainingProgress> multicast = first + second + dynamic;
        void Before()
        {
            before = JitInfo.GetCompiledMethodCount(currentThread: true);
            queued.Wait(TimeSpan.FromMinutes(2));
        }
        void After()
        {
            after = JitInfo.GetCompiledMethodCount(currentThread: true);
            drained.Set();
        }
        // Compiled here, with what a wait that blocks runs, so that the count between them holds only what StartProgress queued.
        RuntimeHelpers.PrepareMethod(((Action)After).Method.MethodHandle);
        using (var warm = new ManualResetEventSlim())
        {
            warm.Wait(TimeSpan.FromMilliseconds(1));
        }

        Assert.Empty(TrainingCompilation.ProgressMethods(null));
        Assert.Equal([first.Method, second.Method], TrainingCompilation.ProgressMethods(multicast));

        TrainingCompilation.Start(Solver.GradientDescent, l2: false, Before);
        TrainingCompilation.StartProgress(null);
        TrainingCompilation.StartProgress(multicast);
        TrainingCompilation.Start(Solver.GradientDescent, l2: false, After);
        queued.Set();

        if (Environment.ProcessorCount < 2)
        {
            Assert.False(drained.IsSet);
            return;
        }
        Assert.True(drained.Wait(TimeSpan.FromMinutes(2)), "the compilation thread did not get past the callback");
        Assert.Equal(2, after - before);
        Assert.Equal(0, calls);
    }

    [Fact]
    public void Methods_FollowTheOptions()
    {
        static string[] Epoch(Solver solver, bool l2) => [.. TrainingCompilation.EpochMethods(solver, l2, LaneWidth.Vector256).Select(m => m.Name)];
        static string[] Table(bool chunks, bool miniBatches, bool validation, bool l2 = false)
            => [.. TrainingCompilation.TableMethods(chunks, miniBatches, validation, l2, LaneWidth.Vector256).Select(m => m.Name)];

        Assert.Contains("Step", Epoch(Solver.GradientDescent, false));
        Assert.DoesNotContain("MomentumStep", Epoch(Solver.GradientDescent, false));
        Assert.Contains("MomentumStep", Epoch(Solver.Momentum, false));
        Assert.Contains("AdamStep", Epoch(Solver.Adam, false));
        Assert.DoesNotContain("AddL2", Epoch(Solver.Adam, false));
        Assert.Contains("AddL2", Epoch(Solver.Adam, true));
        Assert.Contains("SingleTile", Epoch(Solver.Adam, false));

        Assert.Empty(Table(false, false, false));
        Assert.Contains("GradientChunk", Table(true, false, false));
        Assert.DoesNotContain("Shuffle", Table(true, false, false));
        Assert.Contains("Shuffle", Table(false, true, false));
        Assert.DoesNotContain("ForwardChunk", Table(true, true, false));
        Assert.Contains("ForwardChunk", Table(false, false, true));
        Assert.DoesNotContain("AddL2", Table(true, true, true));
        Assert.Equal(new[] { "AddL2", "MultiplyAdd", "Dot" }, Table(false, false, false, l2: true));

        string[] sparse = [.. TrainingCompilation.SparseMethods(validation: false).Select(m => $"{m.DeclaringType!.Name}.{m.Name}")];
        Assert.Contains("SparseEngine.Gradient", sparse);
        Assert.Contains("SparseEngine.ComputeChunk", sparse);
        Assert.DoesNotContain("SparseEngine.ValidationSquaredError", sparse);
        Assert.Contains("SparseEngine.ValidationSquaredError", TrainingCompilation.SparseMethods(validation: true).Select(m => $"{m.DeclaringType!.Name}.{m.Name}"));
    }
}

/// <summary>
/// The compilation queue is one per process: its tests run alone, so that no other test's fit queues work between the
/// actions a test queues around what it measures.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CompilationQueue
{
    public const string Name = "Compilation queue";
}
