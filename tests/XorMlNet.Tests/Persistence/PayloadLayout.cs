using System.Buffers.Binary;
using System.Text;

namespace XorMlNet.Tests.Persistence;

/// <summary>
/// The payload of our model-parameters entry parsed field by field exactly as docs/model-format.md describes it, by a
/// reader written from the document (not from XorMlNet's code): the format test checks the document against a real
/// file with it, and the corruption tests find the offsets of fields with it.
/// </summary>
internal sealed class PayloadLayout
{
    private readonly List<(string Name, int Offset, int Size)> _fields = [];

    public int InputSize { get; private set; }
    public int HiddenSize { get; private set; }
    public int WeightCount { get; private set; }
    public float[] Weights { get; private set; } = [];
    public int StopReason { get; private set; }
    public int Restarts { get; private set; }
    public int EpochsRun { get; private set; }
    public int LossHistoryStride { get; private set; } = 1;
    public float[] FeatureOffset { get; private set; } = [];
    public float[] FeatureScale { get; private set; } = [];
    public double[] TrainingLoss { get; private set; } = [];
    public double[] ValidationLoss { get; private set; } = [];
    public List<SavedOption> Options { get; } = [];

    /// <summary>Every field in order: its name, offset in the payload and size in bytes.</summary>
    public IReadOnlyList<(string Name, int Offset, int Size)> Fields => _fields;

    public int OffsetOf(string field) => _fields.Single(f => f.Name == field).Offset;

    public sealed record SavedOption(string Name, byte Kind, object Value, int ValueOffset);

    /// <summary>Parses a payload of format 0x00010002, or of 0x00010001 with <paramref name="version1"/>.</summary>
    public static PayloadLayout Parse(byte[] payload, bool version1 = false)
    {
        var layout = new PayloadLayout();
        int position = 0;

        int Int32(string name)
        {
            layout._fields.Add((name, position, 4));
            int value = BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(position));
            position += 4;
            return value;
        }

        double Float64(string name)
        {
            layout._fields.Add((name, position, 8));
            double value = BinaryPrimitives.ReadDoubleLittleEndian(payload.AsSpan(position));
            position += 8;
            return value;
        }

        string Text(string name)
        {
            int length = Int32(name + ".Length");
            layout._fields.Add((name, position, length));
            string value = Encoding.UTF8.GetString(payload, position, length);
            position += length;
            return value;
        }

        layout.InputSize = Int32("InputSize");
        layout.HiddenSize = Int32("HiddenSize");
        layout.WeightCount = Int32("WeightCount");
        layout.Weights = new float[layout.WeightCount];
        layout._fields.Add(("Weights", position, 4 * layout.WeightCount));
        for (int i = 0; i < layout.WeightCount; i++, position += 4)
        {
            layout.Weights[i] = BinaryPrimitives.ReadSingleLittleEndian(payload.AsSpan(position));
        }
        layout.StopReason = Int32("StopReason");
        layout.Restarts = Int32("Restarts");
        if (!version1)
        {
            layout.EpochsRun = Int32("EpochsRun");
            layout.LossHistoryStride = Int32("LossHistoryStride");
        }
        layout.TrainingLoss = new double[Int32("TrainingLossCount")];
        for (int i = 0; i < layout.TrainingLoss.Length; i++)
        {
            layout.TrainingLoss[i] = Float64($"TrainingLoss[{i}]");
        }
        layout.ValidationLoss = new double[Int32("ValidationLossCount")];
        for (int i = 0; i < layout.ValidationLoss.Length; i++)
        {
            layout.ValidationLoss[i] = Float64($"ValidationLoss[{i}]");
        }
        if (!version1)
        {
            int standardized = Int32("StandardizedCount");
            layout.FeatureOffset = Float32s("FeatureOffset", standardized);
            layout.FeatureScale = Float32s("FeatureScale", standardized);
        }
        else
        {
            layout.EpochsRun = layout.TrainingLoss.Length;
        }
        int optionCount = Int32("OptionCount");
        for (int k = 0; k < optionCount; k++)
        {
            string name = Text($"Option[{k}].Name");
            byte kind = payload[position];
            layout._fields.Add(($"{name}.Kind", position, 1));
            position++;
            int valueOffset = position;
            object value = kind switch
            {
                1 => Int32(name),
                2 => Float64(name),
                3 => Bool(name),
                4 => Text(name),
                _ => throw new InvalidDataException($"Option '{name}' has unknown kind {kind}."),
            };
            layout.Options.Add(new SavedOption(name, kind, value, valueOffset));
        }
        if (position != payload.Length)
        {
            throw new InvalidDataException($"{payload.Length - position} bytes follow the last documented field.");
        }
        return layout;

        float[] Float32s(string name, int count)
        {
            layout._fields.Add((name, position, 4 * count));
            var values = new float[count];
            for (int i = 0; i < count; i++, position += 4)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(payload.AsSpan(position));
            }
            return values;
        }

        bool Bool(string name)
        {
            layout._fields.Add((name, position, 1));
            return payload[position++] switch
            {
                0 => false,
                1 => true,
                byte b => throw new InvalidDataException($"Option '{name}' holds {b}, not a Boolean."),
            };
        }
    }
}
