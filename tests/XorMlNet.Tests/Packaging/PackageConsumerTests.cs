namespace XorMlNet.Tests.Packaging;

/// <summary>
/// The NuGet package is all a consumer needs, on every supported ML.NET line: pack the library, install it from a local
/// folder into fresh console projects on Microsoft.ML 5.0.1 and on 6.0.0 that treat warnings as errors, fit and save the
/// XOR pipeline in each, and load each one's model in a second process of the other: scores identical to the bit, both
/// directions.
/// </summary>
public sealed class PackageConsumerTests : IDisposable
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(8);
    private static readonly string[] MlNetVersions = ["5.0.1", "6.0.0"];
    private readonly string _work = Directory.CreateTempSubdirectory("xormlnet-package-").FullName;
    private readonly string _version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

    [Fact]
    public void PackedLibrary_InFreshProjectsOnEachMlNetLine_BuildsWithoutWarnings_AndModelsLoadAcrossLines()
    {
        string repository = TestProcess.RepositoryRoot();
        string feed = Path.Combine(_work, "feed");
        Dotnet(["pack", Path.Combine(repository, "src", "XorMlNet", "XorMlNet.csproj"), "-c", "Release", "-o", feed, $"-p:Version={_version}"], repository);
        string package = Assert.Single(Directory.GetFiles(feed, "*.nupkg"));
        Assert.Equal($"XorMlNet.{_version}.nupkg", Path.GetFileName(package));
        Assert.Equal("[5.0.1, 6.1.0)", MlNetDependencyRange(package));

        var fitted = new Dictionary<string, (string Model, string Output)>();
        foreach (string mlNet in MlNetVersions)
        {
            string consumer = CreateConsumer(feed, mlNet);
            string build = Dotnet(["build", "-c", "Release"], consumer);
            Assert.DoesNotContain("warning", build.Replace("0 Warning(s)", ""), StringComparison.OrdinalIgnoreCase);
            string assets = File.ReadAllText(Path.Combine(consumer, "obj", "project.assets.json"));
            Assert.DoesNotContain("Publicizer", assets);

            string model = Path.Combine(_work, $"xor-{mlNet}.zip");
            string output = Dotnet(["run", "-c", "Release", "--no-build", "--", "fit", model], consumer);
            Assert.Contains($"ml.net: {mlNet}", output);
            Assert.Contains("fitted: 4/4", output);
            fitted[mlNet] = (model, output);
        }
        Assert.Equal(Line(fitted["5.0.1"].Output, "scores:"), Line(fitted["6.0.0"].Output, "scores:"));

        // Each line loads the other's model and scores it to the bit as the process that fitted it.
        foreach ((string loader, string saver) in new[] { ("5.0.1", "6.0.0"), ("6.0.0", "5.0.1") })
        {
            string output = Dotnet(["run", "-c", "Release", "--no-build", "--", "load", fitted[saver].Model], Path.Combine(_work, $"consumer-{loader}"));
            Assert.Contains($"ml.net: {loader}", output);
            Assert.Contains("loaded: XorMlpTransformer", output);
            Assert.Contains("predictions: False True True False", output);
            Assert.Equal(Line(fitted[saver].Output, "scores:"), Line(output, "scores:"));
        }
    }

    /// <summary>A console project on Microsoft.ML <paramref name="mlNet"/> and the packed XorMlNet, warnings as errors.</summary>
    private string CreateConsumer(string feed, string mlNet)
    {
        string consumer = Path.Combine(_work, $"consumer-{mlNet}");
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
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Microsoft.ML" Version="{mlNet}" />
                <PackageReference Include="XorMlNet" Version="{_version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), ConsumerProgram);
        return consumer;
    }

    /// <summary>The version range of the package's Microsoft.ML dependency, as its .nuspec states it.</summary>
    private static string MlNetDependencyRange(string package)
    {
        using var zip = System.IO.Compression.ZipFile.OpenRead(package);
        var entry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using Stream stream = entry.Open();
        var nuspec = System.Xml.Linq.XDocument.Load(stream);
        return nuspec.Descendants().Single(e => e.Name.LocalName == "dependency" && (string?)e.Attribute("id") == "Microsoft.ML").Attribute("version")!.Value;
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
        string mlNetVersion = typeof(MLContext).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion.Split('+')[0];
        Console.WriteLine($"ml.net: {mlNetVersion}");
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

    /// <summary>Runs a dotnet command to success and returns all it printed.</summary>
    private static string Dotnet(string[] arguments, string workingDirectory)
    {
        ProcessResult result = TestProcess.RunToSuccess(TestProcess.Dotnet, arguments, workingDirectory, StepTimeout);
        return result.StandardOutput + result.StandardError;
    }
}
