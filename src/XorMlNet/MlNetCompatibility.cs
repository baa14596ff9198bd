using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Runtime.CompilerServices;
using Microsoft.ML;

namespace XorMlNet;

/// <summary>
/// XorMlNet uses ML.NET internals (build/README.md), which carry no compatibility promise, and ML.NET's assembly
/// version is always 1.0.0.0, so nothing stops an application from running it on an ML.NET release it was never tested
/// with. This check runs once, before any other code of this assembly: on a Microsoft.ML release outside the tested
/// range it walks every ML.NET type and member this assembly references, and if any is missing or changed, every use
/// of XorMlNet fails with one message naming the supported range and the version found, instead of a
/// MissingMethodException or TypeLoadException from deep inside a fit or a load.
/// </summary>
internal static class MlNetCompatibility
{
    /// <summary>The name of the assembly metadata (set by the build from Directory.Build.props) holding the tested range.</summary>
    private const string RangeMetadataKey = "XorMlNet.SupportedMlNetVersions";

    /// <summary>
    /// Runs the check when the assembly is first used. A module initializer runs before any type of the assembly is
    /// used, so the check comes before the first type load or call that could fail on changed internals.
    /// </summary>
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "The check must run before any type deriving from ML.NET's internals is used.")]
    internal static void CheckOnFirstUse() => EnsureSupported(typeof(MLContext).Assembly);

    /// <summary>
    /// Throws when <paramref name="mlNet"/> (the loaded Microsoft.ML.Data) is outside the tested range and any ML.NET type
    /// or member this assembly uses does not resolve against it; returns quietly otherwise.
    /// </summary>
    /// <exception cref="NotSupportedException">The loaded ML.NET lacks internals this assembly uses; the message names both versions.</exception>
    internal static void EnsureSupported(Assembly mlNet)
    {
        (Version minimum, Version limit) = SupportedRange();
        string found = InformationalVersion(mlNet);
        if (Version.TryParse(found.Split('-', '+')[0], out Version? version) && version >= minimum && version < limit)
        {
            return;
        }
        IReadOnlyList<string> missing = FindMissing(typeof(MlNetCompatibility).Assembly);
        if (missing.Count > 0)
        {
            throw new NotSupportedException(
                $"XorMlNet {InformationalVersion(typeof(MlNetCompatibility).Assembly)} supports Microsoft.ML {minimum} up to (not including) {limit}, " +
                $"but this process loaded Microsoft.ML {found}, whose internals differ from those XorMlNet uses: " +
                $"{missing.Count} of the ML.NET types and members it uses are missing or changed ({string.Join("; ", missing.Take(3).Select(m => m.TrimEnd('.')))}). " +
                $"Reference Microsoft.ML {minimum.Major}.{minimum.Minor}.x to {limit.Major}.{limit.Minor - 1}.x, or a release of XorMlNet that supports Microsoft.ML {found}.");
        }
    }

    /// <summary>The tested range [minimum, limit), as the build recorded it in this assembly's metadata.</summary>
    internal static (Version Minimum, Version Limit) SupportedRange()
    {
        string range = typeof(MlNetCompatibility).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == RangeMetadataKey).Value ?? "";
        string[] bounds = range.Trim('[', ')').Split(',');
        return (Version.Parse(bounds[0]), Version.Parse(bounds[1]));
    }

    /// <summary>An assembly's informational version without its source revision ("6.0.0+abc…" → "6.0.0").</summary>
    internal static string InformationalVersion(Assembly assembly)
        => assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
            ?? assembly.GetName().Version?.ToString() ?? "(unknown)";

    /// <summary>
    /// Every ML.NET type and member that <paramref name="assembly"/> references (read from its metadata) and that does not
    /// resolve against the loaded ML.NET, and every type of the assembly that does not load (a type load checks its
    /// overrides of ML.NET's private protected members and its implementations of ML.NET's internal interfaces).
    /// </summary>
    internal static IReadOnlyList<string> FindMissing(Assembly assembly) => FindMissing(assembly, out _);

    /// <inheritdoc cref="FindMissing(Assembly)"/>
    /// <param name="assembly">The assembly whose references to check.</param>
    /// <param name="checkedCount">How many ML.NET types and members were checked.</param>
    internal static IReadOnlyList<string> FindMissing(Assembly assembly, out int checkedCount)
    {
        var missing = new List<string>();
        checkedCount = 0;
        if (string.IsNullOrEmpty(assembly.Location))
        {
            missing.Add($"(the metadata of {assembly.GetName().Name} cannot be read from a file, so its references could not be checked)");
            return missing;
        }
        Module module = assembly.ManifestModule;
        using var pe = new PEReader(File.OpenRead(assembly.Location));
        MetadataReader metadata = pe.GetMetadataReader();
        foreach (TypeReferenceHandle handle in metadata.TypeReferences)
        {
            if (!IsMlNet(metadata, handle))
            {
                continue;
            }
            checkedCount++;
            try
            {
                module.ResolveType(MetadataTokens.GetToken(handle));
            }
            catch (Exception ex) when (ex is TypeLoadException or ArgumentException or FileNotFoundException or FileLoadException)
            {
                missing.Add($"type {TypeName(metadata, handle)}: {ex.Message}");
            }
        }
        foreach (MemberReferenceHandle handle in metadata.MemberReferences)
        {
            MemberReference reference = metadata.GetMemberReference(handle);
            if (ParentTypeReference(metadata, reference.Parent) is not { } parent || !IsMlNet(metadata, parent))
            {
                continue;
            }
            checkedCount++;
            string name = $"{TypeName(metadata, parent)}.{metadata.GetString(reference.Name)}";
            try
            {
                module.ResolveMember(MetadataTokens.GetToken(handle));
            }
            catch (ArgumentException) when (reference.Parent.Kind == HandleKind.TypeSpecification)
            {
                // A member of a generic ML.NET type instantiated over a type parameter of ours: check it by name.
                const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
                Type? definition = Resolve(module, parent);
                if (definition is null || definition.GetMember(metadata.GetString(reference.Name), All).Length == 0)
                {
                    missing.Add($"member {name}");
                }
            }
            catch (Exception ex) when (ex is MissingMemberException or TypeLoadException or BadImageFormatException or FileNotFoundException or FileLoadException)
            {
                missing.Add($"member {name}: {ex.Message}");
            }
        }
        try
        {
            assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            missing.AddRange(ex.LoaderExceptions.Select(e => $"type load: {e?.Message}"));
        }
        return missing;
    }

    private static bool IsMlNet(MetadataReader metadata, TypeReferenceHandle handle)
    {
        TypeReference reference = metadata.GetTypeReference(handle);
        return reference.ResolutionScope.Kind switch
        {
            HandleKind.AssemblyReference => metadata.GetString(metadata.GetAssemblyReference((AssemblyReferenceHandle)reference.ResolutionScope).Name)
                .StartsWith("Microsoft.ML", StringComparison.Ordinal),
            HandleKind.TypeReference => IsMlNet(metadata, (TypeReferenceHandle)reference.ResolutionScope),
            _ => false,
        };
    }

    private static string TypeName(MetadataReader metadata, TypeReferenceHandle handle)
    {
        TypeReference reference = metadata.GetTypeReference(handle);
        string name = metadata.GetString(reference.Name);
        return reference.ResolutionScope.Kind == HandleKind.TypeReference
            ? $"{TypeName(metadata, (TypeReferenceHandle)reference.ResolutionScope)}+{name}"
            : $"{metadata.GetString(reference.Namespace)}.{name}";
    }

    /// <summary>The type reference a member reference's parent names, directly or as a generic instantiation.</summary>
    private static TypeReferenceHandle? ParentTypeReference(MetadataReader metadata, EntityHandle parent)
    {
        if (parent.Kind == HandleKind.TypeReference)
        {
            return (TypeReferenceHandle)parent;
        }
        if (parent.Kind != HandleKind.TypeSpecification)
        {
            return null;
        }
        BlobReader blob = metadata.GetBlobReader(metadata.GetTypeSpecification((TypeSpecificationHandle)parent).Signature);
        if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance)
        {
            return null;
        }
        blob.ReadSignatureTypeCode(); // class or value type
        EntityHandle generic = blob.ReadTypeHandle();
        return generic.Kind == HandleKind.TypeReference ? (TypeReferenceHandle)generic : null;
    }

    private static Type? Resolve(Module module, TypeReferenceHandle handle)
    {
        try
        {
            return module.ResolveType(MetadataTokens.GetToken(handle));
        }
        catch (TypeLoadException)
        {
            return null;
        }
    }
}
