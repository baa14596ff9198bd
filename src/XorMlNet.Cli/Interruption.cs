using System.Runtime.InteropServices;

namespace XorMlNet.Cli;

/// <summary>
/// How a run is stopped: Ctrl+C (SIGINT) or SIGTERM, turned into cancellation of <see cref="Token"/> by
/// <see cref="ListenToSignals"/>, or a caller's token. The command then ends at its next check, removes what it had
/// started to write, and exits with <see cref="ExitCode"/>. A second signal ends the process at once.
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _signal;

    private Interruption(CancellationTokenSource source) => _source = source;

    /// <summary>Cancelled when the run is to stop.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>130 after SIGINT or a cancelled token, 143 after SIGTERM.</summary>
    public int ExitCode => _signal == (int)PosixSignal.SIGTERM ? ExitCodes.Terminated : ExitCodes.Cancelled;

    /// <summary>"interrupted", "terminated (SIGTERM)" or "cancelled", for the line the command prints.</summary>
    public string How => _signal switch
    {
        (int)PosixSignal.SIGINT => "interrupted (SIGINT)",
        (int)PosixSignal.SIGTERM => "terminated (SIGTERM)",
        _ => "cancelled",
    };

    /// <summary>Stopped by <paramref name="token"/> only (in-process runs).</summary>
    public static Interruption FromToken(CancellationToken token) => new(CancellationTokenSource.CreateLinkedTokenSource(token));

    /// <summary>Stopped by SIGINT or SIGTERM sent to this process, which no longer ends it at once.</summary>
    public static Interruption ListenToSignals()
    {
        var interruption = new Interruption(new CancellationTokenSource());
        interruption._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, interruption.OnSignal));
        interruption._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, interruption.OnSignal));
        return interruption;
    }

    private void OnSignal(PosixSignalContext context)
    {
        // The first signal asks the command to stop cleanly; a second one gets the default: the process ends now.
        if (Interlocked.CompareExchange(ref _signal, (int)context.Signal, 0) == 0)
        {
            context.Cancel = true;
            _source.Cancel();
        }
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }
        _source.Dispose();
    }
}
