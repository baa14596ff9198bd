using XorMlNet.Plots;

namespace XorMlNet.Cli.Tests;

public sealed class PlotsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void DecisionBoundary_WritesAPng()
    {
        string path = _folder["boundary.png"];
        (float, float, bool)[] corners = [(0, 0, false), (1, 0, true), (0, 1, true), (1, 1, false)];

        XorPlots.DecisionBoundary((x1, x2) => (x1 > 0.5f) != (x2 > 0.5f) ? 0.9f : 0.1f, corners, path);

        Assert.Equal((640, 660), Png.Check(path));
    }

    [Fact]
    public void LossCurve_WithValidationLoss_WritesAPng()
    {
        string path = _folder["loss.png"];
        double[] training = Enumerable.Range(0, 3000).Select(i => 0.25 * Math.Exp(-i / 300.0)).ToArray();

        XorPlots.LossCurve(training, training.Select(l => l * 1.5).ToArray(), path);

        Assert.Equal((800, 500), Png.Check(path));
    }

    [Fact]
    public void LossCurve_WithoutAPositiveLoss_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => XorPlots.LossCurve([0.0, double.NaN], [], _folder["none.png"]));

        Assert.Equal("trainingLoss", ex.ParamName);
        Assert.False(File.Exists(_folder["none.png"]));
    }

    [Fact]
    public void DecisionBoundary_WithAProbabilityOutsideZeroOne_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => XorPlots.DecisionBoundary((_, _) => 1.5f, [], _folder["bad.png"]));

        Assert.Equal("probability", ex.ParamName);
        Assert.False(File.Exists(_folder["bad.png"]));
    }
}
