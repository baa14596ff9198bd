using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace XorMlNet.Benchmarks;

/// <summary>
/// The suite's one configuration: a short job (1 launch, 2 warmup and 9 measured iterations) so that every benchmark
/// finishes in minutes on a 2-core machine, the memory diagnoser, medians, and rows/s and GFLOP/s where they apply.
/// </summary>
public sealed class SuiteConfig : ManualConfig
{
    public SuiteConfig()
    {
        Add(DefaultConfig.Instance);
        AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(9).WithId("Short"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, new ThroughputColumn(gigaflops: false), new ThroughputColumn(gigaflops: true));
        HideColumns(Column.Error, Column.StdDev);
        WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
    }
}

/// <summary>
/// Rows one invocation of the benchmark processes, and the number of input features (for flops per row
/// ≈ 4·d·H + 14·H, H from the benchmark's <c>H</c> parameter).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RowsAttribute(int rows, int inputs) : Attribute
{
    public int Rows { get; } = rows;

    public int Inputs { get; } = inputs;
}

/// <summary>Rows/s (or GFLOP/s) from the median time and the method's <see cref="RowsAttribute"/>.</summary>
public sealed class ThroughputColumn(bool gigaflops) : IColumn
{
    public string Id => gigaflops ? "GFLOP/s" : "Rows/s";

    public string ColumnName => Id;

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => gigaflops ? 1 : 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => gigaflops
        ? "Floating-point operations per second at the median time, counting 4·d·H + 14·H per row"
        : "Rows per second at the median time";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        RowsAttribute? rows = benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<RowsAttribute>();
        double? medianNs = summary[benchmarkCase]?.ResultStatistics?.Median;
        if (rows is null || medianNs is not > 0)
        {
            return "-";
        }
        double rowsPerSecond = rows.Rows / (medianNs.Value * 1e-9);
        if (!gigaflops)
        {
            return rowsPerSecond >= 1e6 ? $"{rowsPerSecond / 1e6:F2} M" : $"{rowsPerSecond / 1e3:F1} k";
        }
        object? h = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "H")?.Value;
        if (h is not int hidden)
        {
            return "-";
        }
        double flopsPerRow = 4.0 * rows.Inputs * hidden + 14.0 * hidden;
        return $"{rowsPerSecond * flopsPerRow / 1e9:F2}";
    }
}
