using Microsoft.ML;
using Microsoft.ML.Data;

namespace XorMlNet;

/// <summary>
/// The input checks of <see cref="XorMlpEstimator"/> and <see cref="XorMlpTransformer"/>, with messages that name the
/// column, say what was expected and what was found, and hint at the ML.NET transform that fixes it. They run
/// before ML.NET's own, terser checks, at GetOutputSchema as well as at Fit and Transform.
/// </summary>
internal static class SchemaChecks
{
    private const string ParameterName = "inputSchema";

    /// <summary>The feature column exists and is a known-size vector of <see cref="float"/>.</summary>
    public static void CheckFeatures(SchemaShape schema, string name)
    {
        if (!schema.TryFindColumn(name, out SchemaShape.Column column))
        {
            throw Missing(schema.Select(c => c.Name), name, "feature",
                $"Build it from numeric columns with mlContext.Transforms.Concatenate(\"{name}\", ...), or set FeatureColumnName.");
        }
        string? problem = (column.Kind, column.ItemType) switch
        {
            (SchemaShape.Column.VectorKind.Vector, NumberDataViewType item) when item == NumberDataViewType.Single => null,
            (_, TextDataViewType) =>
                "holds text. Load numbers as Single columns (e.g. LoadFromTextFile with DataKind.Single) or featurize the text with mlContext.Transforms.Text.FeaturizeText",
            (_, NumberDataViewType item) when item != NumberDataViewType.Single =>
                $"holds {item.RawType.Name} values. Convert them with mlContext.Transforms.Conversion.ConvertType(\"{name}\", outputKind: DataKind.Single)",
            (SchemaShape.Column.VectorKind.Scalar, NumberDataViewType) =>
                $"is a single Single value per row, not a vector. Make it one with mlContext.Transforms.Concatenate(\"{name}\", \"{name}\")",
            (SchemaShape.Column.VectorKind.VariableVector, NumberDataViewType) =>
                "is a vector of variable size. Its size must be known from the schema: build it with mlContext.Transforms.Concatenate from scalar columns, or declare [VectorType(size)] on the property",
            _ => $"is of type {column.GetTypeString()}. Convert it with mlContext.Transforms.Conversion.ConvertType, or build it with mlContext.Transforms.Concatenate",
        };
        if (problem is not null)
        {
            throw new ArgumentOutOfRangeException(ParameterName,
                $"The feature column '{name}' {problem}. XorMlp needs a known-size vector of Single.");
        }
    }

    /// <summary>The label column exists and is a <see cref="bool"/> or <see cref="float"/> scalar.</summary>
    public static void CheckLabel(SchemaShape schema, string name)
    {
        if (!schema.TryFindColumn(name, out SchemaShape.Column column))
        {
            throw Missing(schema.Select(c => c.Name), name, "label", "Set LabelColumnName to the name of your label column.");
        }
        CheckLabel(column, name);
    }

    /// <summary>A label column found in the schema is a <see cref="bool"/> or <see cref="float"/> scalar.</summary>
    public static void CheckLabel(SchemaShape.Column column, string name)
    {
        bool accepted = column.Kind == SchemaShape.Column.VectorKind.Scalar
            && (column.ItemType == BooleanDataViewType.Instance || column.ItemType == NumberDataViewType.Single);
        if (!accepted)
        {
            throw new ArgumentOutOfRangeException(ParameterName,
                $"The label column '{name}' is {column.GetTypeString()}. XorMlp accepts a Boolean label (ML.NET's convention) or a Single label in [0, 1]; " +
                $"convert it with mlContext.Transforms.Conversion.ConvertType(\"{name}\", outputKind: DataKind.Boolean) or map its values with mlContext.Transforms.Conversion.MapValue.");
        }
    }

    /// <summary>At scoring: the feature column is a vector of exactly the length the model was trained on.</summary>
    public static void CheckScoringFeatures(DataViewSchema schema, string name, int trainedLength)
    {
        CheckFeatures(SchemaShape.Create(schema), name);
        int length = ((VectorDataViewType)schema[name].Type).Size;
        if (length != trainedLength)
        {
            throw new ArgumentOutOfRangeException(ParameterName,
                $"The feature column '{name}' has {length} values per row, but the model was trained on {trainedLength}. Score data built by the same pipeline as the training data.");
        }
    }

    private static ArgumentOutOfRangeException Missing(IEnumerable<string> present, string name, string role, string hint)
        => new(ParameterName,
            $"The input has no {role} column '{name}' (it has: {string.Join(", ", present.Select(n => $"'{n}'"))}). {hint}");
}
