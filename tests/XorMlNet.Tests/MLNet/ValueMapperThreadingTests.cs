using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace XorMlNet.Tests.MLNet;

/// <summary>
/// The delegates of ML.NET's IValueMapper.GetMapper and IValueMapperDist.GetMapper (through which its multiclass
/// meta-trainers and calibrators score) may be called from several threads at once, as those of ML.NET's linear models
/// can: each call's result is the one a lone thread gets. (The interfaces are internal to ML.NET, so the test reaches
/// them by reflection and calls the delegates through its own delegate types of the same signatures.)
/// </summary>
public class ValueMapperThreadingTests
{
    private const int FeatureCount = 61, Rows = 64, Threads = 4, Passes = 400;

    private sealed class Row
    {
        [VectorType(FeatureCount)]
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }

    private delegate void ScoreMapper(in VBuffer<float> features, ref float score);

    private delegate void ScoreProbabilityMapper(in VBuffer<float> features, ref float score, ref float probability);

    [Fact]
    public void OneMapperDelegate_CalledFromSeveralThreadsAtOnce_GivesEveryRowItsOwnScore()
    {
        // Standardized, with d not a multiple of 8: every row goes through the scorer's scratch before the kernel.
        var random = new Random(5);
        Row[] rows = Enumerable.Range(0, Rows).Select(r => new Row
        {
            Features = Enumerable.Range(0, FeatureCount).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray(),
            Label = r % 2 == 0,
        }).ToArray();
        XorMlpModelParameters model = new XorMlpEstimator(new XorMlpEstimator.Options
        {
            HiddenLayerSize = 8, NumberOfEpochs = 3, InitialWeightScale = 1, NormalizeFeatures = FeatureNormalization.Yes,
        }).Fit(new MLContext(seed: 0).Data.LoadFromEnumerable(rows)).Model;
        VBuffer<float>[] inputs = rows.Select(r => new VBuffer<float>(FeatureCount, r.Features)).ToArray();

        ScoreMapper map = GetMapper<ScoreMapper>(model, "Microsoft.ML.Data.IValueMapper", typeof(VBuffer<float>), typeof(float));
        ScoreProbabilityMapper mapDist = GetMapper<ScoreProbabilityMapper>(model, "Microsoft.ML.Data.IValueMapperDist",
            typeof(VBuffer<float>), typeof(float), typeof(float));
        float[] expected = new float[Rows], expectedProbability = new float[Rows];
        for (int r = 0; r < Rows; r++)
        {
            map(in inputs[r], ref expected[r]);
            float score = 0;
            mapDist(in inputs[r], ref score, ref expectedProbability[r]);
            Assert.Equal(expected[r], score);
        }
        Assert.True(expected.Distinct().Count() > Rows / 2, "the rows' scores should differ");

        int wrong = 0;
        using var start = new Barrier(Threads);
        Thread[] threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (int pass = 0; pass < Passes; pass++)
            {
                for (int k = 0; k < Rows; k++)
                {
                    // Each thread walks the rows from another starting point, so that threads score different rows at once.
                    int r = (k + t * Rows / Threads) % Rows;
                    float score = 0, probability = 0, distScore = 0;
                    map(in inputs[r], ref score);
                    mapDist(in inputs[r], ref distScore, ref probability);
                    if (BitConverter.SingleToInt32Bits(score) != BitConverter.SingleToInt32Bits(expected[r])
                        || BitConverter.SingleToInt32Bits(distScore) != BitConverter.SingleToInt32Bits(expected[r])
                        || BitConverter.SingleToInt32Bits(probability) != BitConverter.SingleToInt32Bits(expectedProbability[r]))
                    {
                        Interlocked.Increment(ref wrong);
                    }
                }
            }
        })).ToArray();
        foreach (Thread thread in threads)
        {
            thread.Start();
        }
        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        Assert.Equal(0, wrong);
    }

    /// <summary>The model's GetMapper of the ML.NET interface <paramref name="interfaceName"/>, as a <typeparamref name="TMapper"/>.</summary>
    private static TMapper GetMapper<TMapper>(XorMlpModelParameters model, string interfaceName, params Type[] types) where TMapper : Delegate
    {
        Type mapperInterface = typeof(XorMlpModelParameters).GetInterfaces().Single(i => i.FullName == interfaceName);
        MethodInfo getMapper = mapperInterface.GetMethod("GetMapper")!.MakeGenericMethod(types);
        var mapper = (Delegate)getMapper.Invoke(model, null)!;
        return (TMapper)Delegate.CreateDelegate(typeof(TMapper), mapper.Target, mapper.Method);
    }
}
