using XorMlNet.Network;
using XorMlNet.Training;

namespace XorMlNet.Tests.Training;

/// <summary>
/// The stopping and restart rules one by one, with explicit numbers: what counts as an improvement (1 % below the
/// start), as divergence (never improved, now more than 1.5 times the start), as a constant output (a spread of at most
/// 1e-6), which option a divergence is blamed on and how its message reads, and which weights a restart draws.
/// </summary>
public class StoppingRulesTests
{
    [Theory]
    [InlineData(1.0, 0.989, true)]
    [InlineData(1.0, 0.99, false)] // exactly 1 % below is not below 0.99
    [InlineData(1.0, 1.2, false)]
    [InlineData(0.25, 0.2474, true)]
    [InlineData(0.25, 0.2476, false)]
    [InlineData(0.0, 5.0, true)] // a start of 0 cannot be improved on: nothing to learn
    [InlineData(double.NaN, 5.0, true)]
    public void Improved_MeansOnePercentBelowTheStart(double first, double best, bool expected)
        => Assert.Equal(expected, StoppingRules.Improved(first, best));

    [Theory]
    [InlineData(1.0, 1.0, 1.51, true)]
    [InlineData(1.0, 1.0, 1.5, false)] // 1.5 times is not above 1.5 times
    [InlineData(0.2, 0.199, 0.31, true)] // best only 0.5 % below the start: never improved
    [InlineData(1.0, 0.98, 10.0, false)] // improved once, so a later rise is not divergence
    [InlineData(0.0, 0.0, 1.0, false)]
    public void HasDiverged_MeansNeverImproved_AndNowAboveOneAndAHalfTimesTheStart(double first, double best, double last, bool expected)
        => Assert.Equal(expected, StoppingRules.HasDiverged(first, best, last));

    [Theory]
    [InlineData(0.98, 1.0, true)]
    [InlineData(0.99, 1.0, false)]
    [InlineData(0.995, 1.0, false)]
    [InlineData(0.1, 0.5, true)]
    public void BestIsBetter_WhenMoreThanOnePercentBelowTheLast(double best, double last, bool expected)
        => Assert.Equal(expected, StoppingRules.BestIsBetter(best, last));

    [Fact]
    public void ConstantPredictionLoss_IsTheTargetsPopulationVariance()
    {
        Assert.Equal(0.25, StoppingRules.ConstantPredictionLoss<double>([0, 1, 1, 0]));
        Assert.Equal(0.1875, StoppingRules.ConstantPredictionLoss<double>([1, 1, 1, 0]));
        Assert.Equal(0.1875, StoppingRules.ConstantPredictionLoss<float>([1, 1, 1, 0]));
        Assert.Equal(0.0, StoppingRules.ConstantPredictionLoss<double>([0.5, 0.5]));
    }

    [Fact]
    public void IsConstant_AllowsASpreadOfOneMillionth()
    {
        Assert.True(StoppingRules.IsConstant<double>([0.25, 0.2500009, 0.25000045]));
        Assert.False(StoppingRules.IsConstant<double>([0.25, 0.250002]));
        Assert.False(StoppingRules.IsConstant<float>([0.3f, 0.7f]));
        Assert.True(StoppingRules.IsConstant<float>([0.5f, 0.5f, 0.5f]));
    }

    [Fact]
    public void HasConstantOutput_WithEqualTargets_IsFalse_WithoutLookingAtTheNetwork()
    {
        var engine = new FixedOutputs(0.5);

        Assert.False(StoppingRules.HasConstantOutput<double>([1, 1, 1], engine, new TwoLayerNetwork<double>(2, 2)));
        Assert.Equal(0, engine.Calls);
    }

    /// <summary>Targets that differ: a constant output counts, and only the first 16,384 rows are looked at.</summary>
    [Fact]
    public void HasConstantOutput_LooksAtTheFirstRowsOutputs()
    {
        double[] targets = [.. Enumerable.Range(0, 20_000).Select(i => (double)(i % 2))];
        var constant = new FixedOutputs(0.5);
        var spread = new FixedOutputs(0.5, 0.6);
        var network = new TwoLayerNetwork<double>(2, 2);

        Assert.True(StoppingRules.HasConstantOutput<double>(targets, constant, network));
        Assert.Equal(StoppingRules.ConstantOutputRows, constant.LastRows);
        Assert.False(StoppingRules.HasConstantOutput<double>(targets, spread, network));
    }

    /// <summary>
    /// XOR's targets (variance 0.25): the baseline is the lower of the first loss and 0.25, and the run must get 1 %
    /// below it; otherwise it learnt nothing, or diverged if it ended above 1.5 times its first loss.
    /// </summary>
    [Fact]
    public void Verdict_JudgesAgainstTheBetterOfTheStartAndTheConstantPrediction()
    {
        double[] y = [0, 1, 1, 0];
        var rules = new StoppingRules(new TrainingSettings { LearningRate = 0.1 });
        var network = new TwoLayerNetwork<double>(2, 2);
        var varied = new FixedOutputs(0.1, 0.9);

        // Below its start of 0.3 but not 1 % below 0.25: nothing learnt.
        Assert.Equal(StopReason.NoImprovement, rules.Verdict<double>(y, 0.3, 0.2499, 0.26, 100, varied, network));
        // 1 % below 0.25, with outputs that differ: learnt.
        Assert.Null(rules.Verdict<double>(y, 0.3, 0.2474, 0.2474, 100, varied, network));
        // The same losses with one output for every row.
        Assert.Equal(StopReason.ConstantOutput, rules.Verdict<double>(y, 0.3, 0.2474, 0.2474, 100, new FixedOutputs(0.5), network));
        // Never below its start of 0.3, and now above 0.45.
        var error = Assert.Throws<TrainingDivergedException>(() => rules.Verdict<double>(y, 0.3, 0.3, 0.46, 12, varied, network));
        Assert.Equal("Training diverged at epoch 12: the training loss rose from 0.3 to 0.46 and never went below where it started. "
            + "Lower LearningRate (now 0.1).", error.Message);
        Assert.Equal(nameof(TrainingSettings.LearningRate), error.OptionName);
        Assert.Equal(12, error.Epoch);
    }

    /// <summary>
    /// L2Regularization is blamed when it is at least 1 and LearningRate·λ passes the solver's limit (2 for gradient
    /// descent, 2(1 + μ) with momentum, none for Adam); LearningRate otherwise.
    /// </summary>
    [Theory]
    [InlineData(Solver.GradientDescent, 3.0, 1.0, "L2Regularization")]
    [InlineData(Solver.GradientDescent, 1.9, 1.0, "LearningRate")]
    [InlineData(Solver.GradientDescent, 30.0, 0.5, "LearningRate")] // L2 below 1
    [InlineData(Solver.Momentum, 3.7, 1.0, "LearningRate")] // 3.7 < 2 · 1.9
    [InlineData(Solver.Momentum, 3.9, 1.0, "L2Regularization")]
    [InlineData(Solver.Adam, 100.0, 10.0, "LearningRate")]
    public void OptionAtFault_BlamesL2_OnlyWhenItsOwnStepIsUnstable(Solver solver, double learningRate, double l2, string expected)
    {
        var rules = new StoppingRules(new TrainingSettings { Solver = solver, LearningRate = learningRate, L2Regularization = l2, Momentum = 0.9 });

        Assert.Equal(expected, rules.OptionAtFault());
    }

    [Fact]
    public void DivergenceMessages_NameTheEpoch_TheOption_AndItsValue()
    {
        var rules = new StoppingRules(new TrainingSettings { LearningRate = 3, L2Regularization = 1, InitialWeightScale = 0.5 });

        TrainingDivergedException initial = rules.InitialWeightsDiverged();
        TrainingDivergedException parameter = rules.ParameterDiverged(5);
        TrainingDivergedException loss = rules.LossNotFinite(7, double.NaN);

        Assert.Equal("Training diverged before the first epoch: the initial weights are not all finite. "
            + "InitialWeightScale is likely too large; lower it (now 0.5).", initial.Message);
        Assert.Equal((nameof(TrainingSettings.InitialWeightScale), 0), (initial.OptionName, initial.Epoch));
        Assert.Equal("Training diverged at epoch 5: a parameter became infinite or NaN. "
            + "L2Regularization is likely too large; lower it (now 1).", parameter.Message);
        Assert.Equal((nameof(TrainingSettings.L2Regularization), 5), (parameter.OptionName, parameter.Epoch));
        Assert.Equal("Training diverged at epoch 7: the training loss became NaN. L2Regularization is likely too large; lower it (now 1).",
            loss.Message);
    }

    /// <summary>Restart k draws the (k + 1)-th initialisation of NumpyRandom(Seed) at InitialWeightScale.</summary>
    [Fact]
    public void DrawFreshWeights_ContinuesTheSeedsStreamAfterTheFirstDraw()
    {
        var settings = new TrainingSettings { Seed = 9, InitialWeightScale = 0.25, MaxRestarts = 2 };
        var rules = new StoppingRules(settings);
        var random = new NumpyRandom(9);
        var draws = new double[3][];
        for (int k = 0; k < 3; k++)
        {
            var draw = new TwoLayerNetwork<double>(3, 2);
            draw.InitializeNormal(random, 0.25);
            draws[k] = draw.Parameters.ToArray();
        }
        var network = NetworkTrainer.CreateNetwork<double>(3, 2, settings);
        Assert.Equal(draws[0], network.Parameters.ToArray());

        rules.DrawFreshWeights(network);
        Assert.Equal(draws[1], network.Parameters.ToArray());
        rules.DrawFreshWeights(network);
        Assert.Equal(draws[2], network.Parameters.ToArray());

        Assert.Throws<InvalidOperationException>(() => new StoppingRules(settings with { MaxRestarts = 0 }).DrawFreshWeights(network));
    }

    /// <summary>
    /// A restart refuses a diverged attempt (a fresh draw would diverge alike) and weights that are not finite, leaving
    /// the weights as they are; otherwise it draws fresh ones.
    /// </summary>
    [Fact]
    public void Restart_RefusesADivergedAttempt_AndNonFiniteWeights_ElseDrawsFreshWeights()
    {
        var settings = new TrainingSettings { Seed = 4, MaxRestarts = 1, LearningRate = 2 };
        var rules = new StoppingRules(settings);
        var network = new TwoLayerNetwork<double>(2, 2);
        network.Parameters.Fill(0.125);

        var diverged = Assert.Throws<TrainingDivergedException>(() => rules.Restart(network, 40, attemptFirst: 0.2, attemptBest: 0.2, last: 0.31));
        Assert.Equal(40, diverged.Epoch);
        Assert.Contains("rose from 0.2 to 0.31", diverged.Message);
        Assert.All(network.Parameters.ToArray(), p => Assert.Equal(0.125, p));

        network.Parameters[3] = double.PositiveInfinity;
        var infinite = Assert.Throws<TrainingDivergedException>(() => rules.Restart(network, 41, 0.2, 0.2, 0.2));
        Assert.Contains("a parameter became infinite or NaN", infinite.Message);

        network.Parameters.Fill(0.125);
        rules.Restart(network, 42, attemptFirst: 0.2, attemptBest: 0.2, last: 0.25);
        var second = new TwoLayerNetwork<double>(2, 2);
        var random = new NumpyRandom(4);
        second.InitializeNormal(random, settings.InitialWeightScale);
        second.InitializeNormal(random, settings.InitialWeightScale);
        Assert.Equal(second.Parameters.ToArray(), network.Parameters.ToArray());
    }

    /// <summary>An engine whose outputs are given: row r gets values[r mod count]; counts the calls.</summary>
    private sealed class FixedOutputs(params double[] values) : GradientEngine<double>
    {
        public int Calls { get; private set; }

        public int LastRows { get; private set; }

        public override void BatchGradient(int first, int rows, double[] gradient, ref double squaredErrorSum)
            => throw new InvalidOperationException("not a training engine");

        public override double ValidationLoss() => throw new InvalidOperationException("not a training engine");

        public override void Predict(TwoLayerNetwork<double> network, Span<double> output)
        {
            Calls++;
            LastRows = output.Length;
            for (int r = 0; r < output.Length; r++)
            {
                output[r] = values[r % values.Length];
            }
        }
    }
}
