using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace XorMlNet.Tests.MLNet;

/// <summary>
/// What ML.NET's own TestEstimatorCore checks, for any estimator: the estimator's schema propagation agrees with the
/// fitted transformer's, bad input fails early, the row-to-row mapper agrees with Transform, values do not depend on
/// how the data is cursored, and a save → load round trip changes nothing.
/// </summary>
internal static class EstimatorConformance
{
    /// <param name="mlContext">Context used for fitting and saving.</param>
    /// <param name="estimator">The estimator under test.</param>
    /// <param name="validData">Data the estimator can be fitted on.</param>
    /// <param name="invalidInputs">Data whose schema the estimator must reject in both GetOutputSchema and Fit.</param>
    /// <param name="dataMissingInput">Data the fitted transformer must refuse to transform.</param>
    public static ITransformer Check<TTransformer>(MLContext mlContext, IEstimator<TTransformer> estimator, IDataView validData,
        IEnumerable<IDataView> invalidInputs, IDataView dataMissingInput)
        where TTransformer : class, ITransformer
    {
        // Schema propagation: estimator before fitting == transformer after fitting == the data Transform produces.
        SchemaShape predicted = estimator.GetOutputSchema(ShapeOf(validData.Schema));
        TTransformer transformer = estimator.Fit(validData);
        DataViewSchema outputSchema = transformer.GetOutputSchema(validData.Schema);
        IDataView transformed = transformer.Transform(validData);
        AssertSchemaShapeMatches(predicted, outputSchema);
        AssertSchemasEqual(outputSchema, transformed.Schema);

        foreach (IDataView invalid in invalidInputs)
        {
            AssertRejected(() => estimator.GetOutputSchema(ShapeOf(invalid.Schema)), "GetOutputSchema");
            AssertRejected(() => estimator.Fit(invalid), "Fit");
        }
        AssertRejected(() => transformer.Transform(dataMissingInput), "Transform");
        AssertRejected(() => transformer.GetOutputSchema(dataMissingInput.Schema), "transformer GetOutputSchema");

        // The row-to-row mapper (what PredictionEngine uses) agrees with Transform.
        Assert.True(transformer.IsRowToRowMapper);
        IRowToRowMapper mapper = transformer.GetRowToRowMapper(validData.Schema);
        AssertSchemasEqual(transformed.Schema, mapper.OutputSchema);

        // Values do not depend on cursor sets or on the columns asked for.
        Dictionary<DataViewRowId, object?[]> expected = ReadAll(transformed, transformed.Schema);
        foreach (int n in new[] { 2, 3 })
        {
            AssertSameRows(expected, ReadAllWithCursorSet(transformed, n));
        }
        foreach (DataViewSchema.Column column in transformed.Schema.Where(c => !c.IsHidden))
        {
            Dictionary<DataViewRowId, object?[]> single = ReadAll(transformed, [column]);
            foreach ((DataViewRowId id, object?[] values) in expected)
            {
                Assert.Equal(values[column.Index], single[id][0]);
            }
        }

        // Save → load: same schema, same values.
        using var stream = new MemoryStream();
        mlContext.Model.Save(transformer, validData.Schema, stream);
        stream.Position = 0;
        ITransformer loaded = new MLContext(seed: 99).Model.Load(stream, out DataViewSchema loadedInputSchema);
        AssertSchemasEqual(validData.Schema, loadedInputSchema);
        IDataView reloadedOutput = loaded.Transform(validData);
        AssertSchemasEqual(transformed.Schema, reloadedOutput.Schema);
        AssertSameRows(expected, ReadAll(reloadedOutput, reloadedOutput.Schema));
        return transformer;
    }

    /// <summary>
    /// The <see cref="SchemaShape"/> of a schema, as ML.NET's pipelines compute it. <c>SchemaShape.Create</c> is internal
    /// to ML.NET, so the tests reach it by reflection, the way a user's tooling would.
    /// </summary>
    public static SchemaShape ShapeOf(DataViewSchema schema)
        => (SchemaShape)typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, [typeof(DataViewSchema)])!
            .Invoke(null, [schema])!;

    /// <summary>Names, types and annotations (names, types and values) of every column are equal.</summary>
    public static void AssertSchemasEqual(DataViewSchema expected, DataViewSchema actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            DataViewSchema.Column e = expected[i], a = actual[i];
            Assert.Equal(e.Name, a.Name);
            Assert.Equal(e.IsHidden, a.IsHidden);
            Assert.True(e.Type.Equals(a.Type), $"column '{e.Name}': {e.Type} vs {a.Type}");
            Assert.Equal(e.Annotations.Schema.Select(c => (c.Name, c.Type.ToString())), a.Annotations.Schema.Select(c => (c.Name, c.Type.ToString())));
            foreach (DataViewSchema.Column annotation in e.Annotations.Schema)
            {
                Assert.Equal(ReadAnnotation(e.Annotations, annotation), ReadAnnotation(a.Annotations, a.Annotations.Schema[annotation.Name]));
            }
        }
    }

    private static void AssertSchemaShapeMatches(SchemaShape predicted, DataViewSchema actual)
    {
        foreach (DataViewSchema.Column column in actual.Where(c => !c.IsHidden))
        {
            SchemaShape.Column shape = predicted.SingleOrDefault(c => c.Name == column.Name);
            Assert.True(shape.Name == column.Name, $"GetOutputSchema lacks column '{column.Name}'");
            DataViewType itemType = column.Type is VectorDataViewType vector ? vector.ItemType : column.Type;
            Assert.True(shape.ItemType.Equals(itemType), $"column '{column.Name}': {shape.ItemType} vs {column.Type}");
            Assert.Equal(column.Type is VectorDataViewType, shape.Kind != SchemaShape.Column.VectorKind.Scalar);
            Assert.Equal(column.Annotations.Schema.Select(a => a.Name).Order(), shape.Annotations.Select(a => a.Name).Order());
        }
        Assert.Equal(actual.Count(c => !c.IsHidden), predicted.Count());
    }

    private static void AssertRejected(Action action, string what)
    {
        Exception ex = Record.Exception(action)
            ?? throw new Xunit.Sdk.XunitException($"{what} accepted input it should have rejected.");
        Assert.True(ex is ArgumentOutOfRangeException or InvalidOperationException or ArgumentException,
            $"{what} threw {ex.GetType().Name}: {ex.Message}");
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
    }

    /// <summary>The same row ids with equal values.</summary>
    public static void AssertSameRows(Dictionary<DataViewRowId, object?[]> expected, Dictionary<DataViewRowId, object?[]> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        foreach ((DataViewRowId id, object?[] values) in expected)
        {
            Assert.Equal(values, actual[id]);
        }
    }

    /// <summary>Every visible and hidden value of every row, keyed by row id.</summary>
    public static Dictionary<DataViewRowId, object?[]> ReadAll(IDataView data, IEnumerable<DataViewSchema.Column> columns)
    {
        DataViewSchema.Column[] wanted = columns.ToArray();
        using DataViewRowCursor cursor = data.GetRowCursor(wanted);
        return ReadCursor(cursor, wanted);
    }

    /// <summary>Every value of every row, read by a set of <paramref name="n"/> cursors on parallel threads.</summary>
    public static Dictionary<DataViewRowId, object?[]> ReadAllWithCursorSet(IDataView data, int n)
    {
        DataViewSchema.Column[] wanted = data.Schema.ToArray();
        DataViewRowCursor[] cursors = data.GetRowCursorSet(wanted, n, new Random(n));
        var result = new Dictionary<DataViewRowId, object?[]>();
        try
        {
            // Each cursor on its own thread, as ML.NET's parallel consumers do.
            Dictionary<DataViewRowId, object?[]>[] parts = cursors.AsParallel().Select(c => ReadCursor(c, wanted)).ToArray();
            foreach (var part in parts)
            {
                foreach (var pair in part)
                {
                    result.Add(pair.Key, pair.Value);
                }
            }
        }
        finally
        {
            foreach (DataViewRowCursor c in cursors)
            {
                c.Dispose();
            }
        }
        return result;
    }

    private static Dictionary<DataViewRowId, object?[]> ReadCursor(DataViewRowCursor cursor, DataViewSchema.Column[] columns)
    {
        ValueGetter<DataViewRowId> getId = cursor.GetIdGetter();
        Func<object?>[] readers = columns.Select(c => MakeReader(cursor, c)).ToArray();
        var rows = new Dictionary<DataViewRowId, object?[]>();
        DataViewRowId id = default;
        while (cursor.MoveNext())
        {
            getId(ref id);
            rows.Add(id, readers.Select(r => r()).ToArray());
        }
        return rows;
    }

    /// <summary>Reads <paramref name="column"/> of <paramref name="row"/>'s current row, vectors as arrays.</summary>
    public static Func<object?> MakeReader(DataViewRow row, DataViewSchema.Column column)
        => (Func<object?>)typeof(EstimatorConformance).GetMethod(nameof(MakeTypedReader), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(column.Type.RawType).Invoke(null, [row, column])!;

    private static Func<object?> MakeTypedReader<T>(DataViewRow row, DataViewSchema.Column column)
    {
        ValueGetter<T> getter = row.GetGetter<T>(column);
        return () =>
        {
            T value = default!;
            getter(ref value);
            return Normalize(value);
        };
    }

    private static object? ReadAnnotation(DataViewSchema.Annotations annotations, DataViewSchema.Column column)
        => typeof(EstimatorConformance).GetMethod(nameof(ReadTypedAnnotation), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(column.Type.RawType).Invoke(null, [annotations, column]);

    private static object? ReadTypedAnnotation<T>(DataViewSchema.Annotations annotations, DataViewSchema.Column column)
    {
        T value = default!;
        annotations.GetValue(column.Name, ref value);
        return Normalize(value);
    }

    /// <summary>Turns buffers into comparable values: vectors into dense arrays, text into strings.</summary>
    private static object? Normalize<T>(T value) => value switch
    {
        VBuffer<float> v => v.DenseValues().ToArray(),
        VBuffer<double> v => v.DenseValues().ToArray(),
        VBuffer<ReadOnlyMemory<char>> v => v.DenseValues().Select(s => s.ToString()).ToArray(),
        ReadOnlyMemory<char> s => s.ToString(),
        _ => value,
    };
}
