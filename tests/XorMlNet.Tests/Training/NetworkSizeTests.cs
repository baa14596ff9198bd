using Microsoft.ML;
using Microsoft.ML.Data;
using XorMlNet.Network;
using XorMlNet.Training;

namespace XorMlNet.Tests.Training;

/// <summary>
/// Networks too large for the arrays training allocates fail up front with an <see cref="ArgumentOutOfRangeException"/>
/// naming the option at fault, before any large allocation, instead of overflowing an int size in the vector code (which
/// threw OverflowException from deep inside, or past 2³² wrapped to a small buffer that the kernels overran).
/// </summary>
public class NetworkSizeTests
{
    /// <summary>
    /// One feature and a million hidden units: 3,000,001 parameters, whose gradients for 716 chunks of 4,096 rows
    /// (2,148,000,716 floats) do not fit one array.
    /// </summary>
    [Fact]
    public void Train_ChunkGradientsTooLargeForAnArray_ThrowsNamingTheNetwork()
    {
        const int Hidden = 1_000_000, Rows = 715 * 4096 + 1;
        var network = new TwoLayerNetwork<float>(1, Hidden);
        var features = new float[Rows];
        var targets = new float[Rows];

        var ex = Assert.Throws<ArgumentOutOfRangeException>(
            () => NetworkTrainer.Train(network, features, targets, new TrainingSettings { NumberOfEpochs = 1, MaxRestarts = 0 }));

        Assert.Equal("network", ex.ParamName);
        Assert.Contains("BatchSize", ex.Message);
    }

    /// <summary>Floats of the vector kernels' per-thread scratch, written out here from its parts: 16 accumulators per parameter,
    /// four 16-row tiles of the inputs and of the hidden activations, 64 targets and 16 floats of alignment slack.</summary>
    private static long ScratchFloats(long d, long h) => ((d + 2) * h + 1) * 16 + 4 * d * 16 + 4 * h * 16 + 64 + 16;

    /// <summary>The smallest hidden size whose scratch does not fit an array, for <paramref name="d"/> features.</summary>
    private static int FirstTooLargeHidden(int d)
    {
        long h = 1;
        while (ScratchFloats(d, h * 2) <= Array.MaxLength)
        {
            h *= 2;
        }
        for (long step = h / 2; step >= 1; step /= 2)
        {
            if (ScratchFloats(d, h + step) <= Array.MaxLength)
            {
                h += step;
            }
        }
        return checked((int)h + 1);
    }

    /// <summary>
    /// 300 features and HiddenLayerSize 1,000,000 (302 million parameters; 16 accumulators each wrapped past 2³² to
    /// 537 million floats) pass the option check and the memory check on a large machine: Fit must refuse them, naming
    /// HiddenLayerSize, having read only the two rows of the table.
    /// </summary>
    [Fact]
    public void Fit_300FeaturesAndAMillionHiddenUnits_ThrowsNamingHiddenLayerSize_WithoutAllocatingTheNetwork()
    {
        IDataView data = TwoRows<Features300>(new Features300 { Features = new float[300], Label = true }, new Features300 { Features = new float[300] });
        var estimator = new XorMlpEstimator(new XorMlpEstimator.Options { HiddenLayerSize = 1_000_000 });

        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("HiddenLayerSize", ex.ParamName);
        Assert.Contains("300 features", ex.Message);
        Assert.True(allocated < 64 << 20, $"{allocated} bytes allocated before refusing");
    }

    /// <summary>
    /// With 126 features, the first HiddenLayerSize (below the option's own limit of 2²⁰) whose vector scratch no longer
    /// fits an array is refused by Fit; one unit fewer passes the size check.
    /// </summary>
    [Fact]
    public void Fit_HiddenLayerSizeJustPastTheScratchLimit_ThrowsNamingHiddenLayerSize_AndJustBelowPasses()
    {
        const int D = 126;
        int tooLarge = FirstTooLargeHidden(D);
        Assert.InRange(tooLarge, 2, XorMlpEstimator.Options.MaxHiddenLayerSize);
        IDataView data = TwoRows<Features126>(new Features126 { Features = new float[D], Label = true }, new Features126 { Features = new float[D] });
        var estimator = new XorMlpEstimator(new XorMlpEstimator.Options { HiddenLayerSize = tooLarge });

        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("HiddenLayerSize", ex.ParamName);
        Assert.True(allocated < 64 << 20, $"{allocated} bytes allocated before refusing");
        Assert.Equal(ScratchFloats(D, tooLarge), NetworkSizes.TileScratchFloats(D, tooLarge));
        NetworkSizes.Check(D, tooLarge - 1, 2, "features", "d", "hidden");
    }

    /// <summary>A feature count so large that even one hidden unit does not fit is blamed on the features.</summary>
    [Fact]
    public void Check_FeatureCountTooLargeForOneHiddenUnit_NamesTheFeatures_AndJustBelowPasses()
    {
        int d = 1;
        while (ScratchFloats(d * 2L, 1) <= Array.MaxLength)
        {
            d *= 2;
        }
        for (int step = d / 2; step >= 1; step /= 2)
        {
            if (ScratchFloats((long)d + step, 1) <= Array.MaxLength)
            {
                d += step;
            }
        }

        NetworkSizes.Check(d, 1, 1, "FeatureColumnName", "the feature column 'Features'", "HiddenLayerSize");
        var ex = Assert.Throws<ArgumentOutOfRangeException>(
            () => NetworkSizes.Check(d + 1, 1, 1, "FeatureColumnName", "the feature column 'Features'", "HiddenLayerSize"));

        Assert.Equal("FeatureColumnName", ex.ParamName);
        Assert.Contains("the feature column 'Features'", ex.Message);
    }

    /// <summary>
    /// The chunk gradients: 715 chunks of a 3,000,001-parameter network fit (2,145,000,715 floats), 716 do not
    /// (2,148,000,716), whatever the network's own size.
    /// </summary>
    [Fact]
    public void Check_ChunkGradients_JustBelowAndJustPastTheLimit()
    {
        NetworkSizes.Check(1, 1_000_000, 715 * 4096, "features", "d", "hidden");
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => NetworkSizes.Check(1, 1_000_000, 715 * 4096 + 1, "features", "d", "hidden"));
        Assert.Equal("hidden", ex.ParamName);
        Assert.Equal(716L * 3_000_001, NetworkSizes.ChunkSlotFloats(1, 1_000_000, 715 * 4096 + 1));
    }

    private static IDataView TwoRows<TRow>(TRow first, TRow second) where TRow : class
        => new MLContext(seed: 0).Data.LoadFromEnumerable(new[] { first, second });

    private sealed class Features300
    {
        [VectorType(300)]
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }

    private sealed class Features126
    {
        [VectorType(126)]
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }
}
