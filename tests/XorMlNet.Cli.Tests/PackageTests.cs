using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace XorMlNet.Cli.Tests;

/// <summary>
/// The packages as users get them: the tool packed, under 30 MB, with the native libraries of the platforms its readme
/// claims, installed from a local folder into a tool path, asked for --help and made to train (with --plot, which
/// needs SkiaSharp's native library); and the README's snippet, pasted into a fresh project that installs the packed
/// library. Each pack builds in a folder of its own (--artifacts-path), away from the repository's bin and obj.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed partial class PackageTests : IDisposable
{
    private const long MaxToolPackageBytes = 30L << 20;
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The runtime folders the tool's readme claims (docs/package/XorMlNet.Cli.md).</summary>
    private static readonly string[] ClaimedRuntimes = ["linux-x64", "linux-arm64", "osx", "win-x64"];

    private readonly string _work = Directory.CreateTempSubdirectory("xormlnet-packages-").FullName;
    private readonly string _version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

    [Fact]
    public void ToolPackage_UnderThirtyMegabytes_InstallsFromAFolder_ShowsHelp_AndTrainsWithAPlot()
    {
        string repository = RepositoryRoot();
        string feed = Path.Combine(_work, "feed");
        Dotnet(repository, "pack", Path.Combine(repository, "src", "XorMlNet.Cli", "XorMlNet.Cli.csproj"), "-c", "Release", "-o", feed,
            "--artifacts-path", Path.Combine(_work, "artifacts"), $"-p:Version={_version}");

        string package = Assert.Single(Directory.GetFiles(feed, "XorMlNet.Cli.*.nupkg"));
        Assert.Equal($"XorMlNet.Cli.{_version}.nupkg", Path.GetFileName(package));
        long size = new FileInfo(package).Length;
        Assert.True(size < MaxToolPackageBytes, $"the tool package is {size:N0} bytes");
        using (ZipArchive zip = ZipFile.OpenRead(package))
        {
            string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
            string[] runtimes = entries.Where(e => e.Contains("/runtimes/", StringComparison.Ordinal))
                .Select(e => e.Split("/runtimes/")[1].Split('/')[0]).Distinct().Order().ToArray();
            Assert.All(ClaimedRuntimes, rid => Assert.Contains(entries, e => e.EndsWith($"/runtimes/{rid}/native/" + (rid == "osx" ? "libSkiaSharp.dylib" : rid.StartsWith("win", StringComparison.Ordinal) ? "libSkiaSharp.dll" : "libSkiaSharp.so"), StringComparison.Ordinal)));
            Assert.All(runtimes, rid => Assert.Contains(rid, ClaimedRuntimes.Append("osx-x64").Append("osx-arm64")));
            Assert.DoesNotContain(entries, e => e.EndsWith(".dbg", StringComparison.Ordinal) || e.EndsWith(".dwarf", StringComparison.Ordinal));
            CheckReadme(zip);
        }

        string tools = Path.Combine(_work, "tools");
        Dotnet(_work, "tool", "install", "XorMlNet.Cli", "--tool-path", tools, "--add-source", feed, "--version", _version);
        string xormlnet = Path.Combine(tools, OperatingSystem.IsWindows() ? "xormlnet.exe" : "xormlnet");

        string help = Run(xormlnet, _work, "--help");
        Assert.Contains("train", help);
        Assert.Contains("predict", help);
        string data = XorCsv.Write(Path.Combine(_work, "train.csv"), rows: 200, seed: 9);
        string trained = Run(xormlnet, _work, "train", "--data", data, "--out", "model.zip", "--hidden", "8", "--plot", "loss.png");
        Assert.Contains("Saved the model to 'model.zip'.", trained);
        Assert.Equal((800, 500), Png.Check(Path.Combine(_work, "loss.png")));
    }

    [Fact]
    public void LibraryAndTool_CarryOneVersion()
    {
        string repository = RepositoryRoot();
        string library = Dotnet(repository, "msbuild", Path.Combine(repository, "src", "XorMlNet", "XorMlNet.csproj"), "-getProperty:Version").Trim();
        string tool = Dotnet(repository, "msbuild", Path.Combine(repository, "src", "XorMlNet.Cli", "XorMlNet.Cli.csproj"), "-getProperty:Version").Trim();

        Assert.Matches(@"^\d+\.\d+\.\d+", library);
        Assert.Equal(library, tool);
    }

    [Fact]
    public void ReadmeSnippet_CompilesAsPasted_AgainstThePackedLibrary_AndRuns()
    {
        string repository = RepositoryRoot();
        string readme = File.ReadAllText(Path.Combine(repository, "README.md"));
        string section = readme[readme.IndexOf("## Using it", StringComparison.Ordinal)..];
        string snippet = CSharpBlock().Match(section).Groups[1].Value;
        Assert.Contains("using XorMlNet;", snippet);

        string feed = Path.Combine(_work, "feed");
        Dotnet(repository, "pack", Path.Combine(repository, "src", "XorMlNet", "XorMlNet.csproj"), "-c", "Release", "-o", feed,
            "--artifacts-path", Path.Combine(_work, "artifacts"), $"-p:Version={_version}");
        using (ZipArchive zip = ZipFile.OpenRead(Assert.Single(Directory.GetFiles(feed, "XorMlNet.*.nupkg"))))
        {
            CheckReadme(zip);
        }

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
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), snippet);

        string output = Dotnet(consumer, "run", "-c", "Release");

        Assert.Contains("accuracy 100 %, AUC 1.00", output);
        Assert.True(File.Exists(Path.Combine(consumer, "model.zip")));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
            string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            foreach (string id in new[] { "xormlnet", "xormlnet.cli" })
            {
                string cached = Path.Combine(packages, id, _version.ToLowerInvariant());
                if (Directory.Exists(cached))
                {
                    Directory.Delete(cached, recursive: true);
                }
            }
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless; the test's verdict stands.
        }
    }

    /// <summary>The package has a readme, named in its nuspec, and every picture it shows is in the package.</summary>
    private static void CheckReadme(ZipArchive zip)
    {
        ZipArchiveEntry nuspec = Assert.Single(zip.Entries, e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using (var reader = new StreamReader(nuspec.Open()))
        {
            Assert.Contains("<readme>README.md</readme>", reader.ReadToEnd());
        }
        ZipArchiveEntry readme = zip.GetEntry("README.md") ?? throw new Xunit.Sdk.XunitException("The package has no README.md.");
        string text;
        using (var reader = new StreamReader(readme.Open(), Encoding.UTF8))
        {
            text = reader.ReadToEnd();
        }
        Assert.Contains("dotnet ", text);
        foreach (Match image in ImageLink().Matches(text))
        {
            string target = image.Groups[1].Value;
            Assert.True(zip.GetEntry(target.TrimStart('.', '/')) is not null, $"The readme shows '{target}', which is not in the package.");
        }
    }

    private static string RepositoryRoot()
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

    private static string Dotnet(string workingDirectory, params string[] arguments) => Run(DotnetPath, workingDirectory, arguments);

    private static string DotnetPath
    {
        get
        {
            string? current = Environment.ProcessPath;
            return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current
                : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        }
    }

    /// <summary>Runs a program to success and returns all it printed.</summary>
    private static string Run(string fileName, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"'{fileName}' did not start.");
        Task<string> output = process.StandardOutput.ReadToEndAsync(), error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(StepTimeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"'{fileName} {string.Join(' ', arguments)}' did not finish within {StepTimeout}.");
        }
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"'{fileName} {string.Join(' ', arguments)}' exited with {process.ExitCode}:\n{error.Result}\n{output.Result}");
        return output.Result + error.Result;
    }

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"!\[[^\]]*\]\(([^)\s]+)")]
    private static partial Regex ImageLink();
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PackageCollection
{
    public const string Name = "packages";
}
