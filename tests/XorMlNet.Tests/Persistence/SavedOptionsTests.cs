using System.Reflection;
using XorMlNet.Persistence;
using Options = XorMlNet.XorMlpEstimator.Options;

namespace XorMlNet.Tests.Persistence;

/// <summary>The saved-option table covers every option that changes what is learnt, and each one round-trips through it.</summary>
public class SavedOptionsTests
{
    /// <summary>Not saved, since they do not change what is learnt (docs/model-format.md).</summary>
    private static readonly HashSet<string> Unsaved =
        [nameof(Options.NumberOfThreads), nameof(Options.Progress), nameof(Options.CancellationToken)];

    /// <summary>A valid value other than the default for every saved option.</summary>
    public static TheoryData<string, Action<Options>> NonDefaultValues => new()
    {
        { nameof(Options.LabelColumnName), o => o.LabelColumnName = "Target" },
        { nameof(Options.FeatureColumnName), o => o.FeatureColumnName = "Inputs" },
        { nameof(Options.HiddenLayerSize), o => o.HiddenLayerSize = 7 },
        { nameof(Options.Solver), o => o.Solver = Solver.Adam },
        { nameof(Options.LearningRate), o => o.LearningRate = 0.125 },
        { nameof(Options.NumberOfEpochs), o => o.NumberOfEpochs = 321 },
        { nameof(Options.BatchSize), o => o.BatchSize = 16 },
        { nameof(Options.Momentum), o => o.Momentum = 0.5 },
        { nameof(Options.UseNesterov), o => o.UseNesterov = true },
        { nameof(Options.Beta1), o => o.Beta1 = 0.8 },
        { nameof(Options.Beta2), o => o.Beta2 = 0.99 },
        { nameof(Options.Epsilon), o => o.Epsilon = 1e-6 },
        { nameof(Options.L2Regularization), o => o.L2Regularization = 3e-3 },
        { nameof(Options.LossTolerance), o => o.LossTolerance = 0.02 },
        { nameof(Options.EpochsWithoutImprovement), o => o.EpochsWithoutImprovement = 17 },
        { nameof(Options.ValidationFraction), o => o.ValidationFraction = 0.3 },
        { nameof(Options.MaxRestarts), o => o.MaxRestarts = 3 },
        { nameof(Options.RestartPatience), o => o.RestartPatience = 55 },
        { nameof(Options.RestartMinimumImprovement), o => o.RestartMinimumImprovement = 0.05 },
        { nameof(Options.Seed), o => o.Seed = 12345 },
        { nameof(Options.InitialWeightScale), o => o.InitialWeightScale = 0.5 },
        { nameof(Options.ProgressInterval), o => o.ProgressInterval = 10 },
        { nameof(Options.NormalizeFeatures), o => o.NormalizeFeatures = FeatureNormalization.Yes },
    };

    private static FieldInfo[] SavedFields => typeof(Options).GetFields(BindingFlags.Public | BindingFlags.Instance)
        .Where(f => !Unsaved.Contains(f.Name)).ToArray();

    private static Options RoundTrip(Options options)
    {
        var writer = new PayloadWriter();
        SavedOptions.Write(options, writer);
        byte[] bytes = writer.ToArray();
        var reader = new PayloadReader(bytes, "test");
        Options read = SavedOptions.Read(ref reader, FeatureNormalization.Auto);
        reader.EnsureEnd();
        return read;
    }

    [Fact]
    public void Table_SavesEveryOptionButTheUnsaved_OnceEach()
    {
        string[] saved = Array.ConvertAll(SavedOptions.Table, o => o.Name);

        Assert.Equal(saved.Length, saved.Distinct().Count());
        Assert.Equal(SavedFields.Select(f => f.Name).Order(StringComparer.Ordinal), saved.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void NonDefaultValues_CoverEverySavedOption()
    {
        var covered = NonDefaultValues.Select(row => (string)row[0]).ToHashSet();

        Assert.Equal(SavedFields.Select(f => f.Name).Order(StringComparer.Ordinal), covered.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(NonDefaultValues))]
    public void EveryOption_RoundTripsThroughTheTable(string name, Action<Options> set)
    {
        // As a fitted model holds them: the learning rate and λ used, never null.
        Options ModelOptions() => new() { LearningRate = new Options().ResolveLearningRate(), L2Regularization = 0 };
        Options options = ModelOptions();
        set(options);
        FieldInfo field = typeof(Options).GetField(name)!;
        Assert.NotEqual(field.GetValue(ModelOptions()), field.GetValue(options));

        Options read = RoundTrip(options);

        Assert.Equal(field.GetValue(options), field.GetValue(read));
        Assert.Equal(ModelAssert.SavedOptions(options), ModelAssert.SavedOptions(read));
    }

    [Fact]
    public void DefaultOptions_ReadBackAsTheResolvedDefaults()
    {
        // A model's options hold the learning rate used; the default λ (null) is saved as 0, its value below 100 rows.
        Options read = RoundTrip(new Options());

        Assert.Equal(new Options().ResolveLearningRate(), read.LearningRate);
        Assert.Equal(0, read.L2Regularization);
        Assert.Equal(ModelAssert.SavedOptions(new Options { LearningRate = read.LearningRate, L2Regularization = 0 }), ModelAssert.SavedOptions(read));
    }
}
