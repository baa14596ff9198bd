using System.Globalization;

namespace XorMlNet.Cli;

/// <summary>
/// The live training line of <c>xormlnet train</c> on a terminal: epoch, losses and elapsed time, redrawn in place
/// (carriage return, no line feed) at most ten times a second, and erased when training ends or stops, and before a
/// warning is printed, so that no other line is written into it.
/// </summary>
internal sealed class ProgressLine(TextWriter writer)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly Lock _lock = new();
    private int _width;
    private TimeSpan? _lastDrawn;

    /// <summary>Redraws the line with <paramref name="progress"/>, unless it was drawn less than 0.1 s ago.</summary>
    public void Report(TrainingProgress progress)
    {
        lock (_lock)
        {
            if (_lastDrawn is { } last && progress.Elapsed - last < Interval)
            {
                return;
            }
            _lastDrawn = progress.Elapsed;
            string text = Format(progress);
            writer.Write('\r');
            writer.Write(text.PadRight(_width));
            writer.Flush();
            _width = text.Length;
        }
    }

    /// <summary>Erases the line, leaving the cursor at its start.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            if (_width > 0)
            {
                writer.Write('\r');
                writer.Write(new string(' ', _width));
                writer.Write('\r');
                writer.Flush();
                _width = 0;
            }
        }
    }

    /// <summary>Erases the line, then has <paramref name="write"/> print (a warning); the next report draws the line again.</summary>
    public void Interrupt(Action write)
    {
        lock (_lock)
        {
            Clear();
            write();
            _lastDrawn = null;
        }
    }

    /// <summary>"epoch 1200  training loss 0.0123  validation loss 0.0145  1.3 s".</summary>
    internal static string Format(TrainingProgress progress)
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"epoch {progress.Epoch,7}  training loss {progress.TrainingLoss,-10:G4}");
        if (!double.IsNaN(progress.ValidationLoss))
        {
            text += string.Create(CultureInfo.InvariantCulture, $"  validation loss {progress.ValidationLoss,-10:G4}");
        }
        return text + string.Create(CultureInfo.InvariantCulture, $"  {progress.Elapsed.TotalSeconds,6:F1} s");
    }
}
