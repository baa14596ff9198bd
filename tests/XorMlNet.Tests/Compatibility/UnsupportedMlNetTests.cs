using Mono.Cecil;

namespace XorMlNet.Tests.Compatibility;

/// <summary>
/// An application running XorMlNet on a Microsoft.ML release outside the tested range: the example app, copied with a
/// doctored Microsoft.ML.Data.dll that says it is 7.0.0, with or without one of the internals XorMlNet uses. Where an
/// internal is missing, the first use fails with one message naming the supported range and the version found; where
/// none is, the app runs as on a supported release.
/// </summary>
public sealed class UnsupportedMlNetTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("xormlnet-mlnet7-");

    public static TheoryData<string, string, string> MissingInternals => new()
    {
        // A method XorMlNet calls when the trainer is made: without the check, a MissingMethodException.
        { "Microsoft.ML.Trainers.TrainerUtils", "MakeR4VecFeature", "MakeR4VecFeature" },
        // A private protected member of a base class XorMlNet overrides: without the check, a TypeLoadException.
        { "Microsoft.ML.Trainers.TrainerEstimatorBase`2", "TrainModelCore", "TrainModelCore" },
    };

    [Theory]
    [MemberData(nameof(MissingInternals))]
    public void OnAReleaseWithoutAnInternalWeUse_FirstUseFailsWithOneMessageNamingBothVersions(string type, string member, string named)
    {
        string app = CopyExampleWithMlNet7(type, member);

        ProcessResult result = TestProcess.Run(TestProcess.Dotnet, ["exec", app], _folder.FullName, Timeout);

        Assert.NotEqual(0, result.ExitCode);
        string error = result.StandardError;
        Assert.Contains("supports Microsoft.ML 5.0.1 up to (not including) 6.1, but this process loaded Microsoft.ML 7.0.0", error);
        Assert.Contains(named, error);
        Assert.DoesNotContain("System.MissingMethodException", error);
        Assert.DoesNotContain("System.TypeLoadException", error);
        Assert.False(File.Exists(Path.Combine(_folder.FullName, "xor-model.zip")), "the app went on and saved a model");
    }

    [Fact]
    public void OnAReleaseWithTheSameInternals_TheAppRunsAsOnASupportedOne()
    {
        string app = CopyExampleWithMlNet7(null, null);

        ProcessResult result = TestProcess.Run(TestProcess.Dotnet, ["exec", app], _folder.FullName, Timeout);

        Assert.True(result.ExitCode == 0, result.StandardError + result.StandardOutput);
        Assert.Contains("Evaluate: accuracy 100 %", result.StandardOutput);
    }

    /// <summary>
    /// Copies the built example app into the test folder, with a Microsoft.ML.Data.dll whose informational version is
    /// 7.0.0 and, when <paramref name="type"/> is given, whose <paramref name="member"/> of it is renamed away.
    /// </summary>
    private string CopyExampleWithMlNet7(string? type, string? member)
    {
        string source = Path.GetDirectoryName(BuiltApps.PathOf("XorMlNet.Example"))!;
        string target = Path.Combine(_folder.FullName, "app");
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        string data = Path.Combine(target, "Microsoft.ML.Data.dll");
        using (AssemblyDefinition assembly = AssemblyDefinition.ReadAssembly(Path.Combine(source, "Microsoft.ML.Data.dll")))
        {
            CustomAttribute version = assembly.CustomAttributes.Single(a => a.AttributeType.Name == "AssemblyInformationalVersionAttribute");
            version.ConstructorArguments[0] = new CustomAttributeArgument(version.ConstructorArguments[0].Type, "7.0.0+doctored");
            if (type is not null)
            {
                TypeDefinition definition = assembly.MainModule.GetType(type) ?? throw new InvalidOperationException($"{type} is not in Microsoft.ML.Data.");
                MethodDefinition[] methods = definition.Methods.Where(m => m.Name == member).ToArray();
                Assert.NotEmpty(methods);
                foreach (MethodDefinition method in methods)
                {
                    method.Name += "Renamed";
                }
            }
            assembly.Write(data);
        }
        return Path.Combine(target, "XorMlNet.Example.dll");
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
