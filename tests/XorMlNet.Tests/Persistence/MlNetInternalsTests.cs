using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace XorMlNet.Tests.Persistence;

/// <summary>
/// XorMlNet compiles against publicized copies of Microsoft.ML.Core and Microsoft.ML.Data and calls their internals at
/// run time (build/README.md). ML.NET's assembly version never changes, so nothing but a test notices when one of
/// those internals is gone from the ML.NET actually loaded: these tests fail, naming every missing type or member.
/// </summary>
public class MlNetInternalsTests
{
    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Assembly Core = typeof(Microsoft.ML.Runtime.IHostEnvironment).Assembly;
    private static readonly Assembly Data = typeof(MLContext).Assembly;

    /// <summary>
    /// Every internal (or private protected) type and member of ML.NET that XorMlNet's persistence, trainer and
    /// transformer use, by name and signature, looked up in the runtime assemblies.
    /// </summary>
    [Fact]
    public void InternalsWeUse_ArePresentInTheRuntimeMlNet()
    {
        var missing = new List<string>();

        // Microsoft.ML.Core: saving and loading.
        Type? saveContext = Find(missing, Core, "Microsoft.ML.ModelSaveContext");
        Type? loadContext = Find(missing, Core, "Microsoft.ML.ModelLoadContext");
        Type? header = Find(missing, Core, "Microsoft.ML.ModelHeader");
        Type? versionInfo = Find(missing, Core, "Microsoft.ML.VersionInfo");
        Type? signatureLoadModel = Find(missing, Core, "Microsoft.ML.SignatureLoadModel");
        Type? loadableClass = Find(missing, Core, "Microsoft.ML.LoadableClassAttribute");
        Type? hostEnvironment = Find(missing, Core, "Microsoft.ML.Runtime.IHostEnvironment");
        Type? exceptionContext = Find(missing, Core, "Microsoft.ML.Runtime.IExceptionContext");
        if (saveContext is not null && versionInfo is not null)
        {
            Field(missing, saveContext, "Writer", typeof(BinaryWriter));
            Method(missing, saveContext, "SetVersionInfo", versionInfo);
            Method(missing, saveContext, "SaveStringOrNull", typeof(string));
            Method(missing, saveContext, "CheckAtModel");
        }
        if (loadContext is not null && versionInfo is not null && header is not null)
        {
            Field(missing, loadContext, "Reader", typeof(BinaryReader));
            Field(missing, loadContext, "Directory", typeof(string));
            Field(missing, loadContext, "Strings", typeof(string[]));
            Field(missing, loadContext, "FpMin", typeof(long));
            Field(missing, loadContext, "Header", header);
            Method(missing, loadContext, "CheckAtModel", versionInfo);
            Method(missing, loadContext, "LoadStringOrNull");
            GenericMethod(missing, loadContext, "LoadModel", 2, hostEnvironment!, null, typeof(string), typeof(object[]));
        }
        if (header is not null)
        {
            Field(missing, header, "FpModel", typeof(long));
            Field(missing, header, "CbModel", typeof(long));
            Field(missing, header, "ModelVerWritten", typeof(uint));
            Field(missing, header, "ModelVerReadable", typeof(uint));
        }
        if (versionInfo is not null)
        {
            Constructor(missing, versionInfo, typeof(string), typeof(uint), typeof(uint), typeof(uint), typeof(string), typeof(string), typeof(string));
            Field(missing, versionInfo, "VerWrittenCur", typeof(uint));
            Field(missing, versionInfo, "VerWeCanReadBack", typeof(uint));
        }
        if (signatureLoadModel is not null && loadContext is not null)
        {
            Method(missing, signatureLoadModel, "Invoke", loadContext);
        }
        if (loadableClass is not null)
        {
            Constructor(missing, loadableClass, typeof(Type), typeof(Type), typeof(Type), typeof(string), typeof(string[]));
            Constructor(missing, loadableClass, typeof(Type), typeof(Type), typeof(Type), typeof(Type), typeof(string), typeof(string[]));
        }
        if (exceptionContext is not null)
        {
            GenericMethod(missing, exceptionContext, "Process", 1, [null]);
        }

        // Microsoft.ML.Core: the trainer's and the model's contracts.
        Type? valueMapper = Find(missing, Core, "Microsoft.ML.Data.IValueMapper");
        Type? valueMapperDist = Find(missing, Core, "Microsoft.ML.Data.IValueMapperDist");
        Type? predictor = Find(missing, Core, "Microsoft.ML.IPredictor");
        Type? predictionKind = Find(missing, Core, "Microsoft.ML.PredictionKind");
        Type? trainContext = Find(missing, Core, "Microsoft.ML.TrainContext");
        Type? trainerInfo = Find(missing, Core, "Microsoft.ML.TrainerInfo");
        Type? roleMappedSchema = Find(missing, Core, "Microsoft.ML.Data.RoleMappedSchema");
        Type? roleMappedData = Find(missing, Core, "Microsoft.ML.Data.RoleMappedData");
        Type? annotationUtils = Find(missing, Core, "Microsoft.ML.Data.AnnotationUtils");
        Type? schemaShapeColumn = Find(missing, Core, "Microsoft.ML.SchemaShape+Column");
        Type? bindableMapper = Find(missing, Core, "Microsoft.ML.Data.ISchemaBindableMapper");
        Find(missing, Core, "Microsoft.ML.Data.ISchemaBoundMapper");
        Find(missing, Core, "Microsoft.ML.Data.ValueMapper`2");
        Find(missing, Core, "Microsoft.ML.Data.ValueMapper`3");
        if (valueMapper is not null)
        {
            Method(missing, valueMapper, "get_InputType");
            Method(missing, valueMapper, "get_OutputType");
            GenericMethod(missing, valueMapper, "GetMapper", 2);
        }
        if (valueMapperDist is not null)
        {
            Method(missing, valueMapperDist, "get_DistType");
            GenericMethod(missing, valueMapperDist, "GetMapper", 3);
        }
        if (predictor is not null && predictionKind is not null)
        {
            Method(missing, predictor, "get_PredictionKind");
            Field(missing, predictionKind, "BinaryClassification", predictionKind);
        }
        if (trainContext is not null && roleMappedData is not null)
        {
            Method(missing, trainContext, "get_TrainingSet");
            Method(missing, trainContext, "get_ValidationSet");
            Method(missing, roleMappedData, "get_Schema");
            Method(missing, roleMappedData, "get_Data");
        }
        if (trainerInfo is not null)
        {
            Constructor(missing, trainerInfo, typeof(bool), typeof(bool), typeof(bool), typeof(bool), typeof(bool), typeof(bool));
        }
        if (roleMappedSchema is not null)
        {
            Constructor(missing, roleMappedSchema, typeof(DataViewSchema), typeof(string), typeof(string), typeof(string), typeof(string), typeof(string),
                typeof(IEnumerable<>).MakeGenericType(typeof(KeyValuePair<,>).MakeGenericType(roleMappedSchema.GetNestedType("ColumnRole", All)!, typeof(string))),
                typeof(bool));
            Method(missing, roleMappedSchema, "get_Feature");
            Method(missing, roleMappedSchema, "get_Label");
        }
        if (annotationUtils is not null)
        {
            Method(missing, annotationUtils, "GetTrainerOutputAnnotation", typeof(bool));
        }
        if (schemaShapeColumn is not null)
        {
            Constructor(missing, schemaShapeColumn, typeof(string), schemaShapeColumn.GetNestedType("VectorKind", All)!, typeof(DataViewType), typeof(bool), typeof(SchemaShape));
        }
        if (bindableMapper is not null && roleMappedSchema is not null)
        {
            Method(missing, bindableMapper, "Bind", hostEnvironment!, roleMappedSchema);
        }

        // Microsoft.ML.Data: base classes, scorer, utilities.
        Type? transformerBase = Find(missing, Data, "Microsoft.ML.Data.PredictionTransformerBase`1");
        Type? singleFeatureBase = Find(missing, Data, "Microsoft.ML.Data.SingleFeaturePredictionTransformerBase`1");
        Type? modelParametersBase = Find(missing, Data, "Microsoft.ML.Trainers.ModelParametersBase`1");
        Type? trainerBase = Find(missing, Data, "Microsoft.ML.Trainers.TrainerEstimatorBase`2");
        Type? scorer = Find(missing, Data, "Microsoft.ML.Data.BinaryClassifierScorer");
        Type? scorerArguments = Find(missing, Data, "Microsoft.ML.Data.BinaryClassifierScorer+Arguments");
        Type? thresholdArguments = Find(missing, Data, "Microsoft.ML.Data.PredictedLabelScorerBase+ThresholdArgumentsBase");
        Type? rowToRowScorer = Find(missing, Data, "Microsoft.ML.Data.RowToRowScorerBase");
        Type? emptyDataView = Find(missing, Data, "Microsoft.ML.Data.EmptyDataView");
        Type? catalogUtils = Find(missing, Data, "Microsoft.ML.Data.CatalogUtils");
        Type? internalCatalog = Find(missing, Data, "Microsoft.ML.Data.IInternalCatalog");
        Type? trainerUtils = Find(missing, Data, "Microsoft.ML.Trainers.TrainerUtils");
        Type? host = Core.GetType("Microsoft.ML.Runtime.IHost");
        if (transformerBase is not null && bindableMapper is not null && rowToRowScorer is not null)
        {
            Field(missing, transformerBase, "Host", host!);
            Field(missing, transformerBase, "BindableMapper", bindableMapper);
            Field(missing, transformerBase, "TrainSchema", typeof(DataViewSchema));
            Method(missing, transformerBase, "get_Scorer");
            Method(missing, transformerBase, "set_Scorer", rowToRowScorer);
            Method(missing, transformerBase, "SaveModel", saveContext!);
            Method(missing, rowToRowScorer, "ApplyToData", hostEnvironment!, typeof(IDataView));
        }
        if (singleFeatureBase is not null && loadContext is not null && saveContext is not null)
        {
            Type model = singleFeatureBase.GetGenericArguments()[0];
            Constructor(missing, singleFeatureBase, host!, model, typeof(DataViewSchema), typeof(string));
            Constructor(missing, singleFeatureBase, host!, loadContext, model);
            Method(missing, singleFeatureBase, "SaveCore", saveContext);
        }
        if (modelParametersBase is not null && saveContext is not null)
        {
            Constructor(missing, modelParametersBase, hostEnvironment!, typeof(string));
            Field(missing, modelParametersBase, "Host", host!);
            Method(missing, modelParametersBase, "SaveCore", saveContext);
            Method(missing, modelParametersBase, "get_PredictionKind");
        }
        if (trainerBase is not null && trainContext is not null && schemaShapeColumn is not null)
        {
            Type[] parameters = trainerBase.GetGenericArguments();
            Constructor(missing, trainerBase, host!, schemaShapeColumn, schemaShapeColumn, schemaShapeColumn);
            Field(missing, trainerBase, "Host", host!);
            Method(missing, trainerBase, "TrainModelCore", trainContext);
            Method(missing, trainerBase, "MakeTransformer", parameters[1], typeof(DataViewSchema));
            Method(missing, trainerBase, "GetOutputColumnsCore", typeof(SchemaShape));
            Method(missing, trainerBase, "CheckLabelCompatible", schemaShapeColumn);
            Method(missing, trainerBase, "get_PredictionKind");
            Method(missing, trainerBase, "get_Info");
            Method(missing, trainerBase, "TrainTransformer", typeof(IDataView), typeof(IDataView), predictor!);
        }
        if (scorer is not null && scorerArguments is not null && roleMappedSchema is not null)
        {
            Constructor(missing, scorer, hostEnvironment!, scorerArguments, typeof(IDataView), Core.GetType("Microsoft.ML.Data.ISchemaBoundMapper")!, roleMappedSchema);
            Constructor(missing, scorerArguments);
        }
        if (thresholdArguments is not null)
        {
            Field(missing, thresholdArguments, "Threshold", typeof(float));
            Field(missing, thresholdArguments, "ThresholdColumn", typeof(string));
        }
        if (emptyDataView is not null)
        {
            Constructor(missing, emptyDataView, hostEnvironment!, typeof(DataViewSchema));
        }
        if (catalogUtils is not null && internalCatalog is not null)
        {
            Method(missing, catalogUtils, "GetEnvironment", internalCatalog);
        }
        if (trainerUtils is not null)
        {
            Method(missing, trainerUtils, "MakeR4VecFeature", typeof(string));
            Method(missing, trainerUtils, "MakeBoolScalarLabel", typeof(string));
        }

        Assert.True(missing.Count == 0,
            $"The ML.NET loaded at run time ({Data.Location}) lacks {missing.Count} internal(s) XorMlNet relies on " +
            "(see build/README.md, 'Keep the ML.NET version pinned'):\n  " + string.Join("\n  ", missing));
    }

    /// <summary>
    /// The same question asked of the compiled code itself, so that nothing is forgotten: every type and member that
    /// XorMlNet.dll references in Microsoft.ML assemblies resolves against the runtime ones, and every type of
    /// XorMlNet loads (a type load checks its overrides of ML.NET's private protected members and its implementations
    /// of ML.NET's internal interfaces).
    /// </summary>
    [Fact]
    public void EveryMlNetReferenceOfXorMlNet_ResolvesAtRunTime()
    {
        Assembly ours = typeof(XorMlpTransformer).Assembly;

        IReadOnlyList<string> missing = MlNetCompatibility.FindMissing(ours, out int checkedCount);

        Assert.True(checkedCount > 50, $"only {checkedCount} ML.NET references were found in {ours.Location}: is the metadata walk broken?");
        Assert.True(missing.Count == 0,
            $"{missing.Count} of the {checkedCount} ML.NET types and members XorMlNet.dll references do not resolve against the ML.NET loaded at run time ({Data.Location}):\n  "
            + string.Join("\n  ", missing));
    }

    [Fact]
    public void TheLoadedMlNet_IsInTheSupportedRange_WhichTheChecksAccept()
    {
        (Version minimum, Version limit) = MlNetCompatibility.SupportedRange();
        var loaded = Version.Parse(MlNetCompatibility.InformationalVersion(Data).Split('-')[0]);

        Assert.Equal(new Version(5, 0, 1), minimum);
        Assert.True(loaded >= minimum && loaded < limit, $"ML.NET {loaded} is outside [{minimum}, {limit})");
        MlNetCompatibility.EnsureSupported(Data);
    }

    private static Type? Find(List<string> missing, Assembly assembly, string fullName)
    {
        Type? type = assembly.GetType(fullName, throwOnError: false);
        if (type is null)
        {
            missing.Add($"type {fullName} ({assembly.GetName().Name})");
        }
        return type;
    }

    private static void Field(List<string> missing, Type type, string name, Type fieldType)
    {
        FieldInfo? field = type.GetField(name, All);
        if (field is null || field.FieldType != fieldType)
        {
            missing.Add($"field {fieldType.Name} {type.FullName}.{name}" + (field is null ? "" : $" (found of type {field.FieldType.Name})"));
        }
    }

    private static void Method(List<string> missing, Type type, string name, params Type[] parameters)
    {
        if (type.GetMethod(name, All, null, parameters, null) is null)
        {
            missing.Add($"method {type.FullName}.{name}({string.Join(", ", parameters.Select(p => p.Name))})");
        }
    }

    /// <summary>A generic method by name, arity and parameter types (null: a type parameter or any type).</summary>
    private static void GenericMethod(List<string> missing, Type type, string name, int arity, params Type?[] parameters)
    {
        bool found = type.GetMethods(All).Any(m => m.Name == name && m.IsGenericMethodDefinition && m.GetGenericArguments().Length == arity
            && (parameters.Length == 0 || (m.GetParameters().Length == parameters.Length
                && m.GetParameters().Zip(parameters).All(p => p.Second is null || p.First.ParameterType == p.Second))));
        if (!found)
        {
            missing.Add($"method {type.FullName}.{name}<{new string(',', arity - 1)}>({string.Join(", ", parameters.Select(p => p?.Name ?? "T"))})");
        }
    }

    private static void Constructor(List<string> missing, Type type, params Type[] parameters)
    {
        if (type.GetConstructor(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance, null, parameters, null) is null)
        {
            missing.Add($"constructor {type.FullName}({string.Join(", ", parameters.Select(p => p.Name))})");
        }
    }
}
