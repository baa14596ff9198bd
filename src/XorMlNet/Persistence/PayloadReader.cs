using System.Buffers.Binary;
using System.Text;

namespace XorMlNet.Persistence;

/// <summary>
/// Reads the fields of a model payload that is already in memory, checking before every read that the bytes are
/// there, and before every array that its declared length fits in what remains. Every failure is an
/// <see cref="InvalidDataException"/> naming the entry and the field, so a corrupt file can never make the loader
/// allocate more than the file holds, read past its end, or fail with anything but a clear message.
/// </summary>
internal ref struct PayloadReader
{
    private readonly ReadOnlySpan<byte> _data;
    /// <summary>UTF-8 that throws on invalid bytes instead of substituting them.</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly string _entry;
    private int _position;

    public PayloadReader(ReadOnlySpan<byte> data, string entry)
    {
        _data = data;
        _entry = entry;
        _position = 0;
    }

    public readonly int Remaining => _data.Length - _position;

    public int ReadInt32(string field) => BinaryPrimitives.ReadInt32LittleEndian(Take(sizeof(int), field));

    public double ReadDouble(string field) => BinaryPrimitives.ReadDoubleLittleEndian(Take(sizeof(double), field));

    public byte ReadByte(string field) => Take(1, field)[0];

    /// <summary>A length-prefixed (int32 byte count) UTF-8 string.</summary>
    public string ReadString(string field)
    {
        int length = ReadCount(field, 1);
        try
        {
            return StrictUtf8.GetString(Take(length, field));
        }
        catch (DecoderFallbackException)
        {
            throw Fail($"field '{field}' is not valid UTF-8");
        }
    }

    /// <summary>Reads a non-negative count, refusing any count whose elements could not fit in the bytes left.</summary>
    public int ReadCount(string field, int bytesPerElement)
    {
        int count = ReadInt32(field);
        if (count < 0 || (long)count * bytesPerElement > Remaining)
        {
            throw Fail($"field '{field}' declares {count} elements, but only {Remaining} bytes remain");
        }
        return count;
    }

    /// <summary>Reads <paramref name="count"/> float32 values, each of which must be finite.</summary>
    public float[] ReadFiniteSingles(int count, string field)
    {
        ReadOnlySpan<byte> bytes = Take(checked(count * sizeof(float)), field);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * sizeof(float)));
            if (!float.IsFinite(values[i]))
            {
                throw Fail($"{field}[{i}] is {values[i]}; weights must be finite");
            }
        }
        return values;
    }

    /// <summary>Reads <paramref name="count"/> float64 values (NaN allowed: a loss history may hold none).</summary>
    public double[] ReadDoubles(int count, string field)
    {
        ReadOnlySpan<byte> bytes = Take(checked(count * sizeof(double)), field);
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes.Slice(i * sizeof(double)));
        }
        return values;
    }

    public readonly void EnsureEnd()
    {
        if (Remaining != 0)
        {
            throw Fail($"{Remaining} unexpected bytes follow the last field");
        }
    }

    public readonly InvalidDataException Fail(string problem)
        => LoadErrors.Corrupt("model", _entry, problem);

    private ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count > Remaining)
        {
            throw Fail($"it ends inside field '{field}' ({count} bytes needed, {Remaining} left)");
        }
        ReadOnlySpan<byte> bytes = _data.Slice(_position, count);
        _position += count;
        return bytes;
    }
}
