namespace XorMlNet.Tests.Packaging;

/// <summary>
/// The NuGet package is all a consumer needs: pack the library, install it from a local folder into a fresh console
/// project that references nothing else, fit and save the XOR pipeline there, and load and score it in a second process.
/// </summary>
public sealed class PackageConsumerTests : IDisposable
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(8);
    private readonly string _work = Directory.CreateTempSubdirectory("xormlnet-package-").FullName;
    private readonly string _version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

    [Fact]
    public void PackedLibrary_InstalledInAFreshProject_FitsSavesAndLoadsInASecondProcess()
    {
        string repository = FindRepositoryRoot();
        string feed = Path.Combine(_work, "feed");
        Dotnet(["pack", Path.Combine(repository, "src", "XorMlNet", "XorMlNet.csproj"), "-c", "Release", "-o", feed, $"-p:Version={_version}"], repository);
        string package = Assert.Single(Directory.GetFiles(feed, "*.nupkg"));
        Assert.Equal($"XorMlNet.{_version}.nupkg", Path.GetFileName(package));

        string consumer = Path.Combine(_work, "consumer");
        Directory.CreateDirectory(consumer);
        File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="XorMlNet" Version="{_version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), ConsumerProgram);
        Dotnet(["build", "-c", "Release"], consumer);

        string model = Path.Combine(_work, "xor.zip");
        string fitOutput = Dotnet(["run", "-c", "Release", "--no-build", "--", "fit", model], consumer);
        string loadOutput = Dotnet(["run", "-c", "Release", "--no-build", "--", "load", model], consumer);

        Assert.Contains("fitted: 4/4", fitOutput);
        Assert.Contains("loaded: XorMlpTransformer", loadOutput);
        Assert.Contains("predictions: False True True False", loadOutput);
        // The scores printed by the second process equal those of the first, to the bit.
        Assert.Equal(Line(fitOutput, "scores:"), Line(loadOutput, "scores:"));
        string assets = File.ReadAllText(Path.Combine(consumer, "obj", "project.assets.json"));
        Assert.DoesNotContain("Publicizer", assets);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
            string cached = Path.Combine(
                Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
                "xormlnet", _version.ToLowerInvariant());
            if (Directory.Exists(cached))
            {
                Directory.Delete(cached, recursive: true);
            }
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless; the test's verdict stands.
        }
    }

    private const string ConsumerProgram = """
        using Microsoft.ML;
        using Microsoft.ML.Data;
        using XorMlNet;

        var mlContext = new MLContext(seed: 0);
        var rows = new[] { new Row(0, 0, false), new Row(1, 0, true), new Row(0, 1, true), new Row(1, 1, false) };
        IDataView data = mlContext.Data.LoadFromEnumerable(rows);
        ITransformer model;
        if (args[0] == "fit")
        {
            model = mlContext.Transforms.Concatenate("Features", "X1", "X2").Append(mlContext.BinaryClassification.Trainers.XorMlp()).Fit(data);
            mlContext.Model.Save(model, data.Schema, args[1]);
        }
        else
        {
            model = mlContext.Model.Load(args[1], out _);
            Console.WriteLine($"loaded: {((TransformerChain<ITransformer>)model).LastTransformer.GetType().Name}");
        }
        var predictions = mlContext.Data.CreateEnumerable<Prediction>(model.Transform(data), reuseRowObject: false).ToArray();
        Console.WriteLine($"fitted: {predictions.Zip(rows).Count(p => p.First.PredictedLabel == p.Second.Label)}/4");
        Console.WriteLine($"predictions: {string.Join(" ", predictions.Select(p => p.PredictedLabel))}");
        Console.WriteLine($"scores: {string.Join(" ", predictions.Select(p => BitConverter.SingleToInt32Bits(p.Score).ToString("X8")))}");

        record Row(float X1, float X2, bool Label);
        class Prediction { public float Score { get; set; } public bool PredictedLabel { get; set; } }
        """;

    private static string Line(string output, string prefix)
        => output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith(prefix, StringComparison.Ordinal));

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "XorMlNet.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No XorMlNet.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>Runs a dotnet command to success and returns all it printed.</summary>
    private static string Dotnet(string[] arguments, string workingDirectory)
    {
        ProcessResult result = TestProcess.RunToSuccess(TestProcess.Dotnet, arguments, workingDirectory, StepTimeout);
        return result.StandardOutput + result.StandardError;
    }
}
