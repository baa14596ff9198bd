using Microsoft.ML;
using Microsoft.ML.Data;
using XorMlNet.Cli.Data;

namespace XorMlNet.Cli;

/// <summary>
/// A model as <c>xormlnet train</c> saves it: an ML.NET pipeline ending in <see cref="XorMlpTransformer"/>, saved with
/// an input schema of two columns: the features, one vector of <see cref="float"/> whose slot names are the CSV
/// columns it was read from, and the label. The label and the feature columns of <c>evaluate</c> and
/// <c>predict</c> come from it.
/// </summary>
internal sealed class ModelFile
{
    private ModelFile(string path, ITransformer model, XorMlpTransformer network, string[] featureNames, DataViewSchema.Column? label)
    {
        Path = path;
        Model = model;
        Network = network;
        FeatureNames = featureNames;
        Label = label;
    }

    /// <summary>The path as the user gave it.</summary>
    public string Path { get; }

    /// <summary>The whole pipeline.</summary>
    public ITransformer Model { get; }

    /// <summary>Its last step, the network.</summary>
    public XorMlpTransformer Network { get; }

    /// <summary>The vector column the pipeline takes.</summary>
    public string FeatureColumn => Network.FeatureColumnName;

    /// <summary>The CSV columns that make up the feature vector, in order.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>The label column it was trained with, when the input schema has it.</summary>
    public DataViewSchema.Column? Label { get; }

    /// <summary>ML.NET's annotation kind for the names of a vector's slots.</summary>
    private const string SlotNamesKind = "SlotNames";

    /// <summary>The schema <c>xormlnet train</c> saves with the model.</summary>
    public static DataViewSchema InputSchema(string featureColumn, IReadOnlyList<string> featureNames, string label, DataViewType labelType)
    {
        var slotNames = new DataViewSchema.Annotations.Builder();
        slotNames.Add(SlotNamesKind, new VectorDataViewType(TextDataViewType.Instance, featureNames.Count), (ref VBuffer<ReadOnlyMemory<char>> names)
            => names = new VBuffer<ReadOnlyMemory<char>>(featureNames.Count, featureNames.Select(n => n.AsMemory()).ToArray()));
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(featureColumn, new VectorDataViewType(NumberDataViewType.Single, featureNames.Count), slotNames.ToAnnotations());
        builder.AddColumn(label, labelType);
        return builder.ToSchema();
    }

    /// <summary>Loads a model written by <c>xormlnet train</c>.</summary>
    /// <exception cref="CliError">The file is missing, is not an ML.NET model, or is a model of another kind.</exception>
    public static ModelFile Load(MLContext mlContext, string path)
    {
        if (!File.Exists(path))
        {
            throw new CliError(Directory.Exists(path)
                ? $"'{path}' is a folder, not a model file."
                : $"The model file '{path}' does not exist.");
        }
        if (!IsZip(path))
        {
            throw new CliError($"'{path}' is not a model file: a model is the zip archive that 'xormlnet train' (mlContext.Model.Save) writes.");
        }
        ITransformer model;
        DataViewSchema? inputSchema;
        try
        {
            model = mlContext.Model.Load(path, out inputSchema);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // ML.NET wraps a loader's error once per nesting level; the innermost one says what is wrong.
            throw new CliError($"Cannot load the model '{path}': {Messages.OneLine(ex.GetBaseException())}");
        }

        ITransformer last = model is TransformerChain<ITransformer> chain ? chain.LastOrDefault() ?? model : model;
        if (last is not XorMlpTransformer network)
        {
            throw new CliError(
                $"'{path}' is an ML.NET model, but not XorMlNet's: its last step is {TypeName(last.GetType())}. " +
                "xormlnet evaluates and applies the models 'xormlnet train' writes.");
        }
        if (inputSchema?.GetColumnOrNull(network.FeatureColumnName) is not { Type: VectorDataViewType { ItemType: var itemType, Size: > 0 } } features
            || itemType != NumberDataViewType.Single
            || !features.HasSlotNames())
        {
            throw new CliError(
                $"'{path}' holds an XorMlNet network, but was not saved by 'xormlnet train': its input schema has no vector column " +
                $"'{network.FeatureColumnName}' whose slot names name the CSV columns it reads. Load it with ML.NET instead.");
        }
        VBuffer<ReadOnlyMemory<char>> slotNames = default;
        features.GetSlotNames(ref slotNames);
        string[] names = slotNames.DenseValues().Select(n => n.ToString()).ToArray();
        DataViewSchema.Column? label = network.LabelColumnName is { } labelName ? inputSchema.GetColumnOrNull(labelName) : null;
        return new ModelFile(path, model, network, names, label);
    }

    /// <summary>"BinaryPredictionTransformer&lt;CalibratedModelParametersBase&gt;": the type's name without the arity marks.</summary>
    private static string TypeName(Type type)
    {
        string name = type.Name.Split('`')[0];
        return type.IsGenericType ? $"{name}<{string.Join(", ", type.GetGenericArguments().Select(TypeName))}>" : name;
    }

    /// <summary>The file starts as a zip archive does (local file header, or the end record of an empty archive).</summary>
    private static bool IsZip(string path)
    {
        Span<byte> signature = stackalloc byte[4];
        try
        {
            using FileStream stream = File.OpenRead(path);
            if (stream.ReadAtLeast(signature, signature.Length, throwOnEndOfStream: false) < signature.Length)
            {
                return false;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliError($"Cannot read the model file '{path}': {Messages.OneLine(ex)}");
        }
        return signature is [(byte)'P', (byte)'K', 3, 4] or [(byte)'P', (byte)'K', 5, 6];
    }

    /// <summary>
    /// The indices in <paramref name="file"/> of the feature columns, each checked to hold numbers only once
    /// <paramref name="scan"/> is given.
    /// </summary>
    /// <exception cref="CliError">Names the model, the columns it was trained on and those the file lacks.</exception>
    public int[] FeatureIndices(CsvFile file)
    {
        var indices = new int[FeatureNames.Count];
        var missing = new List<string>();
        for (int i = 0; i < indices.Length; i++)
        {
            indices[i] = file.IndexOf(FeatureNames[i]);
            if (indices[i] < 0)
            {
                missing.Add(FeatureNames[i]);
            }
        }
        if (missing.Count > 0)
        {
            throw new CliError(
                $"The model '{Path}' was trained on the columns {CsvFile.ListColumns(FeatureNames)}, " +
                $"but '{file.Path}' has no column {CsvFile.ListColumns(missing)}; its columns are {CsvFile.ListColumns(file.Header)}.");
        }
        return indices;
    }

    /// <summary>Applies the model, checking first that it accepts the data's schema.</summary>
    /// <exception cref="CliError">The model does not accept the data.</exception>
    public IDataView Score(IDataView data, string dataPath)
    {
        try
        {
            return Model.Transform(data);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            throw new CliError($"The model '{Path}' cannot score '{dataPath}': {Messages.OneLine(ex)}");
        }
    }
}
