using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace XorMlNet.Benchmarks;

/// <summary>
/// What a user sees, as opposed to the steady state that BenchmarkDotNet measures: each run starts fresh processes of
/// this program (<see cref="ColdStartChild"/>), each doing one user's work once, and reports the medians over the runs.
/// The scenarios are interleaved run by run, so a change of load on a shared machine touches them alike. numpy's XOR
/// epoch is measured in the same session by the peer script, for the notebook fit's ratio.
/// </summary>
/// <remarks>
/// <c>coldstart [--runs N] [--large-runs N] [--only a,b] [--no-peer]</c>; scenarios: <c>notebook</c>, <c>defaults</c>,
/// <c>xor-epochs</c>, <c>large</c> (1,000,000 × 16, H ∈ {2, 16, 64}, full batch and mini-batch 256), <c>sparse</c>
/// (200,000 sparse rows, H = 8, full batch and batches of 10,000), <c>read</c> and <c>cancel</c>; the last four in the
/// first <c>--large-runs</c> runs only.
/// </remarks>
public static class ColdStart
{
    private static readonly string[] AllScenarios = ["notebook", "defaults", "xor-epochs", "large", "sparse", "read", "cancel"];
    private static readonly string[] CancelPoints = ["before", "200", "600", "1500", "3000"];
    private static readonly (int H, int Batch)[] LargeConfigurations = [(2, 0), (16, 0), (64, 0), (2, 256), (16, 256), (64, 256)];
    private static readonly (int H, int Batch)[] SparseConfigurations = [(8, 0), (8, 10_000)];

    public static int Run(string[] args)
    {
        int runs = 10, largeRuns = 5;
        bool peer = true;
        string[] scenarios = AllScenarios;
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--runs":
                    runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--large-runs":
                    largeRuns = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--only":
                    scenarios = args[++i].Split(',');
                    break;
                case "--no-peer":
                    peer = false;
                    break;
                default:
                    Console.Error.WriteLine($"unknown argument '{args[i]}'; usage: coldstart [--runs N] [--large-runs N] [--only {string.Join(',', AllScenarios)}] [--no-peer]");
                    return 1;
            }
        }

        Console.WriteLine($"# Cold start: fresh processes, {runs} runs ({largeRuns} for the 1M-row table)");
        Console.WriteLine();
        Console.WriteLine($"Started {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {LoadAverage()}; .NET {Environment.Version}, " +
            $"{Environment.ProcessorCount} cores; {BuildKind()}.");
        foreach (string variable in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(v => v.StartsWith("DOTNET_", StringComparison.Ordinal)).Order())
        {
            Console.WriteLine($"Note: {variable}={Environment.GetEnvironmentVariable(variable)} is set and applies to every child.");
        }

        double? numpyEpoch = null;
        if (peer && scenarios.Contains("notebook"))
        {
            numpyEpoch = NumpyXorEpoch();
        }

        var results = new Dictionary<string, Dictionary<string, List<double>>>();
        for (int run = 1; run <= runs; run++)
        {
            Console.Error.WriteLine($"run {run}/{runs}, load average {LoadAverage()}");
            foreach (string scenario in scenarios)
            {
                if (scenario is "large" or "sparse")
                {
                    if (run <= largeRuns)
                    {
                        foreach ((int h, int batch) in scenario == "large" ? LargeConfigurations : SparseConfigurations)
                        {
                            Collect(results, $"{scenario}:{h}:{batch}");
                        }
                    }
                }
                else if (scenario == "cancel")
                {
                    if (run <= largeRuns)
                    {
                        foreach (string point in CancelPoints)
                        {
                            Collect(results, $"cancel:{point}");
                        }
                    }
                }
                else if (scenario == "read")
                {
                    if (run <= largeRuns)
                    {
                        Collect(results, "read:ours");
                        Collect(results, "read:cache");
                    }
                }
                else
                {
                    Collect(results, scenario);
                }
            }
        }

        Console.WriteLine($"Finished {DateTime.UtcNow:HH:mm} UTC, load average {LoadAverage()}.");
        Console.WriteLine();
        PrintNotebook(results, numpyEpoch);
        PrintDefaults(results);
        PrintXorEpochs(results);
        PrintEpochs(results, "large", LargeConfigurations, Data.LargeRows,
            "1,000,000 × 16, first Fit of a process: its epochs against the same process's steady state (third Fit)");
        PrintEpochs(results, "sparse", SparseConfigurations, Data.SparseRows,
            $"{Data.SparseRows:N0} sparse rows × {Data.SparseSlots:N0} slots ({Data.SparseValuesPerRow} stored per row), first Fit of a process: " +
            "its epochs against the same process's steady state (third Fit)");
        PrintRead(results);
        PrintCancel(results);
        return 0;
    }

    /// <summary>Runs one fresh child and adds its results (and the parent's wall-clock figures) under <paramref name="scenario"/>.</summary>
    private static void Collect(Dictionary<string, Dictionary<string, List<double>>> results, string scenario)
    {
        (string file, string[] prefix) = SelfCommand();
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in prefix.Append("coldstart-child").Append(scenario))
        {
            start.ArgumentList.Add(argument);
        }
        var clock = Stopwatch.StartNew();
        using Process process = Process.Start(start)!;
        double firstScore = double.NaN;
        var values = new Dictionary<string, double>();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        while (process.StandardOutput.ReadLine() is { } line)
        {
            int end = line.LastIndexOf("first-score", StringComparison.Ordinal);
            if (end >= 0 && double.IsNaN(firstScore))
            {
                firstScore = clock.Elapsed.TotalMilliseconds;
            }
            if (line.StartsWith("result ", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ');
                values[parts[1]] = double.Parse(parts[2], CultureInfo.InvariantCulture);
            }
        }
        process.WaitForExit();
        double exit = clock.Elapsed.TotalMilliseconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The child for '{scenario}' failed with exit code {process.ExitCode}: {errors.Result}");
        }
        if (!double.IsNaN(firstScore))
        {
            values["process-start-to-first-score"] = firstScore;
        }
        values["process-start-to-exit"] = exit;
        if (!results.TryGetValue(scenario, out Dictionary<string, List<double>>? byName))
        {
            results[scenario] = byName = [];
        }
        foreach ((string name, double value) in values)
        {
            if (!byName.TryGetValue(name, out List<double>? list))
            {
                byName[name] = list = [];
            }
            list.Add(value);
        }
    }

    private static void PrintNotebook(Dictionary<string, Dictionary<string, List<double>>> results, double? numpyEpoch)
    {
        if (!results.TryGetValue("notebook", out Dictionary<string, List<double>>? r))
        {
            return;
        }
        Console.WriteLine("## Notebook configuration (400,000 epochs), first Fit after one 1,000-epoch warm-up Fit of the same pipeline");
        Console.WriteLine();
        Console.WriteLine("| measurement | median | min – max | n |");
        Console.WriteLine("|---|---|---|---|");
        Row("warm-up Fit, 1,000 epochs (ms)", r["warm-fit-1000"]);
        Row("**notebook Fit, first in the process (ms)**", r["notebook-fit"]);
        Row("notebook Fit, second in the same process (ms)", r["notebook-second-fit"]);
        Console.WriteLine();
        if (numpyEpoch is double epoch)
        {
            double numpyRun = epoch * 400_000;
            Console.WriteLine($"numpy's XOR epoch, same session: {epoch * 1e6:F1} µs, so 400,000 epochs ≈ {numpyRun:F1} s; the first Fit's median is " +
                $"**{numpyRun * 1e3 / Median(r["notebook-fit"]):F0}×** faster (numpy's 400,000-epoch estimate over our median).");
            Console.WriteLine();
        }
    }

    private static void PrintDefaults(Dictionary<string, Dictionary<string, List<double>>> results)
    {
        if (!results.TryGetValue("defaults", out Dictionary<string, List<double>>? r))
        {
            return;
        }
        Console.WriteLine("## Default XOR fit (the example's): all defaults, progress printed every 50 epochs, then one PredictionEngine score");
        Console.WriteLine();
        Console.WriteLine("| measurement | median | min – max | n |");
        Console.WriteLine("|---|---|---|---|");
        Row("**training loop, as its progress reports it (ms)**", r["defaults-training-loop"]);
        Row("epochs run", r["defaults-epochs"]);
        Row("Fit (ms)", r["defaults-fit"]);
        Row("Main to first score, child's clock (ms)", r["defaults-main-to-first-score"]);
        Row("JIT compilation time until the first score, all threads (ms)", r["defaults-jit-ms-to-first-score"]);
        Row("methods compiled until the first score", r["defaults-jit-methods-to-first-score"]);
        Row("**process start to first score, parent's clock (ms)**", r["process-start-to-first-score"]);
        Console.WriteLine();
    }

    private static void PrintXorEpochs(Dictionary<string, Dictionary<string, List<double>>> results)
    {
        if (!results.TryGetValue("xor-epochs", out Dictionary<string, List<double>>? r))
        {
            return;
        }
        Console.WriteLine("## XOR epochs from the first epoch of a process's first Fit (notebook network, 20,000 epochs per Fit, no warm-up)");
        Console.WriteLine();
        Console.WriteLine("Each 1,000 epochs of the process's first Fit against the same 1,000 epochs of its third Fit (the steady state: every " +
            "method compiled, caches warm). Every Fit's epochs 1–1,000 also allocate the loss history's first chunk; epochs 1,001–2,000 " +
            "hold the first progress report, whose log message is formatted for the first time in the process in the first Fit.");
        Console.WriteLine();
        Console.WriteLine("| epochs | first Fit, median (µs) | third Fit, median (µs) | first ÷ third, median of runs | min – max of runs |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach ((string label, int k) in new[] { ("1–1,000", 1), ("1,001–2,000", 2), ("2,001–3,000", 3), ("3,001–4,000", 4), ("10,001–11,000", 11) })
        {
            List<double> first = r[$"fit1-interval{k}"], third = r[$"fit3-interval{k}"];
            List<double> ratios = [.. first.Select((v, i) => v / third[i])];
            Console.WriteLine($"| {label} | {Median(first) * 1e3:F1} | {Median(third) * 1e3:F1} | {Median(ratios):F2} | {ratios.Min():F2} – {ratios.Max():F2} |");
        }
        Console.WriteLine();
        PrintEpochCompilations(r);
    }

    private static void PrintEpochs(Dictionary<string, Dictionary<string, List<double>>> results, string scenario,
        (int H, int Batch)[] configurations, int rows, string title)
    {
        if (!results.Keys.Any(k => k.StartsWith(scenario + ":", StringComparison.Ordinal)))
        {
            return;
        }
        Console.WriteLine("## " + title);
        Console.WriteLine();
        Console.WriteLine("Gradient descent, lr 0.1, all cores; full batch 5 epochs per Fit, mini-batches 3 epochs per Fit. Ratios are per run, then the median of the runs.");
        Console.WriteLine();
        Console.WriteLine("| H | batch | first Fit, epoch 1 (ms) | first Fit, later epochs (ms) | steady state (ms) | steady rows/s | epoch 1 ÷ steady | slowest first-Fit epoch ÷ steady | first Fit outside its epochs (ms) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach ((int h, int batch) in configurations)
        {
            if (!results.TryGetValue($"{scenario}:{h}:{batch}", out Dictionary<string, List<double>>? r))
            {
                continue;
            }
            int epochs = r.Keys.Count(k => k.StartsWith("fit1-epoch", StringComparison.Ordinal));
            int n = r["fit1-epoch1"].Count;
            var steady = new List<double>();
            var later = new List<double>();
            var firstRatio = new List<double>();
            var worstRatio = new List<double>();
            for (int i = 0; i < n; i++)
            {
                double s = Median([.. Enumerable.Range(1, epochs).Select(e => r[$"fit3-epoch{e}"][i])]);
                steady.Add(s);
                later.Add(Median([.. Enumerable.Range(2, epochs - 1).Select(e => r[$"fit1-epoch{e}"][i])]));
                firstRatio.Add(r["fit1-epoch1"][i] / s);
                worstRatio.Add(Enumerable.Range(1, epochs).Max(e => r[$"fit1-epoch{e}"][i]) / s);
            }
            Console.WriteLine($"| {h} | {(batch == 0 ? "full" : batch.ToString(CultureInfo.InvariantCulture))} | {Median(r["fit1-epoch1"]):F1} | {Median(later):F1} | " +
                $"{Median(steady):F1} | {rows / Median(steady) / 1e3:F1} M | {Median(firstRatio):F2} | {Median(worstRatio):F2} | {Median(r["fit1-outside-epochs"]):F0} |");
        }
        Console.WriteLine();
        foreach ((int h, int batch) in configurations)
        {
            if (results.TryGetValue($"{scenario}:{h}:{batch}", out Dictionary<string, List<double>>? r))
            {
                Console.Write($"H = {h}, batch {(batch == 0 ? "full" : batch.ToString(CultureInfo.InvariantCulture))}: ");
                PrintEpochCompilations(r);
            }
        }
    }

    /// <summary>
    /// How many methods the JIT compiled on the training thread after the first Fit's first progress report (0 when
    /// everything its later epochs and reports run was compiled before).
    /// </summary>
    private static void PrintEpochCompilations(Dictionary<string, List<double>> r)
    {
        List<double> first = r["fit1-jit-methods-after-first-report"];
        Console.WriteLine($"methods compiled on the training thread after the first Fit's first progress report: {Median(first):F0} " +
            $"(min – max {first.Min():F0} – {first.Max():F0}); third Fit: {Median(r["fit3-jit-methods-after-first-report"]):F0}.");
        Console.WriteLine();
    }

    private static void PrintRead(Dictionary<string, Dictionary<string, List<double>>> results)
    {
        if (!results.TryGetValue("read:ours", out Dictionary<string, List<double>>? ours) || !results.TryGetValue("read:cache", out Dictionary<string, List<double>>? cache))
        {
            return;
        }
        Console.WriteLine("## Reading the 1,000,000 × 16 table (LoadFromEnumerable view)");
        Console.WriteLine();
        Console.WriteLine("`Fit`'s reader (float matrix and labels) against ML.NET's `Cache` of the same view plus a cursor pass over Features and Label; each in its own fresh processes.");
        Console.WriteLine();
        Console.WriteLine("| read | ours, median (ms) | Cache + pass, median (ms) | ours ÷ Cache |");
        Console.WriteLine("|---|---|---|---|");
        List<double> oursAgain = [.. Enumerable.Range(0, ours["read-first"].Count).Select(i => Median([.. Enumerable.Range(1, 5).Select(k => ours[$"read-again{k}"][i])]))];
        List<double> cacheAgain = [.. Enumerable.Range(0, cache["read-first"].Count).Select(i => Median([.. Enumerable.Range(1, 5).Select(k => cache[$"read-again{k}"][i])]))];
        Console.WriteLine($"| first in the process | {Median(ours["read-first"]):F1} | {Median(cache["read-first"]):F1} | {Median(ours["read-first"]) / Median(cache["read-first"]):F2} |");
        Console.WriteLine($"| reads 2–6 of the process | {Median(oursAgain):F1} | {Median(cacheAgain):F1} | {Median(oursAgain) / Median(cacheAgain):F2} |");
        Console.WriteLine();
    }

    private static void PrintCancel(Dictionary<string, Dictionary<string, List<double>>> results)
    {
        if (!results.Keys.Any(k => k.StartsWith("cancel:", StringComparison.Ordinal)))
        {
            return;
        }
        Console.WriteLine("## Cancellation: Fit on 5,000,000 lazily generated rows × 16 (H = 16, full batch, 100 epochs), token cancelled at a point of the call");
        Console.WriteLine();
        Console.WriteLine("| cancelled | Fit returned after, median (ms) | return − cancel, median (ms) | max (ms) | allocated, median (MB) | threw OperationCanceledException |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (string point in CancelPoints)
        {
            if (!results.TryGetValue($"cancel:{point}", out Dictionary<string, List<double>>? r))
            {
                continue;
            }
            string label = point == "before" ? "before the call" : $"{point} ms in";
            Console.WriteLine($"| {label} | {Median(r["cancel-fit-returned-ms"]):F1} | {Median(r["cancel-latency-ms"]):F1} | {r["cancel-latency-ms"].Max():F1} | " +
                $"{Median(r["cancel-allocated-mb"]):F1} | {r["cancel-threw"].Sum():F0} of {r["cancel-threw"].Count} |");
        }
        Console.WriteLine();
    }

    private static void Row(string label, List<double> values)
        => Console.WriteLine($"| {label} | {Median(values):F1} | {values.Min():F1} – {values.Max():F1} | {values.Count} |");

    private static double Median(List<double> values)
    {
        List<double> sorted = [.. values.Order()];
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>This program as a command line: its app host, or <c>dotnet</c> and its assembly.</summary>
    private static (string File, string[] Prefix) SelfCommand()
    {
        string process = Environment.ProcessPath!;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? (process, [typeof(ColdStart).Assembly.Location]) : (process, []);
    }

    private static string BuildKind()
    {
        bool Optimized(Assembly assembly) => assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled != true;
        bool release = Optimized(typeof(ColdStart).Assembly) && Optimized(typeof(XorMlpEstimator).Assembly);
        return release ? "Release build" : "WARNING: a Debug build; run with -c Release";
    }

    private static string LoadAverage()
        => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>
    /// numpy's notebook epoch in seconds, from <c>baselines/xor_numpy.py</c> at one thread (the median of its repeats), or
    /// null with the reason printed when it cannot run.
    /// </summary>
    private static double? NumpyXorEpoch()
    {
        string? root = RepositoryRoot();
        const string Python = "/usr/bin/python3";
        if (root is null || !File.Exists(Python))
        {
            Console.WriteLine($"numpy not measured: {(root is null ? "benchmarks/baselines not found above this program" : $"{Python} not found")}.");
            return null;
        }
        string output = Path.Combine(Path.GetTempPath(), $"xormlnet-coldstart-{Environment.ProcessId}.json");
        var start = new ProcessStartInfo(Python) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in new[] { Path.Combine(root, "benchmarks", "baselines", "xor_numpy.py"), "--threads", "1", "--no-fit", "--no-torch", "--json-out", output })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment.Remove("OPENBLAS_CORETYPE");
        start.Environment["OPENBLAS_NUM_THREADS"] = "1";
        start.Environment["OMP_NUM_THREADS"] = "1";
        try
        {
            Console.Error.WriteLine("measuring numpy's XOR epoch (xor_numpy.py --threads 1 --no-fit --no-torch) ...");
            using Process process = Process.Start(start)!;
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            string errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0 || !File.Exists(output))
            {
                Console.WriteLine($"numpy not measured: xor_numpy.py failed ({errors.Trim().Split('\n').LastOrDefault()}).");
                return null;
            }
            using JsonDocument json = JsonDocument.Parse(File.ReadAllText(output));
            double epoch = json.RootElement.GetProperty("results")[0].GetProperty("median_s").GetDouble();
            Console.WriteLine($"numpy's XOR epoch (notebook code, 1 thread, median of 15 timeit repeats), measured {DateTime.UtcNow:HH:mm} UTC at load average {LoadAverage()}: {epoch * 1e6:F1} µs.");
            return epoch;
        }
        finally
        {
            File.Delete(output);
        }
    }

    private static string? RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "benchmarks", "baselines", "xor_numpy.py")))
            {
                return directory.FullName;
            }
        }
        return null;
    }
}
