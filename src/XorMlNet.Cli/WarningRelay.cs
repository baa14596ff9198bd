using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace XorMlNet.Cli;

/// <summary>Passes on the warnings that ML.NET components (the trainer among them) log to <c>mlContext.Log</c>.</summary>
internal static class WarningRelay
{
    /// <summary>Calls <paramref name="warn"/> with the text of each warning <paramref name="mlContext"/> logs from now on.</summary>
    public static void Attach(MLContext mlContext, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(warn);
        mlContext.Log += (_, e) =>
        {
            if (e.Kind == ChannelMessageKind.Warning)
            {
                warn(e.RawMessage ?? e.Message);
            }
        };
    }
}
