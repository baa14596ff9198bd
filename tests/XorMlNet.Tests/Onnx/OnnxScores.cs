using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace XorMlNet.Tests.Onnx;

/// <summary>Score, Probability and PredictedLabel of every row, read from ML.NET or computed by ONNX Runtime.</summary>
internal sealed record OnnxScores(float[] Score, float[] Probability, bool[] PredictedLabel)
{
    public int Count => Score.Length;

    /// <summary>Reads the three columns of a scored data view.</summary>
    public static OnnxScores Read(IDataView scored, string score, string probability, string predictedLabel)
        => new(Column<float>(scored, score), Column<float>(scored, probability), Column<bool>(scored, predictedLabel));

    /// <summary>
    /// Runs <paramref name="session"/> on every row of <paramref name="rows"/>: each graph input is fed the column of the
    /// same name (N×1 for a scalar, N×k for a vector of k), and ML.NET's output names (<c>Score.output</c>, …) are read.
    /// </summary>
    public static OnnxScores Run(InferenceSession session, IDataView rows)
    {
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run(Inputs(session, rows), ["Score.output", "Probability.output", "PredictedLabel.output"]);
        return new OnnxScores(
            results.Single(r => r.Name == "Score.output").AsTensor<float>().ToArray(),
            results.Single(r => r.Name == "Probability.output").AsTensor<float>().ToArray(),
            results.Single(r => r.Name == "PredictedLabel.output").AsTensor<bool>().ToArray());
    }

    /// <summary>Each graph input of <paramref name="session"/>, fed the column of the same name (N×1 for a scalar, N×k for a vector of k).</summary>
    public static List<NamedOnnxValue> Inputs(InferenceSession session, IDataView rows)
    {
        var inputs = new List<NamedOnnxValue>();
        foreach ((string name, NodeMetadata metadata) in session.InputMetadata)
        {
            DataViewSchema.Column column = rows.Schema[name];
            inputs.Add(metadata.ElementDataType switch
            {
                TensorElementType.Float => NamedOnnxValue.CreateFromTensor(name, Tensor<float>(rows, column)),
                TensorElementType.Bool => NamedOnnxValue.CreateFromTensor(name, Tensor<bool>(rows, column)),
                TensorElementType.String => NamedOnnxValue.CreateFromTensor(name, Tensor<ReadOnlyMemory<char>>(rows, column).Select(v => v.ToString())
                    is var text ? new DenseTensor<string>(text.ToArray(), [text.Count(), 1]) : null),
                var type => throw new NotSupportedException($"Graph input '{name}' is {type}."),
            });
        }
        return inputs;
    }

    /// <summary>A scalar column, or a column of vectors of one value, as an array.</summary>
    private static T[] Column<T>(IDataView data, string name)
    {
        DataViewSchema.Column column = data.Schema[name];
        DenseTensor<T> values = Tensor<T>(data, column);
        Assert.Equal(1, values.Dimensions[1]);
        return values.ToArray();
    }

    /// <summary>A column as an N×k tensor (k = 1 for a scalar column).</summary>
    public static DenseTensor<T> Tensor<T>(IDataView data, DataViewSchema.Column column)
    {
        var values = new List<T>();
        int width;
        using DataViewRowCursor cursor = data.GetRowCursor([column]);
        if (column.Type is VectorDataViewType vector)
        {
            width = vector.Size;
            ValueGetter<VBuffer<T>> get = cursor.GetGetter<VBuffer<T>>(column);
            VBuffer<T> buffer = default;
            while (cursor.MoveNext())
            {
                get(ref buffer);
                values.AddRange(buffer.DenseValues());
            }
        }
        else
        {
            width = 1;
            ValueGetter<T> get = cursor.GetGetter<T>(column);
            T value = default!;
            while (cursor.MoveNext())
            {
                get(ref value);
                values.Add(value);
            }
        }
        return new DenseTensor<T>(values.ToArray(), [values.Count / width, width]);
    }
}
