using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Microsoft.ML;

namespace XorMlNet.Tests.Persistence;

/// <summary>
/// A saved model as bytes, read and rewritten with <see cref="ZipArchive"/> and the documented layouts
/// (docs/model-format.md), independently of ML.NET and of XorMlNet's own reader, so that tests can corrupt exactly one
/// field of one entry.
/// </summary>
internal static class ModelZip
{
    /// <summary>The entry of the chain's transformer <paramref name="index"/> (our transformer's own entry when it is ours).</summary>
    public static string TransformerEntry(int index) => $"TransformerChain/Transform_{index:000}/Model.key";

    /// <summary>The model-parameters entry of our transformer at <paramref name="index"/>.</summary>
    public static string ModelParametersEntry(int index) => $"TransformerChain/Transform_{index:000}/Model/Model.key";

    /// <summary>The training-schema entry of our transformer at <paramref name="index"/>.</summary>
    public static string TrainSchemaEntry(int index) => $"TransformerChain/Transform_{index:000}/TrainSchema";

    public static byte[] Save(ITransformer model, DataViewSchema inputSchema)
    {
        using var stream = new MemoryStream();
        new MLContext(seed: 0).Model.Save(model, inputSchema, stream);
        return stream.ToArray();
    }

    /// <summary>Loads with a new <see cref="MLContext"/>, as an application would.</summary>
    public static ITransformer Load(byte[] zip, out DataViewSchema inputSchema)
    {
        using var stream = new MemoryStream(zip, writable: false);
        return new MLContext().Model.Load(stream, out inputSchema);
    }

    public static IReadOnlyList<string> EntryNames(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip, writable: false), ZipArchiveMode.Read);
        return archive.Entries.Select(e => e.FullName).ToArray();
    }

    public static byte[] ReadEntry(byte[] zip, string name)
    {
        using var archive = new ZipArchive(new MemoryStream(zip, writable: false), ZipArchiveMode.Read);
        ZipArchiveEntry entry = archive.GetEntry(name) ?? throw new ArgumentException($"No entry '{name}'.", nameof(name));
        using Stream source = entry.Open();
        using var buffer = new MemoryStream();
        source.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>A copy of <paramref name="zip"/> with entry <paramref name="name"/> holding <paramref name="content"/>
    /// (a valid zip: entry order, names and the other entries' bytes are kept, the zip's own CRC is recomputed).</summary>
    public static byte[] ReplaceEntry(byte[] zip, string name, ReadOnlySpan<byte> content) => Rewrite(zip, name, content.ToArray());

    /// <summary>A copy of <paramref name="zip"/> without entry <paramref name="name"/>.</summary>
    public static byte[] RemoveEntry(byte[] zip, string name) => Rewrite(zip, name, null);

    private static byte[] Rewrite(byte[] zip, string name, byte[]? content)
    {
        using var output = new MemoryStream();
        bool found = false;
        using (var source = new ZipArchive(new MemoryStream(zip, writable: false), ZipArchiveMode.Read))
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (ZipArchiveEntry entry in source.Entries)
            {
                if (entry.FullName == name && content is null)
                {
                    found = true;
                    continue;
                }
                ZipArchiveEntry copy = target.CreateEntry(entry.FullName, CompressionLevel.Fastest);
                copy.LastWriteTime = entry.LastWriteTime;
                using Stream write = copy.Open();
                if (entry.FullName == name)
                {
                    write.Write(content);
                    found = true;
                }
                else
                {
                    using Stream read = entry.Open();
                    read.CopyTo(write);
                }
            }
        }
        return found ? output.ToArray() : throw new ArgumentException($"No entry '{name}'.", nameof(name));
    }

    /// <summary>A copy of <paramref name="zip"/> whose entry <paramref name="name"/> is patched by <paramref name="patch"/>.</summary>
    public static byte[] PatchEntry(byte[] zip, string name, Action<byte[]> patch)
    {
        byte[] content = ReadEntry(zip, name);
        patch(content);
        return ReplaceEntry(zip, name, content);
    }
}

/// <summary>
/// ML.NET's 256-byte model header at the start of every <c>Model.key</c> entry (docs/model-format.md, "ML.NET's model
/// header"): offsets of its fields, and the values read from an entry.
/// </summary>
internal readonly record struct EntryHeader(byte[] Entry)
{
    public const int Size = 0x100;
    public const int Signature = 0x00, VerWritten = 0x08, VerReadable = 0x0C, FpModel = 0x10, CbModel = 0x18,
        FpStringTable = 0x20, CbStringTable = 0x28, FpStringChars = 0x30, CbStringChars = 0x38,
        ModelSignature = 0x40, ModelVerWritten = 0x48, ModelVerReadable = 0x4C,
        LoaderSignature = 0x50, LoaderSignatureAlt = 0x68, FpTail = 0x80, FpLim = 0x88,
        FpAssemblyName = 0x90, CbAssemblyName = 0x98, Padding = 0x9C;

    public const ulong SignatureValue = 0x4C45444F4D004C4DUL, TailSignatureValue = 0x4D4C004D4F44454CUL;

    public long this[int offset] => BinaryPrimitives.ReadInt64LittleEndian(Entry.AsSpan(offset));

    public uint UInt32At(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(Entry.AsSpan(offset));

    public string Text8(int offset, int length) => Encoding.Latin1.GetString(Entry, offset, length).TrimEnd('\0');

    public string[] Strings()
    {
        long table = this[FpStringTable], count = this[CbStringTable] / sizeof(long), chars = this[FpStringChars];
        var strings = new string[count];
        long min = 0;
        for (int i = 0; i < count; i++)
        {
            long lim = this[(int)table + i * sizeof(long)];
            strings[i] = Encoding.Unicode.GetString(Entry, (int)(chars + min), (int)(lim - min));
            min = lim;
        }
        return strings;
    }

    public string AssemblyName() => Encoding.Unicode.GetString(Entry, (int)this[FpAssemblyName], (int)UInt32At(CbAssemblyName));

    public static void WriteInt64(byte[] entry, int offset, long value) => BinaryPrimitives.WriteInt64LittleEndian(entry.AsSpan(offset), value);

    public static void WriteUInt32(byte[] entry, int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(offset), value);
}

/// <summary>
/// Our model-parameters entry's model block (docs/model-format.md, "Model-parameters entry"): float size, payload
/// length, payload, CRC-32; and the payload's fixed-position fields.
/// </summary>
internal static class ModelParametersBlock
{
    public const int FloatSize = EntryHeader.Size, PayloadLength = FloatSize + 4, Payload = PayloadLength + 4;

    public static int PayloadLengthOf(byte[] entry) => BinaryPrimitives.ReadInt32LittleEndian(entry.AsSpan(PayloadLength));

    public static int ChecksumOffset(byte[] entry) => Payload + PayloadLengthOf(entry);

    public static byte[] PayloadOf(byte[] entry) => entry.AsSpan(Payload, PayloadLengthOf(entry)).ToArray();

    /// <summary>Recomputes the stored CRC-32 after the payload was patched in place.</summary>
    public static void FixChecksum(byte[] entry)
        => BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(ChecksumOffset(entry)), TestCrc32.Compute(PayloadOf(entry)));

    /// <summary>
    /// The entry rebuilt around another payload (of any length) with a correct CRC-32 and a consistent ML.NET header,
    /// so that only our own checks can object to it.
    /// </summary>
    public static byte[] WithPayload(byte[] entry, byte[] payload)
    {
        var header = new EntryHeader(entry);
        byte[] assemblyName = entry.AsSpan((int)header[EntryHeader.FpAssemblyName], (int)header.UInt32At(EntryHeader.CbAssemblyName)).ToArray();
        using var output = new MemoryStream();
        var writer = new BinaryWriter(output);
        writer.Write(entry, 0, EntryHeader.Size);
        writer.Write(4);
        writer.Write(payload.Length);
        writer.Write(payload);
        writer.Write(TestCrc32.Compute(payload));
        long cbModel = output.Length - EntryHeader.Size;
        writer.Write(assemblyName);
        long fpTail = output.Length;
        writer.Write(EntryHeader.TailSignatureValue);
        writer.Flush();
        byte[] rebuilt = output.ToArray();
        EntryHeader.WriteInt64(rebuilt, EntryHeader.CbModel, cbModel);
        EntryHeader.WriteInt64(rebuilt, EntryHeader.FpAssemblyName, EntryHeader.Size + cbModel);
        EntryHeader.WriteInt64(rebuilt, EntryHeader.FpTail, fpTail);
        EntryHeader.WriteInt64(rebuilt, EntryHeader.FpLim, fpTail + sizeof(ulong));
        return rebuilt;
    }
}

/// <summary>CRC-32 (IEEE, reflected 0xEDB88320), bit by bit: an independent check of the library's table version.</summary>
internal static class TestCrc32
{
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }
        return ~crc;
    }
}
