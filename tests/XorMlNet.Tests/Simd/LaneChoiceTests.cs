using System.Runtime.Intrinsics;
using Mono.Cecil;
using Mono.Cecil.Cil;
using XorMlNet.Simd;

namespace XorMlNet.Tests.Simd;

/// <summary>
/// The lane width is chosen in one place, <see cref="LaneChoice"/>: Auto means the widest accelerated width, a forced width
/// (what the tests pass through <c>TrainingSettings.LaneWidth</c> and <c>CreateRowScorer</c>) is kept whether the machine
/// accelerates it or not, and no other code instantiates a kernel for a concrete lane type.
/// </summary>
public class LaneChoiceTests
{
    [Fact]
    public void Auto_IsTheWidestAcceleratedWidth()
    {
        LaneWidth expected = Vector512.IsHardwareAccelerated ? LaneWidth.Vector512
            : Vector256.IsHardwareAccelerated ? LaneWidth.Vector256
            : LaneWidth.Vector128;

        Assert.Equal(expected, LaneChoice.Resolve(LaneWidth.Auto));
        Assert.Equal(LaneChoice.LaneType(expected), LaneChoice.LaneType(LaneWidth.Auto));
    }

    /// <summary>The width as its bit count (the enum is internal), and the lane type it must run.</summary>
    [Theory]
    [InlineData(128, typeof(Lanes128))]
    [InlineData(256, typeof(Lanes256))]
    [InlineData(512, typeof(Lanes512))]
    public void ForcedWidth_IsKept_AndRunsItsLaneType(int bits, Type laneType)
    {
        var width = (LaneWidth)bits;
        Assert.Equal(width, LaneChoice.Resolve(width));
        Assert.Equal(laneType, LaneChoice.Run<LaneTypeProbe, Type>(width, default));
        Assert.Equal(laneType, LaneChoice.LaneType(width));
        Assert.Equal(typeof(TileKernel<>).MakeGenericType(laneType), TileKernel.For(width));
    }

    /// <summary>
    /// No method outside <see cref="LaneChoice"/> (and the lane types' own members) names a concrete lane type as a type
    /// argument: a second switch over the widths, e.g. a call of <c>TileKernel&lt;Lanes512&gt;.Gradient</c>, fails here.
    /// </summary>
    [Fact]
    public void OnlyLaneChoice_InstantiatesCodeForAConcreteLaneType()
    {
        string[] laneTypes = [typeof(Lanes128).FullName!, typeof(Lanes256).FullName!, typeof(Lanes512).FullName!];
        using AssemblyDefinition assembly = AssemblyDefinition.ReadAssembly(typeof(LaneChoice).Assembly.Location);
        var offenders = new List<string>();
        foreach (TypeDefinition type in assembly.MainModule.GetTypes())
        {
            TypeDefinition outer = type;
            while (outer.DeclaringType is not null)
            {
                outer = outer.DeclaringType;
            }
            if (outer.FullName == typeof(LaneChoice).FullName || laneTypes.Contains(outer.FullName))
            {
                continue;
            }
            foreach (MethodDefinition method in type.Methods.Where(m => m.HasBody))
            {
                foreach (Instruction instruction in method.Body.Instructions)
                {
                    if (instruction.Operand is MemberReference member && NamesLaneTypeArgument(member, laneTypes))
                    {
                        offenders.Add($"{type.FullName}.{method.Name}: {member.FullName}");
                    }
                }
            }
        }
        Assert.Empty(offenders);
    }

    /// <summary>Types and methods in <see cref="XorMlNet.Network"/> reference nothing of the vector code or of training, and the vector code nothing of training or of the ML.NET glue.</summary>
    [Theory]
    [InlineData("XorMlNet.Network", new[] { "XorMlNet.Simd", "XorMlNet.Training", "XorMlNet.Persistence" })]
    [InlineData("XorMlNet.Simd", new[] { "XorMlNet.Training", "XorMlNet.Persistence", "XorMlNet" })]
    public void Namespace_ReferencesOnlyTheLayersBelowIt(string layer, string[] forbidden)
    {
        using AssemblyDefinition assembly = AssemblyDefinition.ReadAssembly(typeof(LaneChoice).Assembly.Location);
        var offenders = new SortedSet<string>();
        foreach (TypeDefinition type in assembly.MainModule.GetTypes().Where(t => Namespace(t) == layer))
        {
            foreach (TypeReference referenced in References(type))
            {
                if (referenced.Scope == assembly.MainModule && forbidden.Contains(Namespace(referenced)))
                {
                    offenders.Add($"{type.FullName} → {referenced.FullName}");
                }
            }
        }
        Assert.Empty(offenders);
    }

    /// <summary>
    /// All the vector code is in <see cref="XorMlNet.Simd"/>: no type of another namespace of the library references
    /// the SIMD types (<c>System.Runtime.Intrinsics</c>, <c>System.Numerics.Vector</c>, <c>Vector{T}</c>) in its
    /// fields, signatures or method bodies.
    /// </summary>
    [Fact]
    public void SimdTypes_AreReferencedOnlyFromTheVectorNamespace()
    {
        using AssemblyDefinition assembly = AssemblyDefinition.ReadAssembly(typeof(LaneChoice).Assembly.Location);
        var offenders = new SortedSet<string>();
        foreach (TypeDefinition type in assembly.MainModule.GetTypes().Where(t => Namespace(t) != "XorMlNet.Simd"))
        {
            foreach (TypeReference referenced in References(type))
            {
                if (IsSimd(referenced))
                {
                    offenders.Add($"{type.FullName} → {referenced.FullName}");
                }
            }
        }
        Assert.Empty(offenders);

        static bool IsSimd(TypeReference type) => Namespace(type) == "System.Runtime.Intrinsics"
            || (Namespace(type) == "System.Numerics" && type.Name.StartsWith("Vector", StringComparison.Ordinal));
    }

    private readonly struct LaneTypeProbe : ILaneCall<Type>
    {
        public Type Run<TV>() where TV : struct, ILanes<TV> => typeof(TV);
    }

    private static bool NamesLaneTypeArgument(MemberReference member, string[] laneTypes)
    {
        IEnumerable<TypeReference> arguments = member switch
        {
            GenericInstanceMethod method => method.GenericArguments.Concat(Arguments(method.DeclaringType)),
            MethodReference method => Arguments(method.DeclaringType),
            FieldReference field => Arguments(field.DeclaringType),
            TypeReference type => Arguments(type),
            _ => [],
        };
        return arguments.Any(a => laneTypes.Contains(a.FullName));

        static IEnumerable<TypeReference> Arguments(TypeReference type)
            => type is GenericInstanceType instance ? instance.GenericArguments.SelectMany(a => Arguments(a).Prepend(a)) : [];
    }

    private static string Namespace(TypeReference type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }
        return type.Namespace;
    }

    /// <summary>Every type <paramref name="type"/> names: base, interfaces, fields, signatures, and the operands of its code.</summary>
    private static IEnumerable<TypeReference> References(TypeDefinition type)
    {
        var found = new List<TypeReference>();
        void Add(TypeReference? t)
        {
            switch (t)
            {
                case null:
                    return;
                case GenericInstanceType instance:
                    Add(instance.ElementType);
                    instance.GenericArguments.ToList().ForEach(Add);
                    return;
                case TypeSpecification specification:
                    Add(specification.ElementType);
                    return;
                case GenericParameter:
                    return;
                default:
                    found.Add(t);
                    return;
            }
        }
        Add(type.BaseType);
        type.Interfaces.ToList().ForEach(i => Add(i.InterfaceType));
        type.Fields.ToList().ForEach(f => Add(f.FieldType));
        foreach (MethodDefinition method in type.Methods)
        {
            Add(method.ReturnType);
            method.Parameters.ToList().ForEach(p => Add(p.ParameterType));
            if (!method.HasBody)
            {
                continue;
            }
            method.Body.Variables.ToList().ForEach(v => Add(v.VariableType));
            foreach (Instruction instruction in method.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference t:
                        Add(t);
                        break;
                    case MethodReference m:
                        Add(m.DeclaringType);
                        Add(m.ReturnType);
                        m.Parameters.ToList().ForEach(p => Add(p.ParameterType));
                        if (m is GenericInstanceMethod g)
                        {
                            g.GenericArguments.ToList().ForEach(Add);
                        }
                        break;
                    case FieldReference f:
                        Add(f.DeclaringType);
                        Add(f.FieldType);
                        break;
                }
            }
        }
        return found;
    }
}
