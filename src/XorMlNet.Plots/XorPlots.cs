using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;
using SkiaSharp;

namespace XorMlNet.Plots;

/// <summary>
/// The two pictures of an XorMlNet training run, written as PNG files: the loss curve and the fitted decision
/// boundary. They render headless (no display, no fontconfig needed).
/// </summary>
public static class XorPlots
{
    private const int LossWidth = 800, LossHeight = 500;
    private const int BoundaryWidth = 640, BoundaryHeight = 660;

    /// <summary>The square <see cref="DecisionBoundary"/> draws: [<see cref="BoundaryLow"/>, <see cref="BoundaryHigh"/>]².</summary>
    public const double BoundaryLow = -0.5, BoundaryHigh = 1.5;

    private const int BoundaryCells = 200;

    /// <summary>The first of these installed is used for the text; ScottPlot's own choice is the system's default typeface, often a serif one.</summary>
    private static readonly string[] SansSerifFamilies = ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"];

    private static readonly Lazy<string?> SansSerif = new(() => SansSerifFamilies.FirstOrDefault(family =>
    {
        using SKTypeface? typeface = SKFontManager.Default.MatchFamily(family);
        return typeface is not null;
    }));

    /// <summary>
    /// Writes the loss per epoch as a PNG: epochs on x, loss on a log-scale y axis, one line for the training loss
    /// and one for the validation loss when there is one. Epoch k (1-based) is entry k − 1 of each history, as in
    /// <c>XorMlpModelParameters.TrainingLossHistory</c> and <c>ValidationLossHistory</c>. Losses that are not
    /// positive and finite have no place on a log scale and are left out.
    /// </summary>
    /// <param name="trainingLoss">The training loss of each epoch; at least one must be positive and finite.</param>
    /// <param name="validationLoss">The validation loss of each epoch, or an empty list.</param>
    /// <param name="path">The PNG file to write; its folder must exist. An existing file is replaced.</param>
    /// <exception cref="ArgumentException">There is no positive finite training loss to draw, or <paramref name="path"/> is empty.</exception>
    public static void LossCurve(IReadOnlyList<double> trainingLoss, IReadOnlyList<double> validationLoss, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Plot plot = LossCurvePlot(trainingLoss, validationLoss);
        Save(plot, path, LossWidth, LossHeight);
    }

    /// <summary>
    /// Writes the loss curve of <see cref="LossCurve(IReadOnlyList{double}, IReadOnlyList{double}, string)"/> as PNG
    /// bytes to <paramref name="destination"/>, for a caller that decides where and how the file is written.
    /// </summary>
    /// <exception cref="ArgumentException">There is no positive finite training loss to draw.</exception>
    public static void LossCurve(IReadOnlyList<double> trainingLoss, IReadOnlyList<double> validationLoss, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        Plot plot = LossCurvePlot(trainingLoss, validationLoss);
        SetFont(plot);
        destination.Write(plot.GetImageBytes(LossWidth, LossHeight, ImageFormat.Png));
    }

    private static Plot LossCurvePlot(IReadOnlyList<double> trainingLoss, IReadOnlyList<double> validationLoss)
    {
        ArgumentNullException.ThrowIfNull(trainingLoss);
        ArgumentNullException.ThrowIfNull(validationLoss);

        (double[] trainingEpochs, double[] trainingLog) = Log10Series(trainingLoss);
        if (trainingEpochs.Length == 0)
        {
            throw new ArgumentException(
                $"The training loss has no positive finite value to plot ({trainingLoss.Count} epochs).", nameof(trainingLoss));
        }
        (double[] validationEpochs, double[] validationLog) = Log10Series(validationLoss);

        Plot plot = new();
        var training = plot.Add.SignalXY(trainingEpochs, trainingLog);
        training.LineWidth = 2;
        double low = trainingLog.Min(), high = trainingLog.Max();
        if (validationEpochs.Length > 0)
        {
            var validation = plot.Add.SignalXY(validationEpochs, validationLog);
            validation.LegendText = "validation";
            validation.LineWidth = 2;
            training.LegendText = "training";
            low = Math.Min(low, validationLog.Min());
            high = Math.Max(high, validationLog.Max());
            plot.ShowLegend(Alignment.UpperRight);
        }

        // At least half a decade, so that the axis always holds two labelled ticks.
        double span = Math.Max(high - low, 0.5);
        double middle = (low + high) / 2;
        (double bottom, double top) = (middle - span * 0.55, middle + span * 0.55);
        plot.Axes.Left.TickGenerator = LogTicks(bottom, top);
        plot.Axes.SetLimitsY(bottom, top);
        double lastEpoch = Math.Max(trainingEpochs[^1], validationEpochs.Length > 0 ? validationEpochs[^1] : 1);
        plot.Axes.SetLimitsX(0, Math.Max(lastEpoch, 1) * 1.02);
        plot.Axes.Bottom.TickGenerator = new NumericAutomatic { IntegerTicksOnly = true };
        plot.Grid.MajorLineColor = Colors.Black.WithOpacity(.15);
        plot.Grid.MinorLineColor = Colors.Black.WithOpacity(.05);
        plot.Grid.MinorLineWidth = 1;

        plot.Title("Loss per epoch");
        plot.XLabel("epoch");
        plot.YLabel("loss (MSE, log scale)");
        return plot;
    }

    /// <summary>
    /// Writes a heat map of <paramref name="probability"/> over [−0.5, 1.5]² as a PNG (blue for 0, white for 0.5,
    /// red for 1, so the decision boundary is the white band), with <paramref name="points"/> marked by their label.
    /// </summary>
    /// <param name="probability">The fitted probability of label <see langword="true"/> at (x1, x2), in [0, 1].</param>
    /// <param name="points">The points to mark, usually the training rows; points outside the square are not visible.</param>
    /// <param name="path">The PNG file to write; its folder must exist. An existing file is replaced.</param>
    /// <exception cref="ArgumentException"><paramref name="probability"/> returned a value outside [0, 1], or <paramref name="path"/> is empty.</exception>
    public static void DecisionBoundary(Func<float, float, float> probability, IEnumerable<(float X1, float X2, bool Label)> points, string path)
    {
        ArgumentNullException.ThrowIfNull(probability);
        ArgumentNullException.ThrowIfNull(points);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);

        const double Step = (BoundaryHigh - BoundaryLow) / BoundaryCells;
        var grid = new double[BoundaryCells, BoundaryCells];
        for (int row = 0; row < BoundaryCells; row++)
        {
            // Row 0 of a heat map is drawn at the top.
            float x2 = (float)(BoundaryHigh - (row + 0.5) * Step);
            for (int column = 0; column < BoundaryCells; column++)
            {
                float x1 = (float)(BoundaryLow + (column + 0.5) * Step);
                float p = probability(x1, x2);
                if (!(p >= 0 && p <= 1))
                {
                    throw new ArgumentException(
                        $"The probability at ({x1.ToString(CultureInfo.InvariantCulture)}, {x2.ToString(CultureInfo.InvariantCulture)}) is {p.ToString(CultureInfo.InvariantCulture)}, not a number in [0, 1].",
                        nameof(probability));
                }
                grid[row, column] = p;
            }
        }

        Plot plot = new();
        var heatmap = plot.Add.Heatmap(grid);
        heatmap.Extent = new CoordinateRect(BoundaryLow, BoundaryHigh, BoundaryLow, BoundaryHigh);
        heatmap.Colormap = new ScottPlot.Colormaps.Balance();
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        plot.Add.ColorBar(heatmap);

        var positive = new List<Coordinates>();
        var negative = new List<Coordinates>();
        foreach ((float x1, float x2, bool label) in points)
        {
            (label ? positive : negative).Add(new Coordinates(x1, x2));
        }
        AddMarkers(plot, negative, MarkerShape.FilledSquare, Colors.DodgerBlue, "label false");
        AddMarkers(plot, positive, MarkerShape.FilledCircle, Colors.OrangeRed, "label true");
        if (positive.Count + negative.Count > 0)
        {
            plot.ShowLegend(Edge.Bottom);
        }

        plot.Axes.SetLimits(BoundaryLow, BoundaryHigh, BoundaryLow, BoundaryHigh);
        plot.Title("Decision boundary: probability of label true");
        plot.XLabel("x1");
        plot.YLabel("x2");
        Save(plot, path, BoundaryWidth, BoundaryHeight);
    }

    private static void Save(Plot plot, string path, int width, int height)
    {
        SetFont(plot);
        plot.SavePng(path, width, height);
    }

    private static void SetFont(Plot plot)
    {
        if (SansSerif.Value is { } family)
        {
            plot.Font.Set(family);
        }
    }

    private static void AddMarkers(Plot plot, List<Coordinates> points, MarkerShape shape, Color fill, string legend)
    {
        if (points.Count == 0)
        {
            return;
        }
        var markers = plot.Add.Markers(points, shape, size: 9, color: fill);
        markers.MarkerStyle.LineColor = Colors.Black;
        markers.MarkerStyle.LineWidth = 1;
        markers.LegendText = legend;
    }

    /// <summary>(epoch, log10 loss) for each positive finite loss; epochs are 1-based.</summary>
    private static (double[] Epochs, double[] Log10) Log10Series(IReadOnlyList<double> loss)
    {
        var epochs = new List<double>(loss.Count);
        var values = new List<double>(loss.Count);
        for (int i = 0; i < loss.Count; i++)
        {
            if (loss[i] > 0 && double.IsFinite(loss[i]))
            {
                epochs.Add(i + 1);
                values.Add(Math.Log10(loss[i]));
            }
        }
        return (epochs.ToArray(), values.ToArray());
    }

    /// <summary>
    /// Ticks for a y axis that holds log10 of the values: decades (1e-3, 1e-2, ...) as labelled major ticks and
    /// 2…9 × each decade as minor ticks. When the axis spans less than two decades the minor ticks are labelled
    /// too, so that it is never left without numbers.
    /// </summary>
    private static NumericManual LogTicks(double bottom, double top)
    {
        var ticks = new NumericManual();
        int decades = (int)Math.Floor(top) - (int)Math.Ceiling(bottom) + 1;
        bool labelMinor = decades < 2;
        for (int decade = (int)Math.Floor(bottom); decade <= (int)Math.Ceiling(top); decade++)
        {
            for (int m = 1; m <= 9; m++)
            {
                double position = decade + Math.Log10(m);
                if (position < bottom || position > top)
                {
                    continue;
                }
                if (m == 1)
                {
                    ticks.AddMajor(position, DecadeLabel(decade));
                }
                else if (labelMinor)
                {
                    ticks.AddMajor(position, (m * Math.Pow(10, decade)).ToString("G3", CultureInfo.InvariantCulture));
                }
                else
                {
                    ticks.AddMinor(position);
                }
            }
        }
        return ticks;
    }

    private static string DecadeLabel(int decade) => decade switch
    {
        0 => "1",
        1 => "10",
        _ => $"1e{decade.ToString(CultureInfo.InvariantCulture)}",
    };
}
