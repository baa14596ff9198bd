using System.Buffers.Binary;
using System.Reflection;
using Microsoft.ML;
using static XorMlNet.Tests.Persistence.EntryHeader;
using Block = XorMlNet.Tests.Persistence.ModelParametersBlock;

namespace XorMlNet.Tests.Persistence;

/// <summary>
/// Keeps docs/model-format.md true: real saved files are read with the document's layout (by <see cref="EntryHeader"/>,
/// <see cref="ModelParametersBlock"/> and <see cref="PayloadLayout"/>, written from the document) and every field is
/// compared with the model that was saved. A failure here means the format or the document changed: update both,
/// and the format version when the bytes change.
/// </summary>
public class ModelFormatTests
{
    /// <summary>The saved options table of docs/model-format.md: name and kind (1 Int32, 2 Float64, 3 Boolean, 4 Text), in order.</summary>
    private static readonly (string Name, byte Kind)[] DocumentedOptions =
    [
        ("LabelColumnName", 4), ("FeatureColumnName", 4), ("HiddenLayerSize", 1), ("Solver", 1), ("LearningRate", 2),
        ("NumberOfEpochs", 1), ("BatchSize", 1), ("Momentum", 2), ("UseNesterov", 3), ("Beta1", 2), ("Beta2", 2),
        ("Epsilon", 2), ("L2Regularization", 2), ("LossTolerance", 2), ("EpochsWithoutImprovement", 1),
        ("ValidationFraction", 2), ("MaxRestarts", 1), ("RestartPatience", 1), ("RestartMinimumImprovement", 2),
        ("Seed", 1), ("InitialWeightScale", 2), ("ProgressInterval", 1), ("NormalizeFeatures", 1),
    ];

    [Fact]
    public void Zip_OfOurPipeline_HasTheDocumentedEntries()
    {
        TrainedModels.Case xor = TrainedModels.Xor;
        Assert.Equal(
            new[]
            {
                "Schema", "TrainingInfo/Version.txt", "TransformerChain/Model.key", "TransformerChain/Transform_000/Model.key",
                "TransformerChain/Transform_001/Model.key", "TransformerChain/Transform_001/Model/Model.key", "TransformerChain/Transform_001/TrainSchema",
            },
            ModelZip.EntryNames(ModelZip.Save(xor.Model, xor.InputSchema)).Order(StringComparer.Ordinal));

        TrainedModels.Case minMax = TrainedModels.MinMax;
        string[] entries = [.. ModelZip.EntryNames(ModelZip.Save(minMax.Model, minMax.InputSchema))];
        Assert.Contains(ModelZip.TransformerEntry(2), entries);
        Assert.Contains(ModelZip.ModelParametersEntry(2), entries);
        Assert.Contains(ModelZip.TrainSchemaEntry(2), entries);

        // Our transformer saved alone sits directly in the TransformerChain directory.
        ITransformer concat = ((IEnumerable<ITransformer>)xor.Model).First();
        Assert.Equal(
            new[] { "Schema", "TrainingInfo/Version.txt", "TransformerChain/Model.key", "TransformerChain/Model/Model.key", "TransformerChain/TrainSchema" },
            ModelZip.EntryNames(ModelZip.Save(xor.Ours, concat.GetOutputSchema(xor.InputSchema))).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(TrainedModels.Names), MemberType = typeof(TrainedModels))]
    public void TransformerEntry_IsAsDocumented(string name)
    {
        TrainedModels.Case trained = TrainedModels.ByName(name);
        byte[] entry = ModelZip.ReadEntry(ModelZip.Save(trained.Model, trained.InputSchema), ModelZip.TransformerEntry(trained.OurIndex));
        var header = new EntryHeader(entry);

        AssertMlNetHeader(header, "XORMLP\0T", "XorMlpPredXfer", 0x00010001u);
        Assert.Equal(8, header[CbModel]);
        Assert.Equal(new[] { trained.Ours.FeatureColumnName, trained.Ours.LabelColumnName }, header.Strings());
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(entry.AsSpan(Size)));
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(entry.AsSpan(Size + 4)));
        Assert.Equal(Size + 8, header[FpStringTable]);
    }

    [Theory]
    [MemberData(nameof(TrainedModels.Names), MemberType = typeof(TrainedModels))]
    public void ModelParametersEntry_IsAsDocumented(string name)
    {
        TrainedModels.Case trained = TrainedModels.ByName(name);
        XorMlpModelParameters model = trained.Ours.Model;
        byte[] entry = ModelZip.ReadEntry(ModelZip.Save(trained.Model, trained.InputSchema), ModelZip.ModelParametersEntry(trained.OurIndex));
        var header = new EntryHeader(entry);

        AssertMlNetHeader(header, "XORMLP\0P", "XorMlpModelParams", 0x00010002u);
        Assert.Equal(0, header[FpStringTable]);
        Assert.Equal(0, header[CbStringTable]);

        // Model block: float size, payload length, payload, CRC-32 of the payload.
        Assert.Equal(4, BinaryPrimitives.ReadInt32LittleEndian(entry.AsSpan(Block.FloatSize)));
        int length = Block.PayloadLengthOf(entry);
        Assert.Equal(header[CbModel], 4 + 4 + length + 4);
        byte[] payload = Block.PayloadOf(entry);
        Assert.Equal(TestCrc32.Compute(payload), BinaryPrimitives.ReadUInt32LittleEndian(entry.AsSpan(Block.ChecksumOffset(entry))));

        // Payload.
        PayloadLayout layout = PayloadLayout.Parse(payload);
        Assert.Equal(model.InputSize, layout.InputSize);
        Assert.Equal(model.HiddenSize, layout.HiddenSize);
        Assert.Equal((model.InputSize + 2) * model.HiddenSize + 1, layout.WeightCount);
        Assert.Equal(Dumps.Bits([.. model.W1, .. model.B1, .. model.W2, model.B2]), Dumps.Bits(layout.Weights));
        Assert.Equal((int)model.StopReason, layout.StopReason);
        Assert.Equal(model.Restarts, layout.Restarts);
        Assert.Equal(model.EpochsRun, layout.EpochsRun);
        Assert.Equal(model.LossHistoryStride, layout.LossHistoryStride);
        Assert.Equal(Dumps.Bits(model.FeatureOffset), Dumps.Bits(layout.FeatureOffset));
        Assert.Equal(Dumps.Bits(model.FeatureScale), Dumps.Bits(layout.FeatureScale));
        Assert.Equal(Dumps.Bits(model.TrainingLossHistory), Dumps.Bits(layout.TrainingLoss));
        Assert.Equal(Dumps.Bits(model.ValidationLossHistory), Dumps.Bits(layout.ValidationLoss));

        Assert.True(DocumentedOptions.SequenceEqual(layout.Options.Select(o => (o.Name, o.Kind))),
            "The saved options differ from the table in docs/model-format.md (and DocumentedOptions here). Saved: "
            + string.Join(", ", layout.Options.Select(o => $"{o.Name}:{o.Kind}")));
        XorMlpEstimator.Options options = model.TrainingOptions;
        foreach (PayloadLayout.SavedOption option in layout.Options)
        {
            object? expected = typeof(XorMlpEstimator.Options).GetField(option.Name, BindingFlags.Public | BindingFlags.Instance)!.GetValue(options);
            object? saved = expected is Enum ? Enum.ToObject(expected.GetType(), option.Value) : option.Value;
            Assert.Equal(Dumps.Format(expected), Dumps.Format(saved));
        }
    }

    [Fact]
    public void SaveTwice_WritesTheSameBytesInOurEntries()
    {
        TrainedModels.Case trained = TrainedModels.Synthetic;
        byte[] first = ModelZip.Save(trained.Model, trained.InputSchema), second = ModelZip.Save(trained.Model, trained.InputSchema);
        foreach (string entry in new[] { ModelZip.TransformerEntry(1), ModelZip.ModelParametersEntry(1), ModelZip.TrainSchemaEntry(1) })
        {
            Assert.True(ModelZip.ReadEntry(first, entry).AsSpan().SequenceEqual(ModelZip.ReadEntry(second, entry)), entry);
        }
    }

    /// <summary>ML.NET's header as the document describes it, for one of our entries.</summary>
    private static void AssertMlNetHeader(EntryHeader header, string modelSignature, string loaderSignature, uint modelVersion)
    {
        byte[] entry = header.Entry;
        Assert.Equal(SignatureValue, (ulong)header[Signature]);
        Assert.Equal(0x00010002u, header.UInt32At(VerWritten));
        Assert.Equal(0x00010002u, header.UInt32At(VerReadable));
        Assert.Equal(Size, header[FpModel]);
        Assert.Equal(modelSignature, System.Text.Encoding.Latin1.GetString(entry, ModelSignature, 8));
        Assert.Equal(modelVersion, header.UInt32At(ModelVerWritten));
        Assert.Equal(modelVersion, header.UInt32At(ModelVerReadable));
        Assert.Equal(loaderSignature, header.Text8(LoaderSignature, 24));
        Assert.All(entry[LoaderSignatureAlt..FpTail], b => Assert.Equal(0, b));
        Assert.All(entry[Padding..Size], b => Assert.Equal(0, b));
        Assert.Equal("XorMlNet", header.AssemblyName());
        long expectedNameAt = header[FpStringTable] == 0 ? Size + header[CbModel] : header[FpStringChars] + header[CbStringChars];
        Assert.Equal(expectedNameAt, header[FpAssemblyName]);
        Assert.Equal(header[FpAssemblyName] + header.UInt32At(CbAssemblyName), header[FpTail]);
        Assert.Equal(TailSignatureValue, (ulong)header[(int)header[FpTail]]);
        Assert.Equal(header[FpTail] + 8, header[FpLim]);
        Assert.Equal(entry.Length, header[FpLim]);
    }
}
