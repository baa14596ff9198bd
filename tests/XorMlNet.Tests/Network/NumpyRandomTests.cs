using XorMlNet.Network;

namespace XorMlNet.Tests.Network;

public class NumpyRandomTests
{
    [Fact]
    public void Seed42_FirstRawOutputs_MatchMt19937Reference()
    {
        // init_genrand(42) is the same seeding as C++'s std::mt19937(42), whose first outputs are well known.
        var random = new NumpyRandom(42);
        uint[] expected = [1608637542u, 3421126067u, 4083286876u, 787846414u, 3143890026u];
        Assert.Equal(expected, Enumerable.Range(0, 5).Select(_ => random.NextUInt32()).ToArray());
    }

    [Fact]
    public void DefaultSeed_TenThousandthOutput_MatchesStdMt19937()
    {
        // The C++ standard fixes std::mt19937's 10000th output for the default seed 5489.
        var random = new NumpyRandom(5489);
        uint value = 0;
        for (int i = 0; i < 10000; i++)
        {
            value = random.NextUInt32();
        }
        Assert.Equal(4123659995u, value);
    }

    [Fact]
    public void Seed42_InitialWeights_EqualNumpyBitForBit()
    {
        GoldenTrajectory golden = GoldenTrajectory.Load();
        GoldenTrajectory.Checkpoint initial = golden.Checkpoints[0];
        var network = new TwoLayerNetwork<double>(2, 2);

        network.InitializeNormal(new NumpyRandom((uint)golden.Seed), 0.1);

        Assert.Equal(initial.W1.SelectMany(r => r).ToArray(), network.W1.ToArray());
        Assert.Equal(initial.W2, network.W2.ToArray());
        Assert.All(network.B1.ToArray(), b => Assert.Equal(0.0, b));
        Assert.Equal(0.0, network.B2);
    }

    [Fact]
    public void NextGaussian_Seed42_FirstValuesMatchNumpyRandn()
    {
        // np.random.seed(42); np.random.randn(4)
        var random = new NumpyRandom(42);
        double[] expected = [0.4967141530112327, -0.13826430117118466, 0.6476885381006925, 1.5230298564080254];
        Assert.Equal(expected, Enumerable.Range(0, 4).Select(_ => random.NextGaussian()).ToArray());
    }

    [Fact]
    public void NextInt32_StaysInRange_AndCoversIt()
    {
        var random = new NumpyRandom(7);
        var seen = new bool[5];
        for (int i = 0; i < 1000; i++)
        {
            int value = random.NextInt32(5);
            Assert.InRange(value, 0, 4);
            seen[value] = true;
        }
        Assert.All(seen, Assert.True);
    }
}
