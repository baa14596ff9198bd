// XorMlNet.LoadHost: loads a model saved by mlContext.Model.Save in this fresh process and prints, one item per line,
// what the persistence tests compare with the process that saved it. It asserts nothing.
//
//   XorMlNet.LoadHost MODEL.zip ROWS.idv
//
// MODEL.zip is loaded with new MLContext().Model.Load(path, out inputSchema), without any registration call; ROWS.idv
// (ML.NET's binary data format, written by mlContext.Data.SaveAsBinary) holds the rows to score. Output:
//
//   model <type of the loaded model>
//   transformer <type of its last transformer>
//   input <column name>:<column type> ...        the input schema saved with the model
//   W1|B1|W2|B2 <hex bits> ...                   the weights, as BitConverter.SingleToInt32Bits in hex
//   row <i> <Score bits> <Probability bits> <PredictedLabel 0|1>
//
// Exit code 0 when the model loaded and the rows were scored; 1 with the exception on stderr otherwise; 2 for bad usage.
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using XorMlNet;

if (args is not [string modelPath, string rowsPath])
{
    Console.Error.WriteLine("usage: XorMlNet.LoadHost MODEL.zip ROWS.idv");
    return 2;
}

try
{
    var mlContext = new MLContext();
    ITransformer model = mlContext.Model.Load(modelPath, out DataViewSchema inputSchema);
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

    IDataView scored = model.Transform(mlContext.Data.LoadFromBinary(rowsPath));
    DataViewSchema.Column score = scored.Schema["Score"], probability = scored.Schema["Probability"], label = scored.Schema["PredictedLabel"];
    using DataViewRowCursor cursor = scored.GetRowCursor([score, probability, label]);
    ValueGetter<float> getScore = cursor.GetGetter<float>(score), getProbability = cursor.GetGetter<float>(probability);
    ValueGetter<bool> getLabel = cursor.GetGetter<bool>(label);
    float s = 0, p = 0;
    bool l = false;
    for (long row = 0; cursor.MoveNext(); row++)
    {
        getScore(ref s);
        getProbability(ref p);
        getLabel(ref l);
        Console.WriteLine($"row {row} {Bits([s])} {Bits([p])} {(l ? 1 : 0)}");
    }
    return 0;
}
catch (Exception ex)
{
    Console.Error.WriteLine(ex);
    return 1;
}

static string Bits(IEnumerable<float> values)
    => string.Join(" ", values.Select(v => BitConverter.SingleToInt32Bits(v).ToString("X8", CultureInfo.InvariantCulture)));
