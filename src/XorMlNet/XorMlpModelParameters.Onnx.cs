using Microsoft.ML.Model.OnnxConverter;
using Microsoft.ML.Runtime;

namespace XorMlNet;

/// <summary>
/// ONNX export, as ML.NET's own binary models do it: ML.NET's scorer asks the model for its Score and Probability
/// variables (<c>mlContext.Model.ConvertToOnnx</c>, package Microsoft.ML.OnnxConverter) and adds PredictedLabel
/// itself (Score &gt; 0). docs/onnx.md describes the graph.
/// </summary>
public sealed partial class XorMlpModelParameters : IDistCanSaveOnnx
{
    /// <summary>The oldest opset that has every operator the graph uses in the form it uses it (Gemm with a broadcast bias).</summary>
    internal const int MinimumOnnxOpSet = 9;

    bool ICanSaveOnnx.CanSaveOnnx(OnnxContext ctx) => true;

    bool ISingleCanSaveOnnx.SaveAsOnnx(OnnxContext ctx, string[] outputNames, string featureColumn)
        => SaveAsOnnx(ctx, outputNames, featureColumn);

    bool IDistCanSaveOnnx.SaveAsOnnx(OnnxContext ctx, string[] outputNames, string featureColumn)
        => SaveAsOnnx(ctx, outputNames, featureColumn);

    /// <summary>
    /// Writes the network into <paramref name="ctx"/>: from the variable <paramref name="featureColumn"/>, an N×d float
    /// tensor, through the model's standardization (if any), to Score (Z2, N×1) and, when asked for, Probability
    /// (σ(Z2), N×1).
    /// </summary>
    /// <param name="ctx">The graph being built.</param>
    /// <param name="outputNames">
    /// ML.NET's convention: [Score], [PredictedLabel, Score] or [PredictedLabel, Score, Probability]; the caller computes
    /// PredictedLabel from Score.
    /// </param>
    /// <param name="featureColumn">The graph variable holding the features.</param>
    private bool SaveAsOnnx(OnnxContext ctx, string[] outputNames, string featureColumn)
    {
        Host.CheckValue(ctx, nameof(ctx));
        Host.CheckValue(outputNames, nameof(outputNames));
        Host.CheckNonEmpty(featureColumn, nameof(featureColumn));
        Host.CheckParam(outputNames.Length is >= 1 and <= 3, nameof(outputNames),
            "Expected [Score], [PredictedLabel, Score] or [PredictedLabel, Score, Probability].");
        ctx.CheckOpSetVersion(MinimumOnnxOpSet, nameof(XorMlpModelParameters));
        string score = outputNames.Length == 1 ? outputNames[0] : outputNames[1];

        // X′ = (X − FeatureOffset) · FeatureScale, the standardization fitted with the network, when it has one
        string x = featureColumn;
        if (FeatureOffset.Count > 0)
        {
            string centered = Node(ctx, "Sub", [x, Initializer(ctx, "FeatureOffset", FeatureOffset, InputSize)], "Centered");
            x = Node(ctx, "Mul", [centered, Initializer(ctx, "FeatureScale", FeatureScale, InputSize)], "Standardized");
        }

        // Z1 = X′·W1 + b1 (W1 is d×H row-major, ONNX's layout of a d×H matrix); A1 = σ(Z1)
        string z1 = Node(ctx, "Gemm", [x, Initializer(ctx, "W1", W1, InputSize, HiddenSize), Initializer(ctx, "b1", B1, HiddenSize)], "Z1");
        string a1 = Node(ctx, "Sigmoid", [z1], "A1");

        // Score = Z2 = A1·W2 + b2; Probability = ŷ = σ(Z2)
        ctx.CreateNode("Gemm", [a1, Initializer(ctx, "W2", W2, HiddenSize, 1), Initializer(ctx, "b2", [B2], 1)], [score], ctx.GetNodeName("Gemm"), "");
        if (outputNames.Length == 3)
        {
            ctx.CreateNode("Sigmoid", [score], [outputNames[2]], ctx.GetNodeName("Sigmoid"), "");
        }
        return true;
    }

    /// <summary>Adds a node of the standard domain with one new intermediate output, and returns that output's name.</summary>
    private static string Node(OnnxContext ctx, string opType, string[] inputs, string output)
    {
        string name = ctx.AddIntermediateVariable(null, output, true);
        ctx.CreateNode(opType, inputs, [name], ctx.GetNodeName(opType), "");
        return name;
    }

    /// <summary>Adds a float initializer of the given shape (one dimension, or rows × columns).</summary>
    private static string Initializer(OnnxContext ctx, string name, IReadOnlyList<float> values, params long[] shape)
        => ctx.AddInitializer(values, shape, name);
}
