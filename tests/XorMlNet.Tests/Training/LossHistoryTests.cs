using XorMlNet.Training;

namespace XorMlNet.Tests.Training;

/// <summary>The chunked loss history: every value comes back at its index, across chunk boundaries.</summary>
public class LossHistoryTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(LossHistory.ChunkLength - 1)]
    [InlineData(LossHistory.ChunkLength)]
    [InlineData(LossHistory.ChunkLength + 1)]
    [InlineData(5 * LossHistory.ChunkLength + 17)]
    public void Values_ComeBackInOrder_ThroughIndexerEnumeratorAndChunks(int count)
    {
        double[] values = Enumerable.Range(0, count).Select(i => Math.Sqrt(i) - 7.25).ToArray();
        var history = new LossHistory();
        foreach (double value in values)
        {
            history.Add(value);
        }

        Assert.Equal(count, history.Count);
        Assert.Equal((count + LossHistory.ChunkLength - 1) / LossHistory.ChunkLength, history.ChunkCount);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(values[i], history[i]);
        }
        Assert.Equal(values, history.ToArray());
        var concatenated = new List<double>();
        for (int k = 0; k < history.ChunkCount; k++)
        {
            concatenated.AddRange(history.Chunk(k).ToArray());
        }
        Assert.Equal(values, concatenated);
        Assert.Equal(values, LossHistory.From(values).ToArray());
    }

    [Fact]
    public void IndexOutsideTheValues_Throws()
    {
        var history = new LossHistory();
        history.Add(0.5);

        Assert.Equal("index", Assert.Throws<ArgumentOutOfRangeException>(() => history[1]).ParamName);
        Assert.Equal("index", Assert.Throws<ArgumentOutOfRangeException>(() => history[-1]).ParamName);
        Assert.Equal("index", Assert.Throws<ArgumentOutOfRangeException>(() => history.Chunk(1)).ParamName);
    }
}
