using Options = XorMlNet.XorMlpEstimator.Options;

namespace XorMlNet.Persistence;

/// <summary>
/// How a model's <see cref="XorMlpEstimator.Options"/> are written into its payload and read back: a count, then one
/// (name, kind, value) record per option, in the order of <see cref="Table"/> (docs/model-format.md). Each record is
/// named after its option (<c>nameof</c>), so the option's name is declared once, on the option.
/// </summary>
internal static class SavedOptions
{
    /// <summary>
    /// The options saved with a model, in this order. Not saved, since they do not change what is learnt:
    /// <see cref="Options.NumberOfThreads"/>, <see cref="Options.Progress"/>, <see cref="Options.CancellationToken"/>.
    /// </summary>
    internal static readonly SavedOption[] Table =
    [
        SavedOption.Text(nameof(Options.LabelColumnName), o => o.LabelColumnName, (o, v) => o.LabelColumnName = v),
        SavedOption.Text(nameof(Options.FeatureColumnName), o => o.FeatureColumnName, (o, v) => o.FeatureColumnName = v),
        SavedOption.Int32(nameof(Options.HiddenLayerSize), o => o.HiddenLayerSize, (o, v) => o.HiddenLayerSize = v),
        SavedOption.Int32(nameof(Options.Solver), o => (int)o.Solver, (o, v) => o.Solver = (Solver)v),
        SavedOption.Float64(nameof(Options.LearningRate), o => o.ResolveLearningRate(), (o, v) => o.LearningRate = v),
        SavedOption.Int32(nameof(Options.NumberOfEpochs), o => o.NumberOfEpochs, (o, v) => o.NumberOfEpochs = v),
        SavedOption.Int32(nameof(Options.BatchSize), o => o.BatchSize, (o, v) => o.BatchSize = v),
        SavedOption.Float64(nameof(Options.Momentum), o => o.Momentum, (o, v) => o.Momentum = v),
        SavedOption.Boolean(nameof(Options.UseNesterov), o => o.UseNesterov, (o, v) => o.UseNesterov = v),
        SavedOption.Float64(nameof(Options.Beta1), o => o.Beta1, (o, v) => o.Beta1 = v),
        SavedOption.Float64(nameof(Options.Beta2), o => o.Beta2, (o, v) => o.Beta2 = v),
        SavedOption.Float64(nameof(Options.Epsilon), o => o.Epsilon, (o, v) => o.Epsilon = v),
        // A model's options hold the λ used (ResolveL2), never null.
        SavedOption.Float64(nameof(Options.L2Regularization), o => o.L2Regularization ?? 0, (o, v) => o.L2Regularization = v),
        SavedOption.Float64(nameof(Options.LossTolerance), o => o.LossTolerance, (o, v) => o.LossTolerance = v),
        SavedOption.Int32(nameof(Options.EpochsWithoutImprovement), o => o.EpochsWithoutImprovement, (o, v) => o.EpochsWithoutImprovement = v),
        SavedOption.Float64(nameof(Options.ValidationFraction), o => o.ValidationFraction, (o, v) => o.ValidationFraction = v),
        SavedOption.Int32(nameof(Options.MaxRestarts), o => o.MaxRestarts, (o, v) => o.MaxRestarts = v),
        SavedOption.Int32(nameof(Options.RestartPatience), o => o.RestartPatience, (o, v) => o.RestartPatience = v),
        SavedOption.Float64(nameof(Options.RestartMinimumImprovement), o => o.RestartMinimumImprovement, (o, v) => o.RestartMinimumImprovement = v),
        SavedOption.Int32(nameof(Options.Seed), o => o.Seed, (o, v) => o.Seed = v),
        SavedOption.Float64(nameof(Options.InitialWeightScale), o => o.InitialWeightScale, (o, v) => o.InitialWeightScale = v),
        SavedOption.Int32(nameof(Options.ProgressInterval), o => o.ProgressInterval, (o, v) => o.ProgressInterval = v),
        SavedOption.Int32(nameof(Options.NormalizeFeatures), o => (int)o.NormalizeFeatures, (o, v) => o.NormalizeFeatures = (FeatureNormalization)v),
    ];

    /// <summary>Writes the saved options of <paramref name="options"/> as a count of (name, kind, value) records.</summary>
    internal static void Write(Options options, PayloadWriter writer)
    {
        writer.WriteInt32(Table.Length);
        foreach (SavedOption option in Table)
        {
            writer.WriteString(option.Name);
            writer.WriteByte(option.Kind);
            option.Write(options, writer);
        }
    }

    /// <summary>
    /// Reads what <see cref="Write"/> wrote. Options missing from the file keep their defaults; an unknown name,
    /// a wrong kind, a repeated name or a value that fails validation is corruption.
    /// </summary>
    /// <param name="reader">The payload, positioned at the option count.</param>
    /// <param name="missingNormalization">What NormalizeFeatures is when the file does not save it: files of format
    /// 0x00010001 predate the option and were trained on the features as they are.</param>
    internal static Options Read(ref PayloadReader reader, FeatureNormalization missingNormalization)
    {
        var options = new Options { NormalizeFeatures = missingNormalization };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int count = reader.ReadCount("OptionCount", sizeof(int) + 1);
        for (int k = 0; k < count; k++)
        {
            string name = reader.ReadString("OptionName");
            byte kind = reader.ReadByte($"{name}.Kind");
            SavedOption option = Array.Find(Table, o => o.Name == name) ?? throw reader.Fail($"option '{name}' is unknown");
            if (!seen.Add(name))
            {
                throw reader.Fail($"option '{name}' appears twice");
            }
            if (kind != option.Kind)
            {
                throw reader.Fail($"option '{name}' has kind {kind}, expected {option.Kind}");
            }
            option.Read(options, ref reader);
        }
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            throw reader.Fail($"saved option {ex.ParamName} is invalid ({ex.Message})");
        }
        return options;
    }

    /// <summary>One saved option: its name, its kind byte, and how to write and read its value.</summary>
    internal sealed class SavedOption
    {
        private const byte Int32Kind = 1, Float64Kind = 2, BooleanKind = 3, TextKind = 4;

        private readonly Action<Options, PayloadWriter> _write;
        private readonly ReadValue _read;

        private SavedOption(string name, byte kind, Action<Options, PayloadWriter> write, ReadValue read)
        {
            Name = name;
            Kind = kind;
            _write = write;
            _read = read;
        }

        private delegate void ReadValue(Options options, ref PayloadReader reader);

        /// <summary>The option's name, which is also its record's name in the file.</summary>
        public string Name { get; }

        /// <summary>1 Int32, 2 Float64, 3 Boolean, 4 Text.</summary>
        public byte Kind { get; }

        public void Write(Options options, PayloadWriter writer) => _write(options, writer);

        public void Read(Options options, ref PayloadReader reader) => _read(options, ref reader);

        public static SavedOption Int32(string name, Func<Options, int> get, Action<Options, int> set)
            => new(name, Int32Kind, (o, w) => w.WriteInt32(get(o)), (Options o, ref PayloadReader r) => set(o, r.ReadInt32(name)));

        public static SavedOption Float64(string name, Func<Options, double> get, Action<Options, double> set)
            => new(name, Float64Kind, (o, w) => w.WriteDouble(get(o)), (Options o, ref PayloadReader r) => set(o, r.ReadDouble(name)));

        public static SavedOption Boolean(string name, Func<Options, bool> get, Action<Options, bool> set)
            => new(name, BooleanKind, (o, w) => w.WriteByte(get(o) ? (byte)1 : (byte)0), (Options o, ref PayloadReader r) =>
            {
                byte value = r.ReadByte(name);
                set(o, value == 1 ? true : value == 0 ? false : throw r.Fail($"option '{name}' holds {value}, not a Boolean"));
            });

        public static SavedOption Text(string name, Func<Options, string> get, Action<Options, string> set)
            => new(name, TextKind, (o, w) => w.WriteString(get(o)), (Options o, ref PayloadReader r) => set(o, r.ReadString(name)));
    }
}
