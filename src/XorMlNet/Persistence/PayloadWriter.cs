using System.Text;

namespace XorMlNet.Persistence;

/// <summary>Writes model payload fields little-endian into a growing buffer; the mirror of <see cref="PayloadReader"/>.</summary>
internal sealed class PayloadWriter
{
    private readonly MemoryStream _buffer = new();
    private readonly BinaryWriter _writer;

    public PayloadWriter() => _writer = new BinaryWriter(_buffer);

    public void WriteInt32(int value) => _writer.Write(value);

    public void WriteDouble(double value) => _writer.Write(value);

    public void WriteByte(byte value) => _writer.Write(value);

    /// <summary>int32 byte count, then the UTF-8 bytes (not BinaryWriter's 7-bit length prefix).</summary>
    public void WriteString(string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        _writer.Write(bytes.Length);
        _writer.Write(bytes);
    }

    public void WriteSingles(ReadOnlySpan<float> values)
    {
        foreach (float value in values)
        {
            _writer.Write(value);
        }
    }

    public void WriteDoubles(ReadOnlySpan<double> values)
    {
        foreach (double value in values)
        {
            _writer.Write(value);
        }
    }

    public byte[] ToArray()
    {
        _writer.Flush();
        return _buffer.ToArray();
    }
}
