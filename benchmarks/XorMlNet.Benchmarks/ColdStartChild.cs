using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace XorMlNet.Benchmarks;

/// <summary>
/// What one fresh process of <see cref="ColdStart"/> does: exactly what a user's program does, once, timed from inside.
/// Writes <c>result NAME VALUE</c> lines (milliseconds unless the name says otherwise) for the parent to collect, and a
/// <c>first-score</c> line the moment the first row has been scored (the parent times process start to that line).
/// </summary>
public static class ColdStartChild
{
    public static int Run(string scenario)
    {
        switch (scenario.Split(':'))
        {
            case ["notebook"]:
                Notebook();
                return 0;
            case ["defaults"]:
                Defaults();
                return 0;
            case ["xor-epochs"]:
                XorEpochs();
                return 0;
            case ["read", string how]:
                Read(how);
                return 0;
            case ["cancel", string after]:
                Cancel(after == "before" ? -1 : int.Parse(after, CultureInfo.InvariantCulture));
                return 0;
            case ["large", string h, string batch]:
                Large(int.Parse(h, CultureInfo.InvariantCulture), int.Parse(batch, CultureInfo.InvariantCulture));
                return 0;
            case ["sparse", string h, string batch]:
                Sparse(int.Parse(h, CultureInfo.InvariantCulture), int.Parse(batch, CultureInfo.InvariantCulture));
                return 0;
            default:
                Console.Error.WriteLine($"unknown scenario '{scenario}'");
                return 1;
        }
    }

    /// <summary>
    /// The notebook's configuration as a user fits it once: the ML.NET pipeline warmed by one 1,000-epoch fit of the same
    /// pipeline, then <c>LoadFromEnumerable</c> + <c>Concatenate</c> + <c>Fit</c> with <see cref="XorMlpEstimator.Options.Notebook"/> timed once.
    /// </summary>
    private static void Notebook()
    {
        var mlContext = new MLContext(seed: 0);
        XorMlpEstimator.Options warm = XorMlpEstimator.Options.Notebook();
        warm.NumberOfEpochs = 1_000;
        var clock = Stopwatch.StartNew();
        FitXor(mlContext, new XorMlpEstimator(mlContext, warm));
        Report("warm-fit-1000", clock.Elapsed.TotalMilliseconds);

        clock.Restart();
        TransformerChain<XorMlpTransformer> model = FitXor(mlContext, new XorMlpEstimator(mlContext, XorMlpEstimator.Options.Notebook()));
        double fit = clock.Elapsed.TotalMilliseconds;
        Report("notebook-fit", fit);
        Report("notebook-final-loss", model.LastTransformer.Model.TrainingLossHistory[^1]);

        // The same fit again in the same process: what BenchmarkDotNet's XorNotebookFit sees after its warm-up, but only once.
        clock.Restart();
        FitXor(mlContext, new XorMlpEstimator(mlContext, XorMlpEstimator.Options.Notebook()));
        Report("notebook-second-fit", clock.Elapsed.TotalMilliseconds);
    }

    /// <summary>
    /// The example's scenario: all defaults with a progress callback every 50 epochs (printed, as the example prints it), then
    /// the first row scored through a <c>PredictionEngine</c>.
    /// </summary>
    private static void Defaults()
    {
        var clock = Stopwatch.StartNew();
        var mlContext = new MLContext(seed: 0);
        TimeSpan trainingLoop = TimeSpan.Zero;
        var options = new XorMlpEstimator.Options
        {
            ProgressInterval = 50,
            Progress = p =>
            {
                trainingLoop = p.Elapsed;
                Console.Write($"\rEpoch {p.Epoch,7}  training loss {p.TrainingLoss:F6}  {p.Elapsed.TotalMilliseconds,6:F0} ms");
            },
        };
        Console.WriteLine("Training the 2-2-1 sigmoid network on XOR...");
        double start = clock.Elapsed.TotalMilliseconds;
        TransformerChain<XorMlpTransformer> model = FitXor(mlContext, mlContext.BinaryClassification.Trainers.XorMlp(options));
        double fit = clock.Elapsed.TotalMilliseconds - start;
        PredictionEngine<Data.XorRow, Data.Prediction> engine = mlContext.Model.CreatePredictionEngine<Data.XorRow, Data.Prediction>(model);
        Data.Prediction prediction = engine.Predict(Data.XorRows[1]);
        Console.WriteLine();
        Console.WriteLine("first-score");
        double scored = clock.Elapsed.TotalMilliseconds;
        Report("defaults-fit", fit);
        Report("defaults-training-loop", trainingLoop.TotalMilliseconds);
        Report("defaults-epochs", model.LastTransformer.Model.EpochsRun);
        Report("defaults-main-to-first-score", scored);
        Report("defaults-jit-ms-to-first-score", JitInfo.GetCompilationTime(currentThread: false).TotalMilliseconds);
        Report("defaults-jit-methods-to-first-score", JitInfo.GetCompiledMethodCount(currentThread: false));
        Report("defaults-probability", prediction.Probability);
    }

    /// <summary>
    /// The notebook's network from the first epoch of the process's first fit, without a warm-up: three fits of 20,000
    /// epochs, timed per 1,000 epochs through the progress callback. Interval 1 of fit 1 (epochs 1–1,000) runs before any
    /// progress report; interval 2 also holds the first report (ML.NET's log message, formatted for the first time).
    /// </summary>
    private static void XorEpochs()
    {
        var mlContext = new MLContext(seed: 0);
        for (int fit = 1; fit <= 3; fit++)
        {
            var progress = new ProgressRecord(reports: 20);
            XorMlpEstimator.Options options = XorMlpEstimator.Options.Notebook();
            options.NumberOfEpochs = 20_000;
            options.ProgressInterval = 1_000;
            options.Progress = p => progress.Add(p);
            FitXor(mlContext, new XorMlpEstimator(mlContext, options));
            progress.ReportIntervals($"fit{fit}-interval");
            Report($"fit{fit}-jit-methods-after-first-report", progress.CompiledAfterFirstReport);
        }
    }

    /// <summary>
    /// Reading the 1,000,000 × 16 table (a <c>LoadFromEnumerable</c> view, as in <see cref="Large"/>): <c>ours</c> is what
    /// <c>Fit</c> does with it (the float matrix and labels), <c>cache</c> is ML.NET's <c>Cache</c> of the same view and a
    /// cursor pass over its two columns (which fills the cache). The first read of the process, then five more.
    /// </summary>
    private static void Read(string how)
    {
        var mlContext = new MLContext(seed: 0);
        IDataView data = mlContext.Data.LoadFromEnumerable(Data.SyntheticRows());
        for (int k = 0; k <= 5; k++)
        {
            var clock = Stopwatch.StartNew();
            double check = how switch
            {
                "ours" => TableReader.Read(mlContext, data, "Features", "Label", CancellationToken.None).Labels[^1],
                "cache" => CachePass(mlContext.Data.Cache(data)),
                _ => throw new ArgumentException($"unknown reader '{how}'", nameof(how)),
            };
            Report(k == 0 ? "read-first" : $"read-again{k}", clock.Elapsed.TotalMilliseconds);
            GC.KeepAlive(check);
        }
    }

    /// <summary>
    /// Cancellation: <c>Fit</c> (H = 16, full batch, 100 epochs) on 5,000,000 lazily generated rows of 16 features, a view
    /// that does not know its row count, with its token cancelled before the call (<paramref name="afterMs"/> &lt; 0) or
    /// that many milliseconds into it. Reports how long after the cancellation Fit threw, and what it allocated.
    /// </summary>
    private static void Cancel(int afterMs)
    {
        const int Rows = 5_000_000, Inputs = 16;
        static IEnumerable<Data.WideRow> Generate()
        {
            uint state = 12345;
            for (int r = 0; r < Rows; r++)
            {
                var features = new float[Inputs];
                for (int i = 0; i < Inputs; i++)
                {
                    state = state * 1664525u + 1013904223u;
                    features[i] = (state >> 8) * (1f / (1 << 24)) - 0.5f;
                }
                yield return new Data.WideRow { Features = features, Label = features[0] * features[1] > 0 };
            }
        }

        var mlContext = new MLContext(seed: 0);
        IDataView data = mlContext.Data.LoadFromEnumerable(Generate());
        using var cancellation = new CancellationTokenSource();
        var options = new XorMlpEstimator.Options
        {
            HiddenLayerSize = 16, NumberOfEpochs = 100, Solver = Solver.GradientDescent, LearningRate = 0.1, LossTolerance = 0, MaxRestarts = 0,
            CancellationToken = cancellation.Token,
        };
        var estimator = new XorMlpEstimator(mlContext, options);
        long cancelledAt = 0;
        var clock = Stopwatch.StartNew();
        if (afterMs < 0)
        {
            cancellation.Cancel();
        }
        else
        {
            var timer = new Thread(() =>
            {
                Thread.Sleep(afterMs);
                Volatile.Write(ref cancelledAt, clock.ElapsedTicks);
                cancellation.Cancel();
            }) { IsBackground = true };
            timer.Start();
        }
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        string outcome = "completed";
        try
        {
            estimator.Fit(data);
        }
        catch (OperationCanceledException)
        {
            outcome = "cancelled";
        }
        long returnedAt = clock.ElapsedTicks;
        Report("cancel-fit-returned-ms", returnedAt * 1e3 / Stopwatch.Frequency);
        Report("cancel-latency-ms", (returnedAt - Volatile.Read(ref cancelledAt)) * 1e3 / Stopwatch.Frequency);
        Report("cancel-allocated-mb", (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1e6);
        Report("cancel-threw", outcome == "cancelled" ? 1 : 0);
    }

    private static double CachePass(IDataView cached)
    {
        DataViewSchema.Column features = cached.Schema["Features"], label = cached.Schema["Label"];
        using DataViewRowCursor cursor = cached.GetRowCursor([features, label]);
        ValueGetter<VBuffer<float>> getFeatures = cursor.GetGetter<VBuffer<float>>(features);
        ValueGetter<bool> getLabel = cursor.GetGetter<bool>(label);
        VBuffer<float> buffer = default;
        bool value = false;
        double sum = 0;
        while (cursor.MoveNext())
        {
            getFeatures(ref buffer);
            getLabel(ref value);
            sum += buffer.GetValues()[0];
        }
        return sum;
    }

    /// <summary>
    /// The 1,000,000 × 16 table: the first fit of the process, each epoch timed through the progress callback; then a
    /// second and a third fit of the same configuration, whose epochs are the steady state of this process.
    /// </summary>
    private static void Large(int hidden, int batch)
    {
        var mlContext = new MLContext(seed: 0);
        ThreeFits(mlContext, mlContext.Data.LoadFromEnumerable(Data.SyntheticRows()), hidden, batch);
    }

    /// <summary>
    /// The sparse table (<see cref="Data.SparseTable"/>, a <c>LoadFromEnumerable</c> view of sparse vectors, which
    /// <c>Fit</c> reads as compressed rows): the first fit of the process, then two more, as <see cref="Large"/>.
    /// </summary>
    private static void Sparse(int hidden, int batch)
    {
        var mlContext = new MLContext(seed: 0);
        ThreeFits(mlContext, mlContext.Data.LoadFromEnumerable(Data.SparseTable(), Data.SparseSchema()), hidden, batch);
    }

    /// <summary>
    /// Three fits of the same configuration on <paramref name="data"/> (gradient descent, lr 0.1; full batch 5 epochs,
    /// mini-batches 3), each epoch timed through the progress callback: the first fit is the process's first, the third
    /// the steady state of this process.
    /// </summary>
    private static void ThreeFits(MLContext mlContext, IDataView data, int hidden, int batch)
    {
        int epochs = batch == 0 ? 5 : 3;
        for (int fit = 1; fit <= 3; fit++)
        {
            var progress = new ProgressRecord(reports: epochs);
            var options = new XorMlpEstimator.Options
            {
                HiddenLayerSize = hidden, BatchSize = batch, NumberOfEpochs = epochs, Solver = Solver.GradientDescent, LearningRate = 0.1, Seed = 1,
                LossTolerance = 0, MaxRestarts = 0, ProgressInterval = 1,
                Progress = p => progress.Add(p),
            };
            var clock = Stopwatch.StartNew();
            new XorMlpEstimator(mlContext, options).Fit(data);
            double total = clock.Elapsed.TotalMilliseconds;
            progress.ReportIntervals($"fit{fit}-epoch");
            Report($"fit{fit}-total", total);
            Report($"fit{fit}-outside-epochs", total - progress.LastElapsed);
            Report($"fit{fit}-jit-methods-after-first-report", progress.CompiledAfterFirstReport);
        }
    }

    /// <summary>
    /// What a fit's progress callback records: each report's elapsed time (in an array: a List's methods would be
    /// compiled in the first report, inside the interval measured) and the methods the JIT compiles on the training
    /// thread after the first report and up to the last (<see cref="JitInfo.GetCompiledMethodCount"/> of the thread
    /// that runs the epochs and the reports). Epoch 1 has no report before it; what it compiles shows in a listing
    /// (<c>DOTNET_JitStdOutFile</c> with <c>DOTNET_JitDisasmSummary=1</c>). The callback itself is the caller's lambda,
    /// compiled as a user's would be; what it calls here is compiled before the fit, so that recording costs no interval
    /// a compilation.
    /// </summary>
    private sealed class ProgressRecord
    {
        private readonly double[] _elapsed;
        private int _count;
        private long _compiledAtFirst = -1;
        private long _compiledAtLast;

        public ProgressRecord(int reports)
        {
            _elapsed = new double[reports];
            RuntimeHelpers.PrepareMethod(typeof(ProgressRecord).GetMethod(nameof(Add))!.MethodHandle);
            GC.KeepAlive(JitInfo.GetCompiledMethodCount(currentThread: true));
        }

        /// <summary>Methods compiled on the training thread between the first report and the last one so far.</summary>
        public long CompiledAfterFirstReport => _compiledAtLast - _compiledAtFirst;

        /// <summary>The last report's elapsed time (ms).</summary>
        public double LastElapsed => _elapsed[_count - 1];

        public void Add(TrainingProgress progress)
        {
            _elapsed[_count++] = progress.Elapsed.TotalMilliseconds;
            _compiledAtLast = JitInfo.GetCompiledMethodCount(currentThread: true);
            if (_compiledAtFirst < 0)
            {
                _compiledAtFirst = _compiledAtLast;
            }
        }

        /// <summary>Reports <paramref name="prefix"/>1, 2, …: the time from the start (then from the previous report) to each report.</summary>
        public void ReportIntervals(string prefix)
        {
            for (int k = 0; k < _count; k++)
            {
                Report($"{prefix}{k + 1}", _elapsed[k] - (k == 0 ? 0 : _elapsed[k - 1]));
            }
        }
    }

    private static TransformerChain<XorMlpTransformer> FitXor(MLContext mlContext, XorMlpEstimator trainer)
    {
        IDataView data = mlContext.Data.LoadFromEnumerable(Data.XorRows);
        var pipeline = mlContext.Transforms.Concatenate("Features", nameof(Data.XorRow.X1), nameof(Data.XorRow.X2))
            .Append(trainer);
        return pipeline.Fit(data);
    }

    private static void Report(string name, double value)
        => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"result {name} {value:R}"));
}
