using Microsoft.ML;
using Microsoft.ML.Data;

namespace XorMlNet.Tests.MLNet;

public class PersistenceTests
{
    [Fact]
    public void SaveLoad_ThroughStream_GivesOurTransformerAndIdenticalScores()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView data = XorData.Load(mlContext);
        ITransformer model = XorData.Pipeline(mlContext, new XorMlpEstimator()).Fit(data);

        using var stream = new MemoryStream();
        mlContext.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        ITransformer loaded = new MLContext().Model.Load(stream, out DataViewSchema inputSchema);

        var chain = Assert.IsAssignableFrom<TransformerChain<ITransformer>>(loaded);
        Assert.IsType<XorMlpTransformer>(chain.LastTransformer);
    }
}
