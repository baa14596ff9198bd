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

    /// <summary>
    /// Past its capacity the history halves: it keeps the values of every stride-th epoch, value k being epoch
    /// (k + 1)·stride, never more than Capacity values, while Epochs and Last follow every epoch.
    /// </summary>
    [Theory]
    [InlineData(LossHistory.Capacity, 1)]
    [InlineData(LossHistory.Capacity + 1, 2)]
    [InlineData(2 * LossHistory.Capacity, 2)]
    [InlineData(2 * LossHistory.Capacity + 1, 2)]
    [InlineData(2 * LossHistory.Capacity + 2, 4)]
    [InlineData(5 * LossHistory.Capacity + 3, 8)]
    public void PastItsCapacity_KeepsEveryStrideThEpoch(int epochs, int stride)
    {
        var history = new LossHistory();
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            history.Add(epoch);
        }

        Assert.Equal(epochs, history.Epochs);
        Assert.Equal(stride, history.Stride);
        Assert.Equal(epochs / stride, history.Count);
        Assert.True(history.Count <= LossHistory.Capacity);
        Assert.Equal(epochs, history.Last);
        for (int k = 0; k < history.Count; k += 997)
        {
            Assert.Equal((k + 1) * (double)stride, history[k]);
        }
        Assert.Equal(history.Count * (double)stride, history[history.Count - 1]);
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
