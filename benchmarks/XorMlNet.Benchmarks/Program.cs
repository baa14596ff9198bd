using BenchmarkDotNet.Running;

namespace XorMlNet.Benchmarks;

public static class Program
{
    /// <summary>
    /// <c>memory</c>: the peak-memory measurement of a Fit on the 1,000,000 × 16 table (see <see cref="MemoryMeasurement"/>).
    /// <c>paired</c>: the scoring comparisons with LbfgsLogisticRegression as paired measurements (see <see cref="PairedScoring"/>).
    /// <c>sweep</c>: the XOR seed sweeps behind the defaults' figures (see <see cref="SeedSweep"/>).
    /// <c>coldstart</c>: fresh processes timing what a user sees once (see <see cref="ColdStart"/>); <c>coldstart-child</c> is one of them.
    /// Anything else goes to BenchmarkDotNet (e.g. <c>--filter '*XorEpoch*'</c>, <c>--list flat</c>).
    /// </summary>
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "paired")
        {
            return PairedScoring.Run();
        }
        if (args.Length > 0 && args[0] == "coldstart")
        {
            return ColdStart.Run(args);
        }
        if (args is ["coldstart-child", string scenario])
        {
            return ColdStartChild.Run(scenario);
        }
        if (args.Length > 0 && args[0] == "sweep")
        {
            return SeedSweep.Run();
        }
        if (args.Length > 0 && args[0] == "memory")
        {
            return MemoryMeasurement.Run();
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, new SuiteConfig());
        return 0;
    }
}
