using Microsoft.ML;
using Microsoft.ML.Data;
using XorMlNet.Cli.Data;

namespace XorMlNet.Cli;

/// <summary>Reading and writing model and output files, with errors that name the file.</summary>
internal static class ModelFile
{
    /// <summary>Loads a pipeline saved by <c>mlContext.Model.Save</c>, with the schema of the data it was trained on.</summary>
    /// <exception cref="CliError">The file is missing or is not a model ML.NET (with XorMlNet) can load.</exception>
    public static (ITransformer Model, DataViewSchema InputSchema) Load(MLContext mlContext, string path)
    {
        if (!File.Exists(path))
        {
            throw new CliError(Directory.Exists(path)
                ? $"'{path}' is a folder, not a model file."
                : $"The model file '{path}' does not exist.");
        }
        if (!IsZip(path))
        {
            throw new CliError($"'{path}' is not a model file: a model is the zip archive that 'xormlnet train' (mlContext.Model.Save) writes.");
        }
        try
        {
            ITransformer model = mlContext.Model.Load(path, out DataViewSchema inputSchema);
            return (model, inputSchema);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // ML.NET wraps a loader's error once per nesting level; the innermost one says what is wrong.
            throw new CliError($"Cannot load the model '{path}': {Messages.OneLine(ex.GetBaseException())}");
        }
    }

    /// <summary>The file starts as a zip archive does (local file header, or the end record of an empty archive).</summary>
    private static bool IsZip(string path)
    {
        Span<byte> signature = stackalloc byte[4];
        try
        {
            using FileStream stream = File.OpenRead(path);
            if (stream.ReadAtLeast(signature, signature.Length, throwOnEndOfStream: false) < signature.Length)
            {
                return false;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliError($"Cannot read the model file '{path}': {Messages.OneLine(ex)}");
        }
        return signature is [(byte)'P', (byte)'K', 3, 4] or [(byte)'P', (byte)'K', 5, 6];
    }

    /// <summary>
    /// The columns of the model's training schema that scoring needs: those without which the pipeline no longer
    /// accepts the schema. The label and unused columns are not among them.
    /// </summary>
    public static DataViewSchema.Column[] RequiredColumns(ITransformer model, DataViewSchema inputSchema)
    {
        DataViewSchema.Column[] visible = inputSchema.Where(c => !c.IsHidden).ToArray();
        var required = new List<DataViewSchema.Column>();
        foreach (DataViewSchema.Column column in visible)
        {
            var builder = new DataViewSchema.Builder();
            builder.AddColumns(visible.Where(c => c.Index != column.Index));
            try
            {
                model.GetOutputSchema(builder.ToSchema());
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                required.Add(column);
            }
        }
        return required.ToArray();
    }

    /// <summary>
    /// The <c>TextLoader</c> columns for the model's required inputs, read from <paramref name="scan"/>'s file with the
    /// types they had at training, once every cell is checked to hold such a value.
    /// </summary>
    /// <exception cref="CliError">A required column is missing from the file, of a type a CSV cannot hold, or has a bad cell.</exception>
    public static List<TextLoader.Column> InputColumns(string modelPath, DataViewSchema.Column[] required, CsvScan scan)
    {
        CheckPresent(modelPath, required, scan.File);
        var columns = new List<TextLoader.Column>(required.Length);
        foreach (DataViewSchema.Column input in required)
        {
            int index = scan.File.IndexOf(input.Name);
            DataKind kind;
            if (input.Type == NumberDataViewType.Single || input.Type == NumberDataViewType.Double)
            {
                scan.RequireNumbers(index, "feature");
                kind = input.Type == NumberDataViewType.Single ? DataKind.Single : DataKind.Double;
            }
            else if (input.Type == BooleanDataViewType.Instance)
            {
                scan.RequireBooleans(index, "model input");
                kind = DataKind.Boolean;
            }
            else if (input.Type is TextDataViewType)
            {
                kind = DataKind.String;
            }
            else
            {
                throw new CliError($"The model '{modelPath}' takes its column '{input.Name}' as {input.Type}, which cannot be read from a CSV file.");
            }
            columns.Add(new TextLoader.Column(input.Name, kind, index));
        }
        return columns;
    }

    /// <summary>Every required column is in the file's header.</summary>
    /// <exception cref="CliError">Names the model, the columns it was trained on and those the file lacks.</exception>
    public static void CheckPresent(string modelPath, DataViewSchema.Column[] required, CsvFile file)
    {
        string[] missing = required.Select(c => c.Name).Where(name => file.IndexOf(name) < 0).ToArray();
        if (missing.Length > 0)
        {
            throw new CliError(
                $"The model '{modelPath}' was trained on the columns {CsvFile.ListColumns(required.Select(c => c.Name))}, " +
                $"but '{file.Path}' has no column {CsvFile.ListColumns(missing)}; its columns are {CsvFile.ListColumns(file.Header)}.");
        }
    }

    /// <summary>Applies the model, checking first that it accepts the data's schema.</summary>
    /// <exception cref="CliError">The model does not accept the data.</exception>
    public static IDataView Score(ITransformer model, IDataView data, string modelPath, string dataPath)
    {
        try
        {
            return model.Transform(data);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            throw new CliError($"The model '{modelPath}' cannot score '{dataPath}': {Messages.OneLine(ex)}");
        }
    }

    /// <summary>
    /// Checks, before any long work, that <paramref name="path"/> can be created: its folder exists and it is not a
    /// folder itself.
    /// </summary>
    /// <exception cref="CliError">Names the file and what it was for.</exception>
    public static void CheckWritable(string path, string what)
    {
        if (Directory.Exists(path))
        {
            throw new CliError($"Cannot write the {what} to '{path}': it is a folder.");
        }
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is null || !Directory.Exists(folder))
        {
            throw new CliError($"Cannot write the {what} to '{path}': its folder does not exist.");
        }
    }

    /// <summary>
    /// Has <paramref name="write"/> write a temporary file next to <paramref name="path"/>, then moves it into place, so
    /// that an interrupted write never leaves a truncated file behind.
    /// </summary>
    /// <exception cref="CliError">The file cannot be written.</exception>
    public static void WriteAtomically(string path, string what, Action<string> write)
    {
        string fullPath = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            write(temporary);
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliError($"Cannot write the {what} to '{path}': {Messages.OneLine(ex)}");
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
