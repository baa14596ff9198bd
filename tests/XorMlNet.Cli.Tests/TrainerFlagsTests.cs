using System.CommandLine;
using System.Globalization;
using System.Reflection;
using XorMlNet.Cli.Commands;
using TrainerOptions = XorMlNet.XorMlpEstimator.Options;

namespace XorMlNet.Cli.Tests;

/// <summary>
/// <c>train</c>'s trainer flags come from one table whose defaults are the options' own constants: these tests fail when
/// a flag's default drifts from its option's, or an option is added without a flag or a reason to have none.
/// </summary>
public class TrainerFlagsTests
{
    /// <summary>The trainer options that have no flag, and why.</summary>
    private static readonly Dictionary<string, string> WithoutAFlag = new()
    {
        [nameof(TrainerOptions.FeatureColumnName)] = "the tool names the feature vector it builds from the CSV columns",
        [nameof(TrainerOptions.NormalizeFeatures)] = "left at Auto; --normalize puts ML.NET's normalizer in the saved pipeline instead",
        [nameof(TrainerOptions.ProgressInterval)] = "the tool's live progress line sets it",
        [nameof(TrainerOptions.Progress)] = "the tool's live progress line",
        [nameof(TrainerOptions.CancellationToken)] = "Ctrl+C and SIGTERM",
    };

    private static FieldInfo OptionField(string name)
        => typeof(TrainerOptions).GetField(name, BindingFlags.Public | BindingFlags.Instance)
            ?? throw new Xunit.Sdk.XunitException($"XorMlpEstimator.Options has no field {name}.");

    [Fact]
    public void EveryOption_HasAFlag_OrAReasonNotTo()
    {
        string[] flagged = Array.ConvertAll(TrainerFlags.All, f => f.OptionName);

        Assert.Equal(flagged.Length, flagged.Distinct().Count());
        Assert.Empty(flagged.Intersect(WithoutAFlag.Keys));
        Assert.Equal(
            typeof(TrainerOptions).GetFields(BindingFlags.Public | BindingFlags.Instance).Select(f => f.Name).Order(StringComparer.Ordinal),
            flagged.Concat(WithoutAFlag.Keys).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryFlag_DefaultsToItsOptionsDefault()
    {
        var defaults = new TrainerOptions();
        Option[] options = Array.ConvertAll(TrainerFlags.All, f => f.CreateOption());
        var command = new Command("train");
        foreach (Option option in options)
        {
            command.Options.Add(option);
        }

        TrainerOptions parsed = TrainCommand.TrainerOptions(command.Parse([]), options, CancellationToken.None);

        foreach (TrainerFlag flag in TrainerFlags.All)
        {
            FieldInfo field = OptionField(flag.OptionName);
            Assert.True(Equals(field.GetValue(defaults), flag.Default), $"{flag.Name} defaults to {flag.Default}, {flag.OptionName} to {field.GetValue(defaults)}");
            Assert.True(Equals(field.GetValue(defaults), field.GetValue(parsed)), $"{flag.Name} not given gives {flag.OptionName} = {field.GetValue(parsed)}");
        }
    }

    [Fact]
    public void EveryFlag_SetsItsOption()
    {
        foreach ((TrainerFlag flag, int i) in TrainerFlags.All.Select((f, i) => (f, i)))
        {
            Option[] options = Array.ConvertAll(TrainerFlags.All, f => f.CreateOption());
            var command = new Command("train");
            foreach (Option option in options)
            {
                command.Options.Add(option);
            }
            FieldInfo field = OptionField(flag.OptionName);
            (string text, object expected) = Other(Nullable.GetUnderlyingType(field.FieldType) ?? field.FieldType, field.GetValue(new TrainerOptions()));
            string[] args = field.FieldType == typeof(bool) ? [flag.Name] : [flag.Name, text];

            TrainerOptions parsed = TrainCommand.TrainerOptions(command.Parse(args), options, CancellationToken.None);

            Assert.Equal(expected, field.GetValue(parsed));
            Assert.Equal(flag.Name, TrainerFlags.FlagOf(flag.OptionName));
        }

        // A value other than the option's default, as typed and as parsed.
        static (string, object) Other(Type type, object? current) => type switch
        {
            _ when type == typeof(int) => ("3", 3),
            _ when type == typeof(double) => current is 0.25 ? ("0.5", 0.5) : ("0.25", 0.25),
            _ when type == typeof(bool) => ("true", !(bool)current!),
            _ when type == typeof(string) => ("Target", "Target"),
            _ when type == typeof(Solver) => ("Adam", Solver.Adam),
            _ => throw new Xunit.Sdk.XunitException($"No test value for a flag of type {type.Name}."),
        };
    }

    [Fact]
    public async Task Help_ShowsEachFlagsDefault()
    {
        string help = (await Cli.RunAsync("train", "--help")).Succeeded().Output;

        // One entry per option: a line starting with its flag, and the lines it wraps onto.
        var entries = new List<string>();
        foreach (string line in help.Split('\n'))
        {
            if (line.StartsWith("  -", StringComparison.Ordinal))
            {
                entries.Add(line.Trim());
            }
            else if (entries.Count > 0 && line.StartsWith("   ", StringComparison.Ordinal))
            {
                entries[^1] += " " + line.Trim();
            }
        }
        foreach (TrainerFlag flag in TrainerFlags.All)
        {
            string entry = Assert.Single(entries, e => e.StartsWith(flag.Name + " ", StringComparison.Ordinal) || e == flag.Name);
            if (flag.Default is not (null or false))
            {
                string shown = Convert.ToString(flag.Default, CultureInfo.InvariantCulture)!;
                Assert.True(entry.EndsWith($"[default: {shown}]", StringComparison.Ordinal), $"{flag.Name}: '{entry}'");
            }
        }
    }
}
