using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using XorMlNet.Training;
using Defaults = XorMlNet.XorMlpEstimator.Options.Defaults;
using Options = XorMlNet.XorMlpEstimator.Options;

namespace XorMlNet.Tests.MLNet;

/// <summary>
/// Every default is declared once, as a named constant (<see cref="TrainingDefaults"/>, <see cref="Options.Defaults"/>),
/// and everything else refers to it: these tests fail when an initialiser, a preset or a new option drifts from them.
/// </summary>
public class OptionDefaultsTests
{
    /// <summary>Options whose default is null (or none): the trainer resolves them, or they are callbacks and tokens.</summary>
    private static readonly HashSet<string> UnsetByDefault =
        [nameof(Options.LearningRate), nameof(Options.L2Regularization), nameof(Options.NumberOfThreads), nameof(Options.Progress), nameof(Options.CancellationToken)];

    /// <summary>TrainingSettings' properties that have no default to declare: a callback and a token.</summary>
    private static readonly HashSet<string> SettingsWithoutDefault = [nameof(TrainingSettings.Progress), nameof(TrainingSettings.CancellationToken)];

    internal static FieldInfo[] OptionFields => typeof(Options).GetFields(BindingFlags.Public | BindingFlags.Instance);

    private static Dictionary<string, object?> Constants(Type type)
        => type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).ToDictionary(f => f.Name, f => f.GetRawConstantValue());

    private static object? Constant(Type type, string name)
    {
        FieldInfo field = type.GetField(name, BindingFlags.Public | BindingFlags.Static) ?? throw new Xunit.Sdk.XunitException($"{type.FullName} has no constant {name}.");
        object? value = field.GetRawConstantValue();
        // Enum constants come back as their underlying number.
        return field.FieldType.IsEnum ? Enum.ToObject(field.FieldType, value!) : value;
    }

    [Fact]
    public void NewOptions_HoldTheirDefaultsConstants_OrNull()
    {
        var options = new Options();
        Dictionary<string, object?> constants = Constants(typeof(Defaults));
        foreach (FieldInfo field in OptionFields)
        {
            object? value = field.GetValue(options);
            if (UnsetByDefault.Contains(field.Name))
            {
                Assert.True(value is null || value.Equals(Activator.CreateInstance(field.FieldType)), $"{field.Name} is {value}, expected null");
                continue;
            }
            Assert.True(constants.ContainsKey(field.Name), $"Options.{field.Name} has no constant in Options.Defaults.");
            Assert.Equal(Constant(typeof(Defaults), field.Name), value);
        }
    }

    [Fact]
    public void NewTrainingSettings_HoldTheNotebookConstants_AndDefaultsTheRecommendedOnes()
    {
        var plain = new TrainingSettings();
        TrainingSettings recommended = TrainingSettings.Defaults;
        foreach (PropertyInfo property in typeof(TrainingSettings).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (SettingsWithoutDefault.Contains(property.Name))
            {
                continue;
            }
            Assert.Equal(Constant(typeof(TrainingDefaults.Notebook), property.Name), property.GetValue(plain));
            Assert.Equal(Constant(typeof(TrainingDefaults.Recommended), property.Name), property.GetValue(recommended));
        }
    }

    [Fact]
    public void DefaultOptions_TrainWithTheRecommendedSettings_ButTheirSeed()
    {
        // A small table (no default L2) and two hidden units (Momentum's full learning rate): exactly the recommended
        // settings, with the seed of the initial weights in place of TrainingSettings' seed 0.
        TrainingSettings settings = new Options().ToTrainingSettings(progress: null);

        Assert.Equal(TrainingSettings.Defaults with { Seed = (uint)TrainingDefaults.Recommended.InitialSeed }, settings);
    }

    [Fact]
    public void NotebookOptions_TrainWithTheNotebookConstants()
    {
        Options notebook = Options.Notebook();

        Assert.Equal(new TrainingSettings
        {
            NumberOfEpochs = TrainingDefaults.Notebook.FullRunEpochs,
            Seed = (uint)TrainingDefaults.Notebook.InitialSeed,
        }, notebook.ToTrainingSettings(progress: null));
        Assert.Equal(TrainingDefaults.Notebook.HiddenLayerSize, notebook.HiddenLayerSize);
        Assert.Equal(FeatureNormalization.No, notebook.NormalizeFeatures);
    }

    [Fact]
    public void OptionsDefaults_NameTheRecommendedConstants_WhereBothHaveOne()
    {
        // The estimator's own rules differ on purpose: L2 on tables of at least L2MinimumRows rows; the seed of the
        // initial weights is Recommended.InitialSeed (Recommended.Seed is TrainingSettings' seed of restarts).
        HashSet<string> differ = [nameof(Defaults.L2Regularization), nameof(Defaults.Seed)];
        Dictionary<string, object?> recommended = Constants(typeof(TrainingDefaults.Recommended));
        int compared = 0;
        foreach ((string name, object? value) in Constants(typeof(Defaults)))
        {
            if (recommended.TryGetValue(name, out object? expected) && !differ.Contains(name))
            {
                Assert.True(Equals(expected, value), $"Options.Defaults.{name} is {value}, TrainingDefaults.Recommended.{name} {expected}");
                compared++;
            }
        }
        Assert.Equal(TrainingDefaults.Recommended.InitialSeed, Defaults.Seed);
        Assert.True(compared >= 18, $"only {compared} constants compared");
    }

    [Fact]
    public void NotebookConstantsUnusedByGradientDescent_AreTheRecommendedOnes()
    {
        // So that turning momentum, Adam, early stopping or restarts on in a new TrainingSettings() gives the recommended value.
        foreach (string name in new[]
        {
            nameof(TrainingSettings.Momentum), nameof(TrainingSettings.UseNesterov), nameof(TrainingSettings.Beta1), nameof(TrainingSettings.Beta2),
            nameof(TrainingSettings.Epsilon), nameof(TrainingSettings.EpochsWithoutImprovement), nameof(TrainingSettings.RestartPatience),
            nameof(TrainingSettings.RestartMinimumImprovement),
        })
        {
            Assert.Equal(Constant(typeof(TrainingDefaults.Recommended), name), Constant(typeof(TrainingDefaults.Notebook), name));
        }
    }

    [Fact]
    public void CatalogSimpleOverload_WithoutArguments_GivesTheDefaultOptions()
    {
        var mlContext = new Microsoft.ML.MLContext(seed: 0);
        Microsoft.ML.IDataView data = XorData.Load(mlContext);

        XorMlpModelParameters fromCatalog = XorData.Pipeline(mlContext, mlContext.BinaryClassification.Trainers.XorMlp()).Fit(data).LastTransformer.Model;
        XorMlpModelParameters fromOptions = XorData.Pipeline(mlContext, new XorMlpEstimator(new Options())).Fit(data).LastTransformer.Model;

        Assert.Equal(Persistence.ModelAssert.SavedOptions(fromOptions.TrainingOptions), Persistence.ModelAssert.SavedOptions(fromCatalog.TrainingOptions));
        Assert.Equal(fromOptions.W1, fromCatalog.W1);
    }

    /// <summary>The README's "Options and defaults" table: one row per option or group of options.</summary>
    private static List<(string Name, string Default)> ReadmeOptionsTable()
    {
        string[] lines = File.ReadAllLines(Path.Combine(TestProcess.RepositoryRoot(), "README.md"));
        int heading = Array.FindIndex(lines, l => l.Trim() == "### Options and defaults");
        Assert.True(heading >= 0, "README.md has no \"### Options and defaults\" section.");
        int header = Array.FindIndex(lines, heading, l => l.StartsWith("| option | default |", StringComparison.Ordinal));
        Assert.True(header > heading, "The options section has no \"| option | default |\" table.");
        var rows = new List<(string, string)>();
        for (int i = header + 2; i < lines.Length && lines[i].StartsWith('|'); i++)
        {
            string[] cells = lines[i].Split('|');
            string[] names = Regex.Matches(cells[1], "`([A-Za-z0-9]+)`").Select(m => m.Groups[1].Value).ToArray();
            string defaults = cells[2].Trim();
            // "`A` / `B` | 1 / 2" and "`A`, `B` | 1, 2": a value for each name, split as the names are.
            string[] values = names.Length == 1 ? [defaults] : defaults.Split(cells[1].Contains(" / ") ? " / " : ", ");
            Assert.True(values.Length == names.Length, $"README row '{lines[i]}': {names.Length} options but {values.Length} defaults.");
            rows.AddRange(names.Zip(values, (n, v) => (n, v.Trim())));
        }
        return rows;
    }

    /// <summary>The numbers written in a README cell: 10,000, 1e-3, 0.01, ...</summary>
    private static double[] Numbers(string text)
        => Regex.Matches(text, @"(?<![A-Za-z0-9])\d[\d,]*(\.\d+)?(e-?\d+)?")
            .Select(m => double.Parse(m.Value.Replace(",", ""), NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();

    [Fact]
    public void ReadmeOptionsTable_ListsEveryOptionOnce_WithItsDefault()
    {
        List<(string Name, string Default)> rows = ReadmeOptionsTable();
        var options = new Options();

        Assert.Equal(OptionFields.Select(f => f.Name).Order(StringComparer.Ordinal), rows.Select(r => r.Name).Order(StringComparer.Ordinal));
        foreach ((string name, string text) in rows)
        {
            object? value = typeof(Options).GetField(name)!.GetValue(options);
            string where = $"README's default of {name}, '{text}'";
            if (UnsetByDefault.Contains(name))
            {
                Assert.True(text.StartsWith("null", StringComparison.Ordinal) || text == "none", where);
            }
            else if (value is string or Enum)
            {
                Assert.True(text.Trim('`', '"') == value.ToString(), $"{where}: the constant is {value}");
            }
            else if (value is bool flag)
            {
                Assert.True(text == (flag ? "true" : "false"), $"{where}: the constant is {flag}");
            }
            else
            {
                Assert.True(Numbers(text) is [double number] && number == Convert.ToDouble(value, CultureInfo.InvariantCulture),
                    $"{where}: the constant is {Convert.ToString(value, CultureInfo.InvariantCulture)}");
            }
        }
    }

    [Fact]
    public void ReadmeOptionsTable_QuotesTheRulesOfTheResolvedDefaults()
    {
        Dictionary<string, string> rows = ReadmeOptionsTable().ToDictionary(r => r.Name, r => r.Default);

        Assert.Equal([Defaults.LearningRate, Defaults.LearningRate, Defaults.LearningRateFullWidth, Defaults.LearningRateFullWidth,
            Defaults.AdamLearningRate, Defaults.GradientDescentLearningRate], Numbers(rows[nameof(Options.LearningRate)]));
        Assert.Equal([Defaults.L2Regularization, Defaults.L2MinimumRows, TrainingDefaults.Recommended.L2Regularization],
            Numbers(rows[nameof(Options.L2Regularization)]));
    }

    /// <summary>
    /// What the background compilation is told about L2 before the table is read agrees with what Fit resolves once it
    /// knows the rows: the default penalty from <see cref="Defaults.L2MinimumRows"/> rows on, an explicit one as given,
    /// and, when the view does not know its rows, L2 unless it was set to 0.
    /// </summary>
    [Theory]
    [InlineData(null, 99L, false)]
    [InlineData(null, 100L, true)]
    [InlineData(null, 5_000_000_000L, true)]
    [InlineData(null, null, true)]
    [InlineData(0.0, 1_000L, false)]
    [InlineData(0.0, null, false)]
    [InlineData(1e-3, 2L, true)]
    [InlineData(1e-3, null, true)]
    public void MayUseL2_AgreesWithTheResolvedPenalty(double? l2, long? rows, bool expected)
    {
        var options = new Options { L2Regularization = l2 };

        Assert.Equal(expected, options.MayUseL2(rows));
        if (rows is long known && known <= int.MaxValue)
        {
            Assert.Equal(expected, options.ResolveL2((int)known) > 0);
        }
    }
}
