using System.Runtime.InteropServices;

namespace XorMlNet.Cli;

/// <summary>An input file of a command and the option that named it, to refuse writing over it.</summary>
internal readonly record struct InputFile(string Option, string Path);

/// <summary>The checks made on an output path before a command does any work.</summary>
internal static partial class OutputPath
{
    private const int ProbeBytes = 4096;

    /// <summary>
    /// Checks that <paramref name="path"/>, given with <paramref name="option"/> for the <paramref name="what"/>, can be
    /// written: it is not empty, not a folder, not one of <paramref name="inputs"/>, and its folder exists and takes
    /// a file (a few kilobytes are written to the temporary file and flushed to disk, then removed).
    /// </summary>
    /// <exception cref="CliError">Names the option, the path and what is wrong.</exception>
    public static void Check(string path, string option, string what, IEnumerable<InputFile> inputs)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new CliError($"{option} is empty; name the file to write the {what} to.");
        }
        string fullPath;
        try
        {
            fullPath = Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CliError($"{option} '{Messages.Quote(path)}' is not a usable file name: {Messages.OneLine(ex)}");
        }
        if (Directory.Exists(fullPath))
        {
            throw new CliError($"Cannot write the {what} to '{path}' ({option}): it is a folder.");
        }
        string? folder = Path.GetDirectoryName(fullPath);
        if (folder is null || !Directory.Exists(folder))
        {
            throw new CliError($"Cannot write the {what} to '{path}' ({option}): its folder does not exist.");
        }
        foreach (InputFile input in inputs)
        {
            if (SameFile(fullPath, input.Path))
            {
                throw new CliError(
                    $"{option} '{path}' is the same file as {input.Option} '{input.Path}': xormlnet never writes over one of its inputs; choose another file for the {what}.");
            }
        }
        string temporary = PendingFile.TemporaryPath(fullPath);
        try
        {
            using (var probe = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                probe.Write(new byte[ProbeBytes]);
                probe.Flush(flushToDisk: true);
            }
            File.Delete(temporary);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new CliError($"Cannot write the {what} to '{path}' ({option}): {Messages.OneLine(ex)}");
        }
    }

    /// <summary>
    /// Whether <paramref name="a"/> and <paramref name="b"/> name one file: the same full path once symbolic links are
    /// resolved (on Unix, by realpath). Hard links to one file are not detected.
    /// </summary>
    public static bool SameFile(string a, string b)
    {
        string ca = Canonical(a), cb = Canonical(b);
        StringComparison comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return string.Equals(ca, cb, comparison);
    }

    /// <summary>The full path with links resolved: of the file if it exists, else of its folder, with the file name appended.</summary>
    private static string Canonical(string path)
    {
        string full = Path.GetFullPath(path);
        if (OperatingSystem.IsWindows())
        {
            return full;
        }
        if (RealPath(full) is { } resolved)
        {
            return resolved;
        }
        string? folder = Path.GetDirectoryName(full);
        return folder is not null && RealPath(folder) is { } resolvedFolder ? Path.Combine(resolvedFolder, Path.GetFileName(full)) : full;
    }

    private static string? RealPath(string path)
    {
        nint resolved = realpath(path, 0);
        if (resolved == 0)
        {
            return null;
        }
        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Marshal.FreeHGlobal(resolved);
        }
    }

    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing more can be done about it here; the next run with this output replaces it.
        }
    }

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint realpath(string path, nint resolved);
}

/// <summary>
/// An output file written next to its destination under a fixed temporary name (".name.xormlnet-tmp"), flushed to
/// disk, and moved into place by <see cref="Commit"/>; disposed without a commit, it removes the temporary file. A
/// temporary file left by a killed run is replaced by the next run with the same output, not piled up beside it.
/// </summary>
internal sealed class PendingFile(string path, string option, string what) : IDisposable
{
    private readonly string _fullPath = Path.GetFullPath(path);
    private bool _written, _committed;

    /// <summary>The temporary file for the output <paramref name="fullPath"/>.</summary>
    public static string TemporaryPath(string fullPath)
        => Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.xormlnet-tmp");

    public string Temporary => TemporaryPath(_fullPath);

    /// <summary>Writes the temporary file with <paramref name="write"/> and flushes it to disk.</summary>
    /// <exception cref="CliError">The file cannot be written (a full disk, a folder that became read-only).</exception>
    public void Write(Action<Stream> write)
    {
        try
        {
            using var stream = new FileStream(Temporary, FileMode.Create, FileAccess.Write, FileShare.None);
            write(stream);
            stream.Flush(flushToDisk: true);
            _written = true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            OutputPath.TryDelete(Temporary);
            throw new CliError($"Cannot write the {what} to '{path}' ({option}): {Messages.OneLine(ex)}");
        }
    }

    /// <summary>Moves the written file into place, replacing what was there.</summary>
    public void Commit()
    {
        if (!_written)
        {
            throw new InvalidOperationException($"The {what} was not written.");
        }
        try
        {
            File.Move(Temporary, _fullPath, overwrite: true);
            _committed = true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliError($"Cannot write the {what} to '{path}' ({option}): {Messages.OneLine(ex)}");
        }
    }

    public void Dispose()
    {
        if (!_committed)
        {
            OutputPath.TryDelete(Temporary);
        }
    }
}
