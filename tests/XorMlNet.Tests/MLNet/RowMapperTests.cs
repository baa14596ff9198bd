using Microsoft.ML;
using Microsoft.ML.Data;
using static XorMlNet.Tests.MLNet.XorMlpEstimatorTests;

namespace XorMlNet.Tests.MLNet;

/// <summary>
/// The row-to-row mapper behind PredictionEngine and Transform (<see cref="XorMlpRowMapper"/>,
/// <see cref="XorMlpScoredDataView"/>) against ML.NET's own scorer (the base class's Transform): the same schema and
/// the same bits for every column of every row, whichever columns and cursors are asked for, with rows that are not
/// finite and with an input that already has a Score column.
/// </summary>
public class RowMapperTests
{
    private sealed class ScoredRow
    {
        [VectorType(3)]
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
        public float Score { get; set; }
    }

    [Fact]
    public void MapperRows_EqualTransform_ForEveryColumnOfEveryRow()
    {
        var mlContext = new MLContext(seed: 0);
        WideRow[] rows = SyntheticRows(300, seed: 12, label: x => x[0] * x[1] > 0);
        rows[5].Features = [float.NaN, 1f, 2f];
        rows[6].Features = [float.PositiveInfinity, -1f, 0f];
        rows[7].Features = [1e30f, -1e30f, 3f];
        IDataView data = mlContext.Data.LoadFromEnumerable(rows);
        ITransformer model = new XorMlpEstimator(new XorMlpEstimator.Options { HiddenLayerSize = 5, NumberOfEpochs = 100, InitialWeightScale = 1 })
            .Fit(mlContext.Data.LoadFromEnumerable(rows.Skip(10)));

        IRowToRowMapper mapper = model.GetRowToRowMapper(data.Schema);
        Assert.IsType<XorMlpRowMapper>(mapper);
        IDataView transformed = ScorerOutput(model, data);
        EstimatorConformance.AssertSchemasEqual(transformed.Schema, mapper.OutputSchema);
        object?[][] expected = ReadRows(transformed, transformed.Schema.ToArray());
        int score = transformed.Schema["Score"].Index, label = transformed.Schema["PredictedLabel"].Index;
        Assert.True(float.IsNaN((float)expected[5][score]!));
        Assert.False((bool)expected[5][label]!);

        // Every column, then each output column alone.
        Assert.Equal(Bits(expected), Bits(ReadThroughMapper(data, mapper, mapper.OutputSchema.ToArray())));
        foreach (string name in new[] { "Score", "Probability", "PredictedLabel" })
        {
            DataViewSchema.Column column = mapper.OutputSchema[name];
            object?[][] alone = ReadThroughMapper(data, mapper, [column]);
            Assert.Equal(Bits(expected.Select(r => new[] { r[column.Index] }).ToArray()), Bits(alone));
        }
    }

    [Fact]
    public void InputWithAScoreColumn_KeepsItHidden_AndScoresLikeTransform()
    {
        var mlContext = new MLContext(seed: 0);
        WideRow[] training = SyntheticRows(200, seed: 13, label: x => x[0] > 0);
        ITransformer model = new XorMlpEstimator(new XorMlpEstimator.Options { HiddenLayerSize = 3, NumberOfEpochs = 50 })
            .Fit(mlContext.Data.LoadFromEnumerable(training));
        IDataView data = mlContext.Data.LoadFromEnumerable(training.Select(r => new ScoredRow { Features = r.Features, Label = r.Label, Score = -7f }));

        IRowToRowMapper mapper = model.GetRowToRowMapper(data.Schema);

        Assert.IsType<XorMlpRowMapper>(mapper);
        IDataView transformed = ScorerOutput(model, data);
        EstimatorConformance.AssertSchemasEqual(transformed.Schema, mapper.OutputSchema);
        Assert.True(mapper.OutputSchema[2].IsHidden);
        DataViewSchema.Column[] all = mapper.OutputSchema.ToArray();
        Assert.Equal(Bits(ReadRows(transformed, all)), Bits(ReadThroughMapper(data, mapper, all)));
        Assert.Equal(Bits(ReadRows(transformed, all)), Bits(ReadRows(model.Transform(data), all)));
    }

    [Fact]
    public void Transform_GivesTheScorersOutput_ThroughEveryKindOfCursor()
    {
        var mlContext = new MLContext(seed: 0);
        WideRow[] rows = SyntheticRows(5000, seed: 15, label: x => x[0] * x[2] > 0);
        rows[17].Features = [float.NaN, 0f, 0f];
        // Cached, so that the input itself hands out several cursors for a cursor set.
        IDataView data = mlContext.Data.Cache(mlContext.Data.LoadFromEnumerable(rows));
        ITransformer model = new XorMlpEstimator(new XorMlpEstimator.Options { HiddenLayerSize = 17, NumberOfEpochs = 30 }).Fit(data);

        IDataView ours = model.Transform(data);
        DataViewRowCursor[] set = ours.GetRowCursorSet(ours.Schema, 3, new Random(1));
        Assert.True(set.Length > 1, $"{set.Length} cursor");
        foreach (DataViewRowCursor cursor in set)
        {
            cursor.Dispose();
        }
        IDataView scorer = ScorerOutput(model, data);

        Assert.IsType<XorMlpScoredDataView>(ours);
        EstimatorConformance.AssertSchemasEqual(scorer.Schema, ours.Schema);
        Assert.Equal(scorer.GetRowCount(), ours.GetRowCount());
        Assert.Equal(scorer.CanShuffle, ours.CanShuffle);
        Dictionary<DataViewRowId, object?[]> expected = EstimatorConformance.ReadAll(scorer, scorer.Schema);
        EstimatorConformance.AssertSameRows(expected, EstimatorConformance.ReadAll(ours, ours.Schema));
        foreach (int n in new[] { 2, 3 })
        {
            EstimatorConformance.AssertSameRows(expected, EstimatorConformance.ReadAllWithCursorSet(ours, n));
        }
        foreach (DataViewSchema.Column column in ours.Schema)
        {
            Dictionary<DataViewRowId, object?[]> alone = EstimatorConformance.ReadAll(ours, [column]);
            Assert.All(expected, pair => Assert.Equal(pair.Value[column.Index], alone[pair.Key][0]));
        }
    }

    /// <summary>ML.NET's consumers of a data view (preview, binary save and load, take, shuffle, cache) on Transform's output.</summary>
    [Fact]
    public void TransformOutput_WorksWithMlNetsDataOperations()
    {
        var mlContext = new MLContext(seed: 0);
        WideRow[] rows = SyntheticRows(700, seed: 17, label: x => x[0] * x[1] > 0);
        IDataView data = mlContext.Data.LoadFromEnumerable(rows);
        ITransformer model = new XorMlpEstimator(new XorMlpEstimator.Options { HiddenLayerSize = 6, NumberOfEpochs = 40 }).Fit(data);
        IDataView scored = model.Transform(data);
        IDataView expected = ScorerOutput(model, data);
        DataViewSchema.Column[] outputs = [scored.Schema["Score"], scored.Schema["Probability"], scored.Schema["PredictedLabel"]];
        string[] expectedRows = Bits(ReadRows(expected, outputs));

        DataDebuggerPreview preview = scored.Preview(maxRows: 5);
        Assert.Equal(5, preview.RowView.Length);
        Assert.Equal((float)ReadRows(expected, [expected.Schema["Score"]])[0][0]!, (float)preview.ColumnView.Single(c => c.Column.Name == "Score").Values[0]);

        using var stream = new MemoryStream();
        mlContext.Data.SaveAsBinary(scored, stream, keepHidden: true);
        stream.Position = 0;
        IDataView reloaded = mlContext.Data.LoadFromBinary(new MemoryStreamSource(stream.ToArray()));
        Assert.Equal(expectedRows, Bits(ReadRows(reloaded, outputs.Select(c => reloaded.Schema[c.Name]).ToArray())));

        Assert.Equal(expectedRows[..10], Bits(ReadRows(mlContext.Data.TakeRows(scored, 10), outputs)));
        Assert.Equal(expectedRows, Bits(ReadRows(mlContext.Data.Cache(scored), outputs)));
        IDataView shuffled = mlContext.Data.ShuffleRows(scored, seed: 3);
        Assert.Equal(expectedRows.Order(), Bits(ReadRows(shuffled, outputs)).Order());
    }

    /// <summary>A row from another view with an equal schema (same columns, another object) is accepted and scored alike.</summary>
    [Fact]
    public void RowWithAnEqualSchemaOfAnotherView_IsScoredAlike()
    {
        var mlContext = new MLContext(seed: 0);
        WideRow[] rows = SyntheticRows(100, seed: 18, label: x => x[1] > 0);
        IDataView first = mlContext.Data.LoadFromEnumerable(rows), second = mlContext.Data.LoadFromEnumerable(rows);
        ITransformer model = new XorMlpEstimator(new XorMlpEstimator.Options { HiddenLayerSize = 3, NumberOfEpochs = 20 }).Fit(first);
        IRowToRowMapper mapper = model.GetRowToRowMapper(first.Schema);
        Assert.NotSame(first.Schema, second.Schema);

        DataViewSchema.Column[] all = mapper.OutputSchema.ToArray();
        Assert.Equal(Bits(ReadRows(ScorerOutput(model, first), all)), Bits(ReadThroughMapper(second, mapper, all)));
    }

    /// <summary>An in-memory file for LoadFromBinary.</summary>
    private sealed class MemoryStreamSource(byte[] bytes) : Microsoft.ML.Data.IMultiStreamSource
    {
        public int Count => 1;

        public string GetPathOrNull(int index) => null!;

        public Stream Open(int index) => new MemoryStream(bytes, writable: false);

        public TextReader OpenTextReader(int index) => new StreamReader(Open(index));
    }

    [Fact]
    public void InactiveColumn_WrongType_AndForeignRow_AreRejected()
    {
        var mlContext = new MLContext(seed: 0);
        WideRow[] rows = SyntheticRows(50, seed: 14, label: x => x[2] > 0);
        IDataView data = mlContext.Data.LoadFromEnumerable(rows);
        ITransformer model = new XorMlpEstimator(new XorMlpEstimator.Options { HiddenLayerSize = 2, NumberOfEpochs = 20 }).Fit(data);
        IRowToRowMapper mapper = model.GetRowToRowMapper(data.Schema);
        DataViewSchema.Column score = mapper.OutputSchema["Score"], probability = mapper.OutputSchema["Probability"];

        using DataViewRowCursor cursor = data.GetRowCursor(mapper.GetDependencies([score]));
        using DataViewRow row = mapper.GetRow(cursor, [score]);

        Assert.True(row.IsColumnActive(score));
        Assert.False(row.IsColumnActive(probability));
        Assert.Contains("'Probability' is not active", Assert.Throws<InvalidOperationException>(() => row.GetGetter<float>(probability)).Message);
        Assert.Contains("cannot be read as Double", Assert.Throws<InvalidOperationException>(() => row.GetGetter<double>(score)).Message);

        IDataView other = mlContext.Data.LoadFromEnumerable(rows.Select(r => new ScoredRow { Features = r.Features }));
        using DataViewRowCursor foreign = other.GetRowCursor(other.Schema);
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => mapper.GetRow(foreign, [score])).ParamName);
    }

    /// <summary>ML.NET's scorer applied to <paramref name="data"/>: the base class's Transform, which ours hides.</summary>
    private static IDataView ScorerOutput(ITransformer model, IDataView data)
        => ((PredictionTransformerBase<XorMlpModelParameters>)model).Transform(data);

    private static object?[][] ReadThroughMapper(IDataView data, IRowToRowMapper mapper, DataViewSchema.Column[] columns)
    {
        using DataViewRowCursor cursor = data.GetRowCursor(mapper.GetDependencies(columns));
        using DataViewRow row = mapper.GetRow(cursor, columns);
        return Read(cursor, row, columns);
    }

    private static object?[][] ReadRows(IDataView data, DataViewSchema.Column[] columns)
    {
        using DataViewRowCursor cursor = data.GetRowCursor(columns);
        return Read(cursor, cursor, columns);
    }

    /// <summary>The values of <paramref name="columns"/> of <paramref name="row"/> at every position of <paramref name="cursor"/>.</summary>
    private static object?[][] Read(DataViewRowCursor cursor, DataViewRow row, DataViewSchema.Column[] columns)
    {
        Func<object?>[] readers = columns.Select(c => EstimatorConformance.MakeReader(row, c)).ToArray();
        var result = new List<object?[]>();
        while (cursor.MoveNext())
        {
            result.Add(readers.Select(read => read()).ToArray());
        }
        return result.ToArray();
    }

    /// <summary>Rows as strings with floats as their bits (NaN compares equal to NaN).</summary>
    private static string[] Bits(object?[][] rows) => rows.Select(r => string.Join(",", r.Select(Bits))).ToArray();

    private static string Bits(object? value) => value switch
    {
        float f => BitConverter.SingleToInt32Bits(f).ToString(),
        float[] a => string.Join(" ", a.Select(f => BitConverter.SingleToInt32Bits(f))),
        _ => value?.ToString() ?? "null",
    };
}
