using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using static XorMlNet.Tests.Persistence.EntryHeader;
using Block = XorMlNet.Tests.Persistence.ModelParametersBlock;

namespace XorMlNet.Tests.Persistence;

/// <summary>
/// Bad model files: loading fails with an exception that says what is wrong and where, never a crash, a hang, an
/// <see cref="OutOfMemoryException"/>, a <see cref="NullReferenceException"/> or an <see cref="IndexOutOfRangeException"/>.
/// </summary>
/// <remarks>
/// <para>
/// ML.NET instantiates every loader by reflection and wraps what it throws, once per nesting level
/// (<see cref="InvalidOperationException"/> "Error during class instantiation" around a
/// <see cref="System.Reflection.TargetInvocationException"/>), so the exception that names the problem is the
/// innermost one, <see cref="Exception.GetBaseException"/>: that is what these tests check.
/// </para>
/// <para>
/// Where XorMlNet's loaders run (our version checks, our model blocks, our payload, and anything ML.NET fails on
/// inside our transformer entry: the model-parameters sub-entry's header, its loader signature and assembly name, the
/// training schema, the column names), the innermost exception is XorMlNet's <see cref="InvalidDataException"/>
/// "The XorMlp … entry '&lt;entry&gt;' …" naming the entry and the problem. A few bytes of our transformer entry are
/// read by ML.NET before it calls us (its header, string table and assembly name): there the innermost exception is
/// ML.NET's own <see cref="FormatException"/> (or <see cref="FileNotFoundException"/> for the assembly name), which
/// XorMlNet cannot change. Bytes ML.NET ignores (see <see cref="Expect"/>) load the model unchanged.
/// </para>
/// </remarks>
public class CorruptModelTests
{
    private const string T = "TransformerChain/Transform_001";
    private const string M = T + "/Model";

    private static readonly Type[] Forbidden =
    [
        typeof(NullReferenceException), typeof(IndexOutOfRangeException), typeof(OutOfMemoryException),
        typeof(InvalidCastException), typeof(OverflowException), typeof(AccessViolationException), typeof(DivideByZeroException),
    ];

    private static readonly Lazy<(byte[] Zip, string[] Scores)> Short = new(() =>
    {
        TrainedModels.Case trained = TrainedModels.Short;
        return (ModelZip.Save(trained.Model, trained.InputSchema), Scores(trained.Model));
    });

    private static readonly Lazy<(byte[] Zip, string[] Scores)> Xor = new(() =>
    {
        TrainedModels.Case trained = TrainedModels.Xor;
        return (ModelZip.Save(trained.Model, trained.InputSchema), Scores(trained.Model));
    });

    private enum Outcome
    {
        /// <summary>The byte is ignored: the model loads and scores as before.</summary>
        Loads,

        /// <summary>XorMlNet's <see cref="InvalidDataException"/> naming the entry and the problem.</summary>
        Ours,

        /// <summary>ML.NET's <see cref="FormatException"/>, thrown before our loader runs.</summary>
        MlNet,

        /// <summary>The runtime's <see cref="FileNotFoundException"/> for the (corrupted) loader assembly name, thrown by ML.NET before our loader runs.</summary>
        AssemblyLoad,
    }

    [Theory]
    [InlineData(M + "/Model.key")]
    [InlineData(T + "/Model.key")]
    public void EveryByteFlipped_InOurEntries_FailsClearlyOrIsIgnored(string entryName)
    {
        (byte[] zip, string[] scores) = Short.Value;
        byte[] entry = ModelZip.ReadEntry(zip, entryName);
        var header = new EntryHeader(entry);
        bool isModel = entryName.StartsWith(M + "/", StringComparison.Ordinal);
        var problems = new List<string>();
        var seen = new Dictionary<Outcome, int>();

        for (int offset = 0; offset < entry.Length; offset++)
        {
            (Outcome outcome, string fragment) = isModel ? ExpectInModelParameters(header, offset) : ExpectInTransformer(header, offset);
            seen[outcome] = seen.GetValueOrDefault(outcome) + 1;
            byte[] bad = ModelZip.PatchEntry(zip, entryName, e => e[offset] ^= 0xFF);
            string? problem = Check(bad, outcome, fragment, scores);
            if (problem is not null)
            {
                problems.Add($"byte 0x{offset:X3} ({Field(header, offset, isModel)}): {problem}");
            }
        }

        Assert.True(problems.Count == 0, $"{problems.Count} of {entry.Length} flipped bytes of {entryName} misbehaved:\n" + string.Join("\n", problems.Take(40)));
        Assert.True(seen.GetValueOrDefault(Outcome.Loads) > 0 && seen.GetValueOrDefault(Outcome.Ours) > 0);
    }

    [Fact]
    public void TruncatedZip_FailsWithMlNetsZipError()
    {
        byte[] zip = Xor.Value.Zip;
        foreach (int length in new[] { 0, 1, 4, 30, 100, zip.Length / 3, zip.Length / 2, zip.Length - 100, zip.Length - 23, zip.Length - 22, zip.Length - 1 })
        {
            Exception ex = LoadFailure(zip[..length]);
            AssertNoForbidden(ex);
            // ML.NET: FormatException "Failed to open a zip archive", around System.IO.Compression's InvalidDataException
            // ("End of Central Directory record could not be found.", "Central Directory corrupt."). Our code never runs.
            Assert.IsType<FormatException>(ex);
            Assert.Contains("Failed to open a zip archive", ex.Message);
            // (Below a few bytes System.IO.Compression's own IOException about seeking sits under its InvalidDataException.)
            Assert.True(ex.InnerException is InvalidDataException { Message: var zipMessage } && zipMessage.Contains("Central Directory", StringComparison.Ordinal),
                $"{length} bytes: {Describe(ex)}");
        }
    }

    [Fact]
    public void TruncatedModelParametersEntry_NamesTheEntry()
    {
        byte[] zip = Short.Value.Zip;
        byte[] entry = ModelZip.ReadEntry(zip, M + "/Model.key");
        foreach (int length in new[] { 0, 1, Size - 1, Size, Block.PayloadLength, Block.Payload, Block.Payload + 100, entry.Length - 9, entry.Length - 1 })
        {
            byte[] bad = ModelZip.ReplaceEntry(zip, M + "/Model.key", entry.AsSpan(0, length));
            AssertOurs(LoadFailure(bad), $"The XorMlp transformer entry '{T}' is corrupt: loading its model parameters from '{M}' failed (FormatException");
        }
    }

    [Fact]
    public void TruncatedTransformerEntry_FailsWithMlNetsFormatError()
    {
        byte[] zip = Short.Value.Zip;
        byte[] entry = ModelZip.ReadEntry(zip, T + "/Model.key");
        foreach (int length in new[] { 0, 1, Size - 1, Size, Size + 4, entry.Length - 9, entry.Length - 1 })
        {
            Exception ex = LoadFailure(ModelZip.ReplaceEntry(zip, T + "/Model.key", entry.AsSpan(0, length)));
            // ML.NET reads and validates the header (its sizes against the entry's length) before it calls us.
            AssertNoForbidden(ex);
            Assert.IsType<FormatException>(ex.GetBaseException());
        }
    }

    [Theory]
    [InlineData(M + "/Model.key", "model", M)]
    [InlineData(T + "/Model.key", "transformer", T)]
    public void FutureVersion_IsRefusedAsTooNew(string entryName, string kind, string directory)
    {
        byte[] bad = ModelZip.PatchEntry(Xor.Value.Zip, entryName, e =>
        {
            WriteUInt32(e, ModelVerWritten, 0x00020001);
            WriteUInt32(e, ModelVerReadable, 0x00020001);
        });
        AssertOurs(LoadFailure(bad), $"The XorMlp {kind} entry '{directory}' cannot be read", "too new", "00020001");
    }

    [Theory]
    [InlineData(M + "/Model.key", "model", M)]
    [InlineData(T + "/Model.key", "transformer", T)]
    public void OlderVersionThanWeRead_IsRefusedAsTooOld(string entryName, string kind, string directory)
    {
        byte[] bad = ModelZip.PatchEntry(Xor.Value.Zip, entryName, e =>
        {
            WriteUInt32(e, ModelVerWritten, 0x00010000);
            WriteUInt32(e, ModelVerReadable, 0x00010000);
        });
        AssertOurs(LoadFailure(bad), $"The XorMlp {kind} entry '{directory}' cannot be read", "too old");
    }

    [Theory]
    [InlineData(M + "/Model.key")]
    [InlineData(T + "/Model.key")]
    public void NewerWriterThatWeCanStillRead_Loads(string entryName)
    {
        (byte[] zip, string[] scores) = Xor.Value;
        // A later XorMlNet that declares this one able to read what it wrote (verReadable unchanged).
        byte[] newer = ModelZip.PatchEntry(zip, entryName, e => WriteUInt32(e, ModelVerWritten, 0x00010002));
        Assert.Null(Check(newer, Outcome.Loads, "", scores));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DimensionsNotMatchingTheWeights_AreRefused(bool fixChecksum)
    {
        byte[] zip = Xor.Value.Zip;
        (string Field, int Value, string Message)[] cases =
        [
            ("InputSize", 3, "a 3→2→1 network has 11 weights, but the entry stores 9"),
            ("HiddenSize", 3, "a 2→3→1 network has 13 weights, but the entry stores 9"),
            ("WeightCount", 10, "a 2→2→1 network has 9 weights, but the entry stores 10"),
            ("InputSize", 0, "InputSize 0 and HiddenSize 2 must both be at least 1"),
            ("HiddenSize", -1, "InputSize 2 and HiddenSize -1 must both be at least 1"),
        ];
        foreach ((string field, int value, string message) in cases)
        {
            byte[] bad = PatchPayloadInt32(zip, field, value, fixChecksum);
            AssertOurs(LoadFailure(bad), $"The XorMlp model entry '{M}' is corrupt: ", fixChecksum ? message : "CRC-32");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AbsurdSizes_AreRefusedWithoutAllocatingThem(bool fixChecksum)
    {
        byte[] zip = Xor.Value.Zip;
        AllocatedByLoad(zip); // warm-up
        long baseline = AllocatedByLoad(zip);
        (string Field, string Message)[] cases =
        [
            ("HiddenSize", "a 2→2147483647→1 network has 8589934589 weights, but the entry stores 9"),
            ("InputSize", "a 2147483647→2→1 network has 4294967299 weights, but the entry stores 9"),
            ("WeightCount", "field 'WeightCount' declares 2147483647 elements, but only"),
            ("TrainingLossCount", "field 'TrainingLossCount' declares 2147483647 elements, but only"),
            ("OptionCount", "field 'OptionCount' declares 2147483647 elements, but only"),
            ("Option[0].Name.Length", "field 'OptionName' declares 2147483647 elements, but only"),
        ];
        foreach ((string field, string message) in cases)
        {
            byte[] bad = PatchPayloadInt32(zip, field, int.MaxValue, fixChecksum);
            long allocated = AllocatedByLoad(bad);
            AssertOurs(LoadFailure(bad), $"The XorMlp model entry '{M}' is corrupt: ", fixChecksum ? message : "CRC-32");
            Assert.True(allocated <= baseline + (1 << 20),
                $"loading with {field} = {int.MaxValue} allocated {allocated} bytes; a good load of the whole model allocates {baseline}");
        }

        // The payload length, which the checksum does not cover.
        byte[] longPayload = ModelZip.PatchEntry(zip, M + "/Model.key", e => BinaryPrimitives.WriteInt32LittleEndian(e.AsSpan(Block.PayloadLength), int.MaxValue));
        Assert.True(AllocatedByLoad(longPayload) <= baseline + (1 << 20));
        AssertOurs(LoadFailure(longPayload), $"The XorMlp model entry '{M}' is corrupt: its payload length field says 2147483647 bytes");
    }

    [Theory]
    [InlineData(float.NaN, true)]
    [InlineData(float.PositiveInfinity, true)]
    [InlineData(float.NegativeInfinity, true)]
    [InlineData(float.NaN, false)]
    public void NonFiniteWeights_AreRefused(float value, bool fixChecksum)
    {
        byte[] bad = ModelZip.PatchEntry(Xor.Value.Zip, M + "/Model.key", e =>
        {
            PayloadLayout layout = PayloadLayout.Parse(Block.PayloadOf(e));
            BinaryPrimitives.WriteSingleLittleEndian(e.AsSpan(Block.Payload + layout.OffsetOf("Weights") + 3 * sizeof(float)), value);
            if (fixChecksum)
            {
                Block.FixChecksum(e);
            }
        });
        AssertOurs(LoadFailure(bad), $"The XorMlp model entry '{M}' is corrupt: ", fixChecksum ? "Weights[3] is " : "CRC-32", fixChecksum ? "weights must be finite" : "");
    }

    [Fact]
    public void BadValuesBehindAValidChecksum_AreRefusedByName()
    {
        byte[] zip = Xor.Value.Zip;
        AssertOurs(LoadFailure(PatchPayloadInt32(zip, "StopReason", 99, true)), "StopReason 99 is unknown");
        AssertOurs(LoadFailure(PatchPayloadInt32(zip, "Restarts", -1, true)), "Restarts -1 is negative");
        AssertOurs(LoadFailure(PatchPayloadInt32(zip, "HiddenLayerSize", 3, true)), "HiddenSize 2 disagrees with the saved option HiddenLayerSize 3");
        AssertOurs(LoadFailure(PatchPayloadInt32(zip, "Seed", -5, true)), "saved option Seed is invalid");
        AssertOurs(LoadFailure(PatchPayloadInt32(zip, "LearningRate.Kind", 4, true, size: 1)), "option 'LearningRate' has kind 4, expected 2");
        AssertOurs(LoadFailure(PatchPayloadInt32(zip, "UseNesterov", 7, true, size: 1)), "option 'UseNesterov' holds 7, not a Boolean");
        AssertOurs(LoadFailure(PatchPayloadBytes(zip, "Option[0].Name", "LabelColumnNamf"u8.ToArray())), "option 'LabelColumnNamf' is unknown");
        AssertOurs(LoadFailure(PatchPayloadBytes(zip, OptionNameField("Beta2"), "Beta1"u8.ToArray())), "option 'Beta1' appears twice");
        AssertOurs(LoadFailure(PatchPayloadBytes(zip, "Option[0].Name", [0xFF, 0xFE])), "field 'OptionName' is not valid UTF-8");

        // Format 0x00010002's fields: the history's epochs and stride, the standardization, NormalizeFeatures.
        int epochs = TrainedModels.Xor.Ours.Model.EpochsRun;
        AssertOurs(LoadFailure(PatchPayloadInt32(zip, "EpochsRun", 0, true)), "EpochsRun 0 must be at least 1");
        AssertOurs(LoadFailure(PatchPayloadInt32(zip, "LossHistoryStride", 3, true)), "LossHistoryStride 3 a power of two");
        AssertOurs(LoadFailure(PatchPayloadInt32(zip, "EpochsRun", epochs + 1, true)), $"TrainingLossCount {epochs} must be EpochsRun / LossHistoryStride = {epochs + 1}");
        AssertOurs(LoadFailure(PatchPayloadInt32(zip, "LossHistoryStride", 2, true)), $"TrainingLossCount {epochs} must be EpochsRun / LossHistoryStride = {epochs / 2}");
        AssertOurs(LoadFailure(PatchPayloadInt32(zip, "StandardizedCount", 1, true)), "StandardizedCount 1 must be 0 or InputSize 2");
        AssertOurs(LoadFailure(PatchPayloadInt32(zip, "FeatureScale", 0, true)), "every FeatureScale must be positive");
        AssertOurs(LoadFailure(PatchPayloadInt32(zip, "FeatureOffset", BitConverter.SingleToInt32Bits(float.NaN), true)), "FeatureOffset[0] is NaN");
        AssertOurs(LoadFailure(PatchPayloadInt32(zip, "NormalizeFeatures", 2, true)), "the saved option NormalizeFeatures No disagrees with StandardizedCount 2");
        AssertOurs(LoadFailure(PatchPayloadInt32(zip, "NormalizeFeatures", 9, true)), "saved option NormalizeFeatures is invalid");
    }

    [Fact]
    public void PayloadOfAnotherShape_IsRefusedByName()
    {
        byte[] zip = Xor.Value.Zip;
        byte[] entry = ModelZip.ReadEntry(zip, M + "/Model.key");
        byte[] payload = Block.PayloadOf(entry);

        // One byte more than the last field, and one field cut short: both with valid checksums.
        byte[] longer = ModelZip.ReplaceEntry(zip, M + "/Model.key", Block.WithPayload(entry, [.. payload, 0]));
        AssertOurs(LoadFailure(longer), $"The XorMlp model entry '{M}' is corrupt: 1 unexpected bytes follow the last field");
        byte[] shorter = ModelZip.ReplaceEntry(zip, M + "/Model.key", Block.WithPayload(entry, payload[..^3]));
        AssertOurs(LoadFailure(shorter), $"The XorMlp model entry '{M}' is corrupt: it ends inside field 'NormalizeFeatures'");

        // A consistent 3-feature network (11 weights, 3 offsets and scales), in a transformer whose training schema has 2 features.
        PayloadLayout layout = PayloadLayout.Parse(payload);
        Assert.Equal(2, layout.FeatureOffset.Length);
        int weightsEnd = layout.OffsetOf("Weights") + 4 * layout.WeightCount;
        int offsetsEnd = layout.OffsetOf("FeatureOffset") + 4 * 2, scalesEnd = layout.OffsetOf("FeatureScale") + 4 * 2;
        byte[] threeFeatures = [.. payload[..weightsEnd], .. new byte[8], .. payload[weightsEnd..offsetsEnd], .. BitConverter.GetBytes(0f),
            .. payload[offsetsEnd..scalesEnd], .. BitConverter.GetBytes(1f), .. payload[scalesEnd..]];
        BinaryPrimitives.WriteInt32LittleEndian(threeFeatures.AsSpan(layout.OffsetOf("InputSize")), 3);
        BinaryPrimitives.WriteInt32LittleEndian(threeFeatures.AsSpan(layout.OffsetOf("WeightCount")), 11);
        BinaryPrimitives.WriteInt32LittleEndian(threeFeatures.AsSpan(layout.OffsetOf("StandardizedCount") + 8), 3);
        byte[] mismatched = ModelZip.ReplaceEntry(zip, M + "/Model.key", Block.WithPayload(entry, threeFeatures));
        AssertOurs(LoadFailure(mismatched), $"The XorMlp transformer entry '{T}' is corrupt: its feature column 'Features' is Vector<Single, 2>",
            "its model takes a vector of 3 Single");
    }

    [Fact]
    public void MissingSubEntries_AreNamed()
    {
        byte[] zip = Xor.Value.Zip;
        AssertOurs(LoadFailure(ModelZip.RemoveEntry(zip, M + "/Model.key")),
            $"The XorMlp transformer entry '{T}' is corrupt: loading its model parameters from '{M}' failed");
        AssertOurs(LoadFailure(ModelZip.RemoveEntry(zip, T + "/TrainSchema")),
            $"The XorMlp transformer entry '{T}' is corrupt: reading its training schema ('{T}/TrainSchema') and column names failed");
    }

    [Fact]
    public void FailedLoad_LeavesTheFileUntouched()
    {
        byte[] zip = Xor.Value.Zip;
        byte[][] files =
        [
            ModelZip.PatchEntry(zip, M + "/Model.key", e => e[Block.Payload + 5] ^= 0xFF),
            ModelZip.PatchEntry(zip, T + "/Model.key", e => e[0] ^= 0xFF),
            zip[..(zip.Length / 2)],
            zip,
        ];
        foreach (byte[] content in files)
        {
            string path = Path.Combine(Path.GetTempPath(), $"xormlnet-corrupt-{Guid.NewGuid():N}.zip");
            try
            {
                File.WriteAllBytes(path, content);
                DateTime written = File.GetLastWriteTimeUtc(path);
                byte[] hash = SHA256.HashData(File.ReadAllBytes(path));

                Exception? ex = Record.Exception(() => new MLContext().Model.Load(path, out _));

                Assert.Equal(content == zip, ex is null);
                Assert.Equal(hash, SHA256.HashData(File.ReadAllBytes(path)));
                Assert.Equal(written, File.GetLastWriteTimeUtc(path));
            }
            finally
            {
                File.Delete(path);
            }
        }
    }

    /// <summary>What flipping the byte at <paramref name="offset"/> of our model-parameters entry must do.</summary>
    private static (Outcome, string) ExpectInModelParameters(EntryHeader header, int offset)
    {
        string failed = $"The XorMlp transformer entry '{T}' is corrupt: loading its model parameters from '{M}' failed";
        string corrupt = $"The XorMlp model entry '{M}' is corrupt: ";
        long blockEnd = header[FpModel] + header[CbModel], name = header[FpAssemblyName], tail = header[FpTail];
        return offset switch
        {
            _ when IgnoredByMlNet(offset) => (Outcome.Loads, ""),
            >= ModelSignature and < ModelVerWritten or >= ModelVerReadable and < LoaderSignature => (Outcome.Ours, $"The XorMlp model entry '{M}' cannot be read: "),
            >= LoaderSignature and < LoaderSignatureAlt => (Outcome.Ours, $"{failed} (FormatException: Couldn't load model: '{M}')"),
            < Size => (Outcome.Ours, $"{failed} (FormatException: "),
            < Block.PayloadLength => (Outcome.Ours, corrupt + "its float size is "),
            < Block.Payload => (Outcome.Ours, corrupt + "its payload length field says "),
            _ when offset < blockEnd => (Outcome.Ours, corrupt + "the CRC-32 of its payload is "),
            _ when offset >= name && offset < tail => (Outcome.Ours, $"{failed} (FileNotFoundException: Could not load file or assembly"),
            _ => (Outcome.Ours, $"{failed} (FormatException: Corrupt model file tail)"),
        };
    }

    /// <summary>What flipping the byte at <paramref name="offset"/> of our transformer entry must do.</summary>
    private static (Outcome, string) ExpectInTransformer(EntryHeader header, int offset)
    {
        string corrupt = $"The XorMlp transformer entry '{T}' is corrupt: ";
        string[] strings = header.Strings();
        long table = header[FpStringTable], chars = header[FpStringChars], name = header[FpAssemblyName], tail = header[FpTail];
        long featureEnd = chars + 2 * strings[0].Length;
        return offset switch
        {
            _ when IgnoredByMlNet(offset) => (Outcome.Loads, ""),
            < VerWritten => (Outcome.MlNet, "Wrong file type"),
            < FpModel => (Outcome.MlNet, "Corrupt file header"),
            >= ModelSignature and < ModelVerWritten or >= ModelVerReadable and < LoaderSignature => (Outcome.Ours, $"The XorMlp transformer entry '{T}' cannot be read: "),
            >= LoaderSignature and < LoaderSignatureAlt => (Outcome.MlNet, $"Couldn't load model: '{T}'"),
            < Size => (Outcome.MlNet, ""),
            < Size + 4 => (Outcome.Ours, corrupt + "its feature column name is string "),
            < Size + 8 => (Outcome.Ours, corrupt + "its label column name is string "),
            _ when offset >= table && offset < chars => (Outcome.MlNet, ""),
            _ when offset < featureEnd => (Outcome.Ours, corrupt + $"reading its training schema ('{T}/TrainSchema') and column names failed (ArgumentOutOfRangeException: Could not find feature column"),
            _ when offset < name => (Outcome.Ours, corrupt + "its label column '"),
            _ when offset < tail => (Outcome.AssemblyLoad, "Could not load file or assembly"),
            _ => (Outcome.MlNet, "Corrupt model file tail"),
        };
    }

    /// <summary>
    /// Header bytes no check looks at: the file-format VerWritten and the entry's ModelVerWritten (any value of those
    /// bytes stays at or above the readable version, which is all that is checked), the alternative loader signature
    /// (never consulted once the loader signature matched) and the reserved bytes after CbAssemblyName.
    /// </summary>
    private static bool IgnoredByMlNet(int offset)
        => offset is >= VerWritten and < VerReadable or >= ModelVerWritten and < ModelVerReadable
            or >= LoaderSignatureAlt and < FpTail or >= Padding and < Size;

    private static string Field(EntryHeader header, int offset, bool isModel)
    {
        if (offset < Size)
        {
            return $"header+0x{offset:X2}";
        }
        if (isModel && offset >= Block.Payload && offset < Block.Payload + Block.PayloadLengthOf(header.Entry))
        {
            int position = offset - Block.Payload;
            var field = PayloadLayout.Parse(Block.PayloadOf(header.Entry)).Fields.Last(f => f.Offset <= position);
            return $"payload {field.Name}";
        }
        return "block";
    }

    /// <summary>Null when loading <paramref name="zip"/> did what <paramref name="outcome"/> says, else what went wrong.</summary>
    private static string? Check(byte[] zip, Outcome outcome, string fragment, string[] scores)
    {
        ITransformer loaded;
        try
        {
            loaded = ModelZip.Load(zip, out _);
        }
        catch (Exception ex)
        {
            if (outcome == Outcome.Loads)
            {
                return $"expected to load, threw {Describe(ex)}";
            }
            if (ex.GetBaseException() is var inner && Chain(ex).FirstOrDefault(e => Forbidden.Contains(e.GetType())) is { } forbidden)
            {
                return $"forbidden {forbidden.GetType().Name} in {Describe(ex)}";
            }
            Type expected = outcome switch
            {
                Outcome.Ours => typeof(InvalidDataException),
                Outcome.MlNet => typeof(FormatException),
                _ => typeof(FileNotFoundException),
            };
            string message = inner.Message.Replace('\\', '/');
            if (inner.GetType() != expected || string.IsNullOrWhiteSpace(message) || !message.Contains(fragment, StringComparison.Ordinal))
            {
                return $"expected {expected.Name} containing \"{fragment}\", got {Describe(ex)}";
            }
            return null;
        }
        if (outcome != Outcome.Loads)
        {
            return $"expected {outcome} \"{fragment}\", but the model loaded";
        }
        string[] actual = Scores(loaded);
        return actual.SequenceEqual(scores) ? null : "loaded, but scores differ";
    }

    private static string[] Scores(ITransformer model)
    {
        IDataView rows = new MLContext().Data.LoadFromEnumerable(TrainedModels.XorScoreRows);
        string weights = Dumps.Weights(((XorMlpTransformer)ModelAssert.Last(model)).Model);
        return [weights, .. Dumps.Rows(model.Transform(rows))];
    }

    private static byte[] PatchPayloadInt32(byte[] zip, string field, int value, bool fixChecksum, int size = 4)
        => ModelZip.PatchEntry(zip, M + "/Model.key", e =>
        {
            PayloadLayout layout = PayloadLayout.Parse(Block.PayloadOf(e));
            int offset = Block.Payload + (layout.Options.FirstOrDefault(o => o.Name == field) is { } option ? option.ValueOffset : layout.OffsetOf(field));
            if (size == 1)
            {
                e[offset] = (byte)value;
            }
            else
            {
                BinaryPrimitives.WriteInt32LittleEndian(e.AsSpan(offset), value);
            }
            if (fixChecksum)
            {
                Block.FixChecksum(e);
            }
        });

    /// <summary>The name of the payload field holding the name of option <paramref name="option"/>.</summary>
    private static string OptionNameField(string option)
    {
        PayloadLayout layout = PayloadLayout.Parse(Block.PayloadOf(ModelZip.ReadEntry(Xor.Value.Zip, M + "/Model.key")));
        return $"Option[{layout.Options.FindIndex(o => o.Name == option)}].Name";
    }

    /// <summary>Overwrites the bytes of a text field (same length or shorter, the rest left as is) and fixes the checksum.</summary>
    private static byte[] PatchPayloadBytes(byte[] zip, string field, byte[] bytes)
        => ModelZip.PatchEntry(zip, M + "/Model.key", e =>
        {
            PayloadLayout layout = PayloadLayout.Parse(Block.PayloadOf(e));
            bytes.CopyTo(e.AsSpan(Block.Payload + layout.OffsetOf(field)));
            Block.FixChecksum(e);
        });

    private static long AllocatedByLoad(byte[] zip)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            ModelZip.Load(zip, out _);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
        }
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static Exception LoadFailure(byte[] zip)
    {
        Exception? ex = Record.Exception(() => ModelZip.Load(zip, out _));
        Assert.True(ex is not null, "the corrupt model loaded");
        return ex;
    }

    private static void AssertNoForbidden(Exception ex)
    {
        Exception? forbidden = Chain(ex).FirstOrDefault(e => Forbidden.Contains(e.GetType()));
        Assert.True(forbidden is null, $"forbidden {forbidden?.GetType().Name}: {Describe(ex)}");
    }

    /// <summary>The innermost exception is XorMlNet's, naming the problem (every fragment) and nothing forbidden is on the way.</summary>
    private static void AssertOurs(Exception ex, params string[] fragments)
    {
        AssertNoForbidden(ex);
        Exception inner = ex.GetBaseException();
        Assert.True(inner is InvalidDataException && inner.Message.StartsWith("The XorMlp ", StringComparison.Ordinal), $"not XorMlNet's error: {Describe(ex)}");
        foreach (string fragment in fragments)
        {
            Assert.Contains(fragment, inner.Message.Replace('\\', '/'));
        }
    }

    private static IEnumerable<Exception> Chain(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (Exception inner in aggregate.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }

    private static string Describe(Exception ex)
    {
        var text = new StringBuilder();
        foreach (Exception e in Chain(ex))
        {
            text.Append(text.Length == 0 ? "" : " → ").Append(e.GetType().Name).Append(": ").Append(e.Message.ReplaceLineEndings(" "));
        }
        return text.ToString();
    }
}
