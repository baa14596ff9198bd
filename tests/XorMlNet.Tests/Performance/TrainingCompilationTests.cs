using System.Reflection;
using XorMlNet.Training;

namespace XorMlNet.Tests.Performance;

/// <summary>
/// The list of methods <see cref="TrainingCompilation"/> compiles ahead of a process's first fit: it names methods that
/// exist (it finds them by name), they are the ones compiled optimized from their first call, and compiling them works on
/// every lane width. Whether that makes the first fit faster is measured by the benchmarks' <c>coldstart</c> mode, not here.
/// </summary>
public class TrainingCompilationTests
{
    /// <summary>Solver, L2, mini-batches and lane width (as its bit count: the enum is internal).</summary>
    public static TheoryData<Solver, bool, bool, int> Configurations()
    {
        var data = new TheoryData<Solver, bool, bool, int>();
        foreach (Solver solver in Enum.GetValues<Solver>())
        {
            foreach (LaneWidth width in new[] { LaneWidth.Vector128, LaneWidth.Vector256, LaneWidth.Vector512 })
            {
                data.Add(solver, false, false, (int)width);
                data.Add(solver, true, true, (int)width);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Methods_AreFoundAndCompiledOptimizedFromTheirFirstCall(Solver solver, bool l2, bool miniBatches, int width)
    {
        IReadOnlyList<MethodInfo> methods = TrainingCompilation.Methods(solver, l2, miniBatches, (LaneWidth)width);

        Assert.NotEmpty(methods);
        Assert.All(methods, m => Assert.True(m.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveOptimization),
            $"{m.DeclaringType}.{m.Name} is not marked AggressiveOptimization"));
        Assert.All(methods, m => Assert.False(m.ContainsGenericParameters, $"{m.DeclaringType}.{m.Name} is not instantiated"));
        TrainingCompilation.Compile(methods);
    }

    [Fact]
    public void Methods_FollowTheOptions()
    {
        static string[] Names(Solver solver, bool l2, bool miniBatches)
            => [.. TrainingCompilation.Methods(solver, l2, miniBatches, LaneWidth.Vector256).Select(m => m.Name)];

        Assert.Contains("GradientDescentStep", Names(Solver.GradientDescent, false, false));
        Assert.DoesNotContain("MomentumStep", Names(Solver.GradientDescent, false, false));
        Assert.Contains("MomentumStep", Names(Solver.Momentum, false, false));
        Assert.Contains("AdamStep", Names(Solver.Adam, false, false));
        Assert.DoesNotContain("AddL2", Names(Solver.Adam, false, false));
        Assert.Contains("AddL2", Names(Solver.Adam, true, false));
        Assert.DoesNotContain("Shuffle", Names(Solver.Adam, false, false));
        Assert.Contains("Shuffle", Names(Solver.Adam, false, true));
    }
}
