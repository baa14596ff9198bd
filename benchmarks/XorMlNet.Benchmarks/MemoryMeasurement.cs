using System.Diagnostics;
using Microsoft.ML;

namespace XorMlNet.Benchmarks;

/// <summary>
/// How much memory <c>Fit</c> needs on the 1,000,000 × 16 table (features 64 MB as float32): the table is built first
/// (1M row objects, then <c>LoadFromEnumerable</c>), the heap is collected, and then for each configuration we take
/// <list type="bullet">
/// <item>the bytes allocated during Fit, on all threads (<c>GC.GetTotalAllocatedBytes(precise: true)</c> after minus
/// before): an upper bound on what Fit can hold at once;</item>
/// <item>the peak of the managed heap above its size before Fit (<c>GC.GetTotalMemory(false)</c> sampled every
/// millisecond by a background thread; includes garbage not yet collected);</item>
/// <item>the model: its weights and loss history.</item>
/// </list>
/// Both are compared with the target of 1.3 × the feature matrix plus the model.
/// </summary>
public static class MemoryMeasurement
{
    public static int Run()
    {
        Console.WriteLine($"Building the {Data.LargeRows:N0} × {Data.LargeInputs} table ...");
        Data.WideRow[] rows = Data.SyntheticRows();
        var mlContext = new MLContext(seed: 0);
        IDataView data = mlContext.Data.LoadFromEnumerable(rows);
        const double matrix = (double)Data.LargeRows * Data.LargeInputs * sizeof(float);
        Console.WriteLine($"Feature matrix: {matrix / 1e6:F1} MB.");
        Console.WriteLine("| configuration | allocated during Fit | peak heap growth | model | target (1.3 × matrix + model) | allocated / matrix |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach ((int hidden, int batch, int epochs) in new[] { (2, 0, 5), (16, 0, 5), (64, 0, 2), (16, 256, 1), (64, 256, 1) })
        {
            var options = new XorMlpEstimator.Options
            {
                HiddenLayerSize = hidden, BatchSize = batch, NumberOfEpochs = epochs, LossTolerance = 0, MaxRestarts = 0,
                LearningRate = 0.1,
            };
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            long peak = 0;
            bool done = false;
            var sampler = new Thread(() =>
            {
                while (!Volatile.Read(ref done))
                {
                    peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false) - heapBefore);
                    Thread.Sleep(1);
                }
            }) { IsBackground = true };
            sampler.Start();
            var clock = Stopwatch.StartNew();
            XorMlpTransformer model = new XorMlpEstimator(mlContext, options).Fit(data);
            clock.Stop();
            Volatile.Write(ref done, true);
            sampler.Join();
            peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false) - heapBefore);
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            double modelBytes = ((Data.LargeInputs + 2) * hidden + 1) * sizeof(float) + model.Model.EpochsRun * sizeof(double);
            double target = 1.3 * matrix + modelBytes;
            Console.WriteLine($"| H={hidden}, {(batch == 0 ? "full batch" : $"batch {batch}")}, {epochs} epochs ({clock.Elapsed.TotalSeconds:F2} s) " +
                $"| {allocated / 1e6:F1} MB | {peak / 1e6:F1} MB | {modelBytes / 1e3:F1} kB | {target / 1e6:F1} MB | {allocated / matrix:F3} |");
            GC.KeepAlive(model);
        }
        GC.KeepAlive(rows);
        return 0;
    }
}
