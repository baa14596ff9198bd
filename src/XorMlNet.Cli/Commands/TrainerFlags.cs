using System.CommandLine;
using Defaults = XorMlNet.XorMlpEstimator.Options.Defaults;
using TrainerOptions = XorMlNet.XorMlpEstimator.Options;

namespace XorMlNet.Cli.Commands;

/// <summary>
/// <c>train</c>'s flags that set a trainer option, one row each: the flag, the option it sets (by its name), its help
/// text and its default, which is the option's own constant in <see cref="XorMlpEstimator.Options.Defaults"/>. The
/// command builds its flags from this table, copies their values into the options with it, and names the flag with it
/// when the trainer rejects a value.
/// </summary>
internal static class TrainerFlags
{
    /// <summary>Every flag that sets a trainer option.</summary>
    public static readonly TrainerFlag[] All =
    [
        TrainerFlag.Of("--label", nameof(TrainerOptions.LabelColumnName),
            "The label column: 0/1, true/false, or a probability in [0, 1].",
            Defaults.LabelColumnName, (o, v) => o.LabelColumnName = v),
        TrainerFlag.Of("--hidden", nameof(TrainerOptions.HiddenLayerSize),
            "Number of hidden sigmoid units.",
            Defaults.HiddenLayerSize, (o, v) => o.HiddenLayerSize = v),
        TrainerFlag.Of("--solver", nameof(TrainerOptions.Solver),
            "The optimiser.",
            Defaults.Solver, (o, v) => o.Solver = v),
        TrainerFlag.Of("--epochs", nameof(TrainerOptions.NumberOfEpochs),
            "Maximum number of epochs.",
            Defaults.NumberOfEpochs, (o, v) => o.NumberOfEpochs = v),
        TrainerFlag.Of("--batch-size", nameof(TrainerOptions.BatchSize),
            "Rows per gradient step; 0 for the whole training set.",
            Defaults.BatchSize, (o, v) => o.BatchSize = v),
        // Null, its default, is the solver's own, which depends on the solver and the layer's width.
        TrainerFlag.Unset<double>("--learning-rate", nameof(TrainerOptions.LearningRate),
            $"Step size of the optimiser [default: the solver's own: {Defaults.LearningRate} for Momentum ({Defaults.LearningRate} · " +
            $"{Defaults.LearningRateFullWidth} / hidden above {Defaults.LearningRateFullWidth} hidden units), {Defaults.AdamLearningRate} for Adam, " +
            $"{Defaults.GradientDescentLearningRate} for GradientDescent].",
            (o, v) => o.LearningRate = v),
        TrainerFlag.Of("--seed", nameof(TrainerOptions.Seed),
            "Seed of the initial weights and of row shuffles.",
            Defaults.Seed, (o, v) => o.Seed = v),
        TrainerFlag.Of("--validation-fraction", nameof(TrainerOptions.ValidationFraction),
            "Fraction of the rows held out to measure the validation loss and stop early.",
            Defaults.ValidationFraction, (o, v) => o.ValidationFraction = v),
        TrainerFlag.Of("--epochs-without-improvement", nameof(TrainerOptions.EpochsWithoutImprovement),
            "Stop early after this many epochs without a lower validation loss; 0 never.",
            Defaults.EpochsWithoutImprovement, (o, v) => o.EpochsWithoutImprovement = v),
        TrainerFlag.Of("--loss-tolerance", nameof(TrainerOptions.LossTolerance),
            "Stop once an epoch's training MSE is below this; 0 never.",
            Defaults.LossTolerance, (o, v) => o.LossTolerance = v),
        TrainerFlag.Of("--max-restarts", nameof(TrainerOptions.MaxRestarts),
            "How many times stalled training may start again from freshly drawn weights.",
            Defaults.MaxRestarts, (o, v) => o.MaxRestarts = v),
        TrainerFlag.Of("--restart-patience", nameof(TrainerOptions.RestartPatience),
            "Epochs without enough progress of the training loss before training counts as stalled.",
            Defaults.RestartPatience, (o, v) => o.RestartPatience = v),
        TrainerFlag.Of("--restart-minimum-improvement", nameof(TrainerOptions.RestartMinimumImprovement),
            "The relative decrease of the training loss, in [0, 1), that counts as progress.",
            Defaults.RestartMinimumImprovement, (o, v) => o.RestartMinimumImprovement = v),
        // Null, its default, chooses by the number of training rows.
        TrainerFlag.Unset<double>("--l2", nameof(TrainerOptions.L2Regularization),
            $"L2 penalty on the weights [default: {Defaults.L2Regularization} from {Defaults.L2MinimumRows} training rows, else 0].",
            (o, v) => o.L2Regularization = v),
        TrainerFlag.Of("--momentum", nameof(TrainerOptions.Momentum),
            "The momentum coefficient of the Momentum solver, in [0, 1).",
            Defaults.Momentum, (o, v) => o.Momentum = v),
        TrainerFlag.Of("--nesterov", nameof(TrainerOptions.UseNesterov),
            "Use Nesterov's variant of the Momentum solver.",
            Defaults.UseNesterov, (o, v) => o.UseNesterov = v),
        TrainerFlag.Of("--beta1", nameof(TrainerOptions.Beta1),
            "Adam's decay of the first moment, in [0, 1).",
            Defaults.Beta1, (o, v) => o.Beta1 = v),
        TrainerFlag.Of("--beta2", nameof(TrainerOptions.Beta2),
            "Adam's decay of the second moment, in [0, 1).",
            Defaults.Beta2, (o, v) => o.Beta2 = v),
        TrainerFlag.Of("--epsilon", nameof(TrainerOptions.Epsilon),
            "Adam's epsilon; positive.",
            Defaults.Epsilon, (o, v) => o.Epsilon = v),
        TrainerFlag.Of("--initial-weight-scale", nameof(TrainerOptions.InitialWeightScale),
            "Initial weights are standard normal draws times this.",
            Defaults.InitialWeightScale, (o, v) => o.InitialWeightScale = v),
        // Null, its default, uses every core; the weights are the same whatever it is.
        TrainerFlag.Unset<int>("--threads", nameof(TrainerOptions.NumberOfThreads),
            "Threads for batches of more than 4096 rows; the weights do not depend on it [default: every core].",
            (o, v) => o.NumberOfThreads = v),
    ];

    /// <summary>The flag that sets the trainer option <paramref name="optionName"/>, or null when none does.</summary>
    public static string? FlagOf(string? optionName) => Array.Find(All, f => f.OptionName == optionName)?.Name;
}

/// <summary>One row of <see cref="TrainerFlags"/>.</summary>
internal abstract class TrainerFlag
{
    private protected TrainerFlag(string name, string optionName, string description, object? defaultValue)
    {
        Name = name;
        OptionName = optionName;
        Description = description;
        Default = defaultValue;
    }

    /// <summary>The flag, e.g. <c>--hidden</c>.</summary>
    public string Name { get; }

    /// <summary>The name of the <see cref="XorMlpEstimator.Options"/> field it sets.</summary>
    public string OptionName { get; }

    /// <summary>The help text.</summary>
    public string Description { get; }

    /// <summary>The value the option gets when the flag is not given: the option's default.</summary>
    public object? Default { get; }

    /// <summary>A new command-line option for this flag (one per command built).</summary>
    public abstract Option CreateOption();

    /// <summary>Copies the value parsed for <paramref name="option"/> (made by <see cref="CreateOption"/>) into <paramref name="options"/>.</summary>
    public abstract void Apply(ParseResult parse, Option option, TrainerOptions options);

    /// <summary>A flag whose default is <paramref name="defaultValue"/>, shown in the help.</summary>
    public static TrainerFlag Of<T>(string name, string optionName, string description, T defaultValue, Action<TrainerOptions, T> set)
        => new Typed<T>(name, optionName, description, defaultValue, hasDefault: true, set);

    /// <summary>A flag for a nullable option that is null unless the flag is given.</summary>
    public static TrainerFlag Unset<T>(string name, string optionName, string description, Action<TrainerOptions, T?> set)
        where T : struct
        => new Typed<T?>(name, optionName, description, null, hasDefault: false, set);

    private sealed class Typed<T>(string name, string optionName, string description, T defaultValue, bool hasDefault, Action<TrainerOptions, T> set)
        : TrainerFlag(name, optionName, description, defaultValue)
    {
        public override Option CreateOption()
        {
            var option = new Option<T>(Name) { Description = Description };
            if (hasDefault)
            {
                option.DefaultValueFactory = _ => defaultValue;
            }
            return option;
        }

        public override void Apply(ParseResult parse, Option option, TrainerOptions options) => set(options, parse.GetValue((Option<T>)option)!);
    }
}
