using System.Buffers.Binary;
using System.Text;

namespace XorMlNet.Persistence;

/// <summary>Writes model payload fields little-endian into a growing buffer; the mirror of <see cref="PayloadReader"/>.</summary>
internal sealed class PayloadWriter
{
    private readonly MemoryStream _buffer = new();

    public void WriteInt32(int value) => Write(value, sizeof(int), BinaryPrimitives.WriteInt32LittleEndian);

    public void WriteSingle(float value) => Write(value, sizeof(float), BinaryPrimitives.WriteSingleLittleEndian);

    public void WriteDouble(double value) => Write(value, sizeof(double), BinaryPrimitives.WriteDoubleLittleEndian);

    public void WriteByte(byte value) => _buffer.WriteByte(value);

    public void WriteString(string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        WriteInt32(bytes.Length);
        _buffer.Write(bytes);
    }

    public void WriteSingles(ReadOnlySpan<float> values)
    {
        foreach (float value in values)
        {
            WriteSingle(value);
        }
    }

    public void WriteDoubles(ReadOnlySpan<double> values)
    {
        foreach (double value in values)
        {
            WriteDouble(value);
        }
    }

    public byte[] ToArray() => _buffer.ToArray();

    private void Write<TValue>(TValue value, int size, SpanWriter<TValue> write)
    {
        Span<byte> bytes = stackalloc byte[8];
        write(bytes, value);
        _buffer.Write(bytes[..size]);
    }

    private delegate void SpanWriter<TValue>(Span<byte> destination, TValue value);
}
