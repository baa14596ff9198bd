// XorMlNet.LoadHost: loads a model saved by mlContext.Model.Save in this fresh process and prints, one item per line,
// what the persistence tests compare with the process that saved it. It asserts nothing.
//
//   XorMlNet.LoadHost MODEL.zip ROWS.idv [OUT.onnx]
//
// MODEL.zip is loaded with new MLContext().Model.Load(path, out inputSchema), without any registration call; ROWS.idv
// (ML.NET's binary data format, written by mlContext.Data.SaveAsBinary) holds the rows to score. With OUT.onnx, the
// loaded model is also exported with mlContext.Model.ConvertToOnnx over those rows. Output:
//
//   model <type of the loaded model>
//   transformer <type of its last transformer>
//   input <column name>:<column type> ...        the input schema saved with the model
//   W1|B1|W2|B2 <hex bits> ...                   the weights, when the last transformer is XorMlpTransformer
//   row <i> <Score> <Probability> <PredictedLabel>  of the columns the model outputs: a Single as its bits in hex
//                                                (BitConverter.SingleToInt32Bits), a vector of Single as bits joined
//                                                by ',', a Boolean as 0|1, a key or text as its value
//
// Exit code 0 when the model loaded and the rows were scored; 1 with the exception on stderr otherwise; 2 for bad usage.
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using XorMlNet;

if (args.Length is not (2 or 3))
{
    Console.Error.WriteLine("usage: XorMlNet.LoadHost MODEL.zip ROWS.idv [OUT.onnx]");
    return 2;
}

try
{
    var mlContext = new MLContext();
    ITransformer model = mlContext.Model.Load(args[0], out DataViewSchema inputSchema);
    ITransformer last = model is TransformerChain<ITransformer> chain ? chain.LastTransformer : model;
    Console.WriteLine($"model {model.GetType().FullName}");
    Console.WriteLine($"transformer {last.GetType().FullName}");
    Console.WriteLine("input " + string.Join(" ", inputSchema.Select(c => $"{c.Name}:{c.Type}")));

    if (last is XorMlpTransformer xorMlp)
    {
        XorMlpModelParameters parameters = xorMlp.Model;
        Console.WriteLine("W1 " + Bits(parameters.W1));
        Console.WriteLine("B1 " + Bits(parameters.B1));
        Console.WriteLine("W2 " + Bits(parameters.W2));
        Console.WriteLine("B2 " + Bits([parameters.B2]));
    }

    IDataView rows = mlContext.Data.LoadFromBinary(args[1]);
    if (args.Length == 3)
    {
        using FileStream onnx = File.Create(args[2]);
        mlContext.Model.ConvertToOnnx(model, rows, onnx);
    }

    IDataView scored = model.Transform(rows);
    DataViewSchema.Column[] columns = new[] { "Score", "Probability", "PredictedLabel" }
        .Select(name => scored.Schema.GetColumnOrNull(name)).OfType<DataViewSchema.Column>().ToArray();
    using DataViewRowCursor cursor = scored.GetRowCursor(columns);
    Func<string>[] readers = columns.Select(column => Reader(cursor, column)).ToArray();
    for (long row = 0; cursor.MoveNext(); row++)
    {
        Console.WriteLine($"row {row} " + string.Join(" ", readers.Select(read => read())));
    }
    return 0;
}
catch (Exception ex)
{
    Console.Error.WriteLine(ex);
    return 1;
}

static Func<string> Reader(DataViewRow row, DataViewSchema.Column column)
{
    switch (column.Type)
    {
        case NumberDataViewType when column.Type.RawType == typeof(float):
            ValueGetter<float> single = row.GetGetter<float>(column);
            return () => { float v = 0; single(ref v); return Bits([v]); };
        case VectorDataViewType { ItemType: NumberDataViewType } vector when vector.ItemType.RawType == typeof(float):
            ValueGetter<VBuffer<float>> singles = row.GetGetter<VBuffer<float>>(column);
            return () => { VBuffer<float> v = default; singles(ref v); return string.Join(",", v.DenseValues().Select(x => Bits([x]))); };
        case BooleanDataViewType:
            ValueGetter<bool> boolean = row.GetGetter<bool>(column);
            return () => { bool v = false; boolean(ref v); return v ? "1" : "0"; };
        case KeyDataViewType:
            ValueGetter<uint> key = row.GetGetter<uint>(column);
            return () => { uint v = 0; key(ref v); return v.ToString(CultureInfo.InvariantCulture); };
        default:
            ValueGetter<ReadOnlyMemory<char>> text = row.GetGetter<ReadOnlyMemory<char>>(column);
            return () => { ReadOnlyMemory<char> v = default; text(ref v); return v.ToString(); };
    }
}

static string Bits(IEnumerable<float> values)
    => string.Join(" ", values.Select(v => BitConverter.SingleToInt32Bits(v).ToString("X8", CultureInfo.InvariantCulture)));
