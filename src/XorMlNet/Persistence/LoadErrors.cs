using System.Runtime.ExceptionServices;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace XorMlNet.Persistence;

/// <summary>
/// The errors of our loaders: an <see cref="InvalidDataException"/> whose message names the entry of the model zip
/// and what is wrong with it, processed (marked) by the host environment as ML.NET's own load errors are.
/// </summary>
/// <remarks>
/// ML.NET instantiates loaders by reflection and wraps what they throw (<c>InvalidOperationException</c>
/// "Error during class instantiation" around a <c>TargetInvocationException</c>, once per nesting level), so the
/// caller of <c>mlContext.Model.Load</c> finds our exception as the innermost one, <c>ex.GetBaseException()</c>.
/// For that to hold, an exception of ML.NET's that we describe is not kept as our inner exception: its type and
/// message are quoted in ours instead.
/// </remarks>
internal static class LoadErrors
{
    private const string Prefix = "The XorMlp ";

    /// <summary>The entry's directory in the zip, as users see it in a zip listing.</summary>
    public static string EntryName(ModelLoadContext ctx)
        => string.IsNullOrEmpty(ctx.Directory) ? "(stream)" : ctx.Directory.Replace('\\', '/');

    /// <summary>"The XorMlp {kind} entry '{entry}' is corrupt: {problem}."</summary>
    public static InvalidDataException Corrupt(IExceptionContext ectx, string kind, string entry, string problem)
        => ectx.Process(Corrupt(kind, entry, problem));

    /// <summary>The exception <see cref="Corrupt(IExceptionContext, string, string, string)"/> throws, without an exception context.</summary>
    public static InvalidDataException Corrupt(string kind, string entry, string problem)
        => new($"{Prefix}{kind} entry '{entry}' is corrupt: {problem}.");

    /// <summary>
    /// ML.NET's check of the entry header's signature and version triple against ours (<c>CheckAtModel</c>), with its
    /// message ("Unknown file type", "Corrupt file header", "the model is too new", ...) prefixed by the entry.
    /// </summary>
    public static void CheckVersion(IExceptionContext ectx, ModelLoadContext ctx, VersionInfo version, string kind, string entry)
    {
        try
        {
            ctx.CheckAtModel(version);
        }
        catch (FormatException ex)
        {
            throw ectx.Process(new InvalidDataException(
                $"{Prefix}{kind} entry '{entry}' cannot be read: {ex.Message.ReplaceLineEndings(" ").Trim()} " +
                $"(entry header: format version {ctx.Header.ModelVerWritten:X8}, readable by version {ctx.Header.ModelVerReadable:X8} and later; " +
                $"this XorMlNet reads versions {version.VerWeCanReadBack:X8} to {version.VerWrittenCur:X8})."));
        }
    }

    /// <summary>
    /// Turns a failure of ML.NET code loading part of our entry <paramref name="entry"/> (a sub-entry, the training
    /// schema, a column name) into our exception. One of our own exceptions found inside ML.NET's reflection
    /// wrappers is rethrown as it is (it already names its entry); a sign of bad content (format, data, argument or
    /// assembly-load errors) is replaced by ours, saying <paramref name="what"/> failed and quoting ML.NET's message;
    /// anything else (a bug, out of memory, an I/O failure) propagates unchanged.
    /// </summary>
    public static void RethrowDescribed(IExceptionContext ectx, Exception ex, string kind, string entry, string what)
    {
        Exception inner = ex.GetBaseException();
        if (inner is InvalidDataException && inner.Message.StartsWith(Prefix, StringComparison.Ordinal))
        {
            ExceptionDispatchInfo.Throw(inner);
        }
        if (inner is FormatException or InvalidDataException or EndOfStreamException or ArgumentException
            or FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            throw ectx.Process(new InvalidDataException(
                $"{Prefix}{kind} entry '{entry}' is corrupt: {what} failed ({inner.GetType().Name}: {inner.Message.ReplaceLineEndings(" ").Trim()})"));
        }
    }
}
