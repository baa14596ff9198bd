// Publicizer: writes copies of .NET assemblies in which everything that a friend
// assembly (InternalsVisibleTo) could see is public. The copies are meant to be
// compiled against, never loaded: see build/README.md.
//
// Usage: Publicizer --output <folder> <assembly.dll> [<assembly.dll> ...]
//
// Rules (types, nested types, fields, methods incl. property and event accessors):
//   internal (Assembly)                      -> public
//   private protected (FamANDAssem)          -> public, or protected if the method is virtual
//   protected internal (FamORAssem)          -> public, or protected if the method is virtual
//   private, protected, public               -> unchanged
// Virtual members become protected rather than public so that overrides written
// against the copies stay `protected override`. Private members stay private:
// making them visible only produces hiding warnings (CS0108) in derived classes.
// Nothing else in the assembly is changed.

using Mono.Cecil;

namespace XorMlNet.Build.Publicizer;

internal static class Program
{
    private const string Tool = "Publicizer";

    private static int Main(string[] args)
    {
        string? outputDir = null;
        var inputs = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg is "--output" or "-o")
            {
                if (i + 1 >= args.Length)
                {
                    return Fail("PUB001", $"{arg} needs a folder.");
                }
                outputDir = args[++i];
            }
            else if (arg is "--help" or "-h")
            {
                PrintUsage(Console.Out);
                return 0;
            }
            else
            {
                inputs.Add(arg);
            }
        }

        if (outputDir is null || inputs.Count == 0)
        {
            PrintUsage(Console.Error);
            return Fail("PUB001", "an output folder and at least one input assembly are required.");
        }

        foreach (string input in inputs)
        {
            if (!File.Exists(input))
            {
                return Fail("PUB002", $"input assembly not found: {Path.GetFullPath(input)}");
            }
        }

        outputDir = Path.GetFullPath(outputDir);
        Directory.CreateDirectory(outputDir);

        foreach (string input in inputs)
        {
            string source = Path.GetFullPath(input);
            string target = Path.Combine(outputDir, Path.GetFileName(source));
            if (string.Equals(source, target, StringComparison.OrdinalIgnoreCase))
            {
                return Fail("PUB003", $"refusing to overwrite the input assembly: {source}");
            }

            try
            {
                Stats stats = Publicize(source, target, inputs);
                Console.WriteLine($"{Tool}: {Path.GetFileName(source)} -> {target} ({stats.Types} types, {stats.Members} members opened)");
            }
            catch (Exception ex) when (ex is BadImageFormatException or IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                return Fail("PUB004", $"cannot publicize {source}: {ex.Message}");
            }
        }

        return 0;
    }

    private readonly record struct Stats(int Types, int Members);

    private static Stats Publicize(string source, string target, IEnumerable<string> allInputs)
    {
        using var resolver = new DefaultAssemblyResolver();
        foreach (string dir in allInputs.Select(p => Path.GetDirectoryName(Path.GetFullPath(p))!).Distinct(StringComparer.Ordinal))
        {
            resolver.AddSearchDirectory(dir);
        }

        var readerParameters = new ReaderParameters
        {
            AssemblyResolver = resolver,
            InMemory = true,     // do not keep the package file open or mapped
            ReadSymbols = false,
        };

        using AssemblyDefinition assembly = AssemblyDefinition.ReadAssembly(source, readerParameters);
        int types = 0, members = 0;
        foreach (ModuleDefinition module in assembly.Modules)
        {
            // GetTypes() yields every type, nested ones included, in metadata order.
            foreach (TypeDefinition type in module.GetTypes())
            {
                if (OpenType(type))
                {
                    types++;
                }
                foreach (FieldDefinition field in type.Fields)
                {
                    if (OpenField(field))
                    {
                        members++;
                    }
                }
                // Methods include constructors and property / event accessors.
                foreach (MethodDefinition method in type.Methods)
                {
                    if (OpenMethod(method))
                    {
                        members++;
                    }
                }
            }
        }

        // Write next to the target and move into place, so an interrupted run never
        // leaves a half-written file that looks up to date to an incremental build;
        // the process id keeps two builds running at once from sharing a temporary file.
        string temp = $"{target}.{Environment.ProcessId}.tmp";
        assembly.Write(temp, new WriterParameters { DeterministicMvid = true });
        File.Move(temp, target, overwrite: true);
        return new Stats(types, members);
    }

    private static bool OpenType(TypeDefinition type)
    {
        TypeAttributes visibility = type.Attributes & TypeAttributes.VisibilityMask;
        TypeAttributes opened;
        if (type.IsNested)
        {
            opened = visibility switch
            {
                TypeAttributes.NestedAssembly or TypeAttributes.NestedFamANDAssem or TypeAttributes.NestedFamORAssem => TypeAttributes.NestedPublic,
                _ => visibility, // NestedPublic, NestedFamily, NestedPrivate
            };
        }
        else
        {
            // "<Module>" is the global type: leave it as the compiler wrote it.
            opened = visibility == TypeAttributes.NotPublic && type.Name != "<Module>" ? TypeAttributes.Public : visibility;
        }

        if (opened == visibility)
        {
            return false;
        }
        type.Attributes = (type.Attributes & ~TypeAttributes.VisibilityMask) | opened;
        return true;
    }

    private static bool OpenField(FieldDefinition field)
    {
        FieldAttributes access = field.Attributes & FieldAttributes.FieldAccessMask;
        if (access is not (FieldAttributes.Assembly or FieldAttributes.FamANDAssem or FieldAttributes.FamORAssem))
        {
            return false;
        }
        field.Attributes = (field.Attributes & ~FieldAttributes.FieldAccessMask) | FieldAttributes.Public;
        return true;
    }

    private static bool OpenMethod(MethodDefinition method)
    {
        MethodAttributes access = method.Attributes & MethodAttributes.MemberAccessMask;
        MethodAttributes opened = access switch
        {
            MethodAttributes.Assembly => MethodAttributes.Public,
            MethodAttributes.FamANDAssem or MethodAttributes.FamORAssem =>
                method.IsVirtual ? MethodAttributes.Family : MethodAttributes.Public,
            _ => access, // Public, Family, Private, CompilerControlled
        };

        if (opened == access)
        {
            return false;
        }
        method.Attributes = (method.Attributes & ~MethodAttributes.MemberAccessMask) | opened;
        return true;
    }

    private static int Fail(string code, string message)
    {
        // MSBuild's canonical error format, so the Exec task reports it as a build error.
        Console.Error.WriteLine($"{Tool} : error {code}: {message}");
        return 1;
    }

    private static void PrintUsage(TextWriter writer)
    {
        writer.WriteLine($"Usage: {Tool} --output <folder> <assembly.dll> [<assembly.dll> ...]");
        writer.WriteLine("Writes copies of the assemblies with internal, private protected and protected internal");
        writer.WriteLine("types and members made accessible (virtual ones protected, others public). Compile-time use only.");
    }
}
