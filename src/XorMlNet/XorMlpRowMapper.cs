using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Model.OnnxConverter;
using XorMlNet.Network;

namespace XorMlNet;

/// <summary>
/// How <see cref="XorMlpTransformer"/> scores rows, for <c>PredictionEngine</c>, <c>TransformerChain.GetRowToRowMapper</c>
/// and (through <see cref="XorMlpScoredDataView"/>) <c>Transform</c>: the schema of ML.NET's <c>BinaryClassifierScorer</c>
/// (taken from it, annotations and hidden columns included), with Score, Probability and PredictedLabel computed
/// straight from the features getter, one network evaluation per row position.
/// </summary>
/// <remarks>
/// Why not the scorer's own rows: it threads each row through several delegates, position caches and a synchronized
/// cursor, which cost more than the network itself. Going around them took a <c>Transform</c> + cursor over 1M rows
/// from ~200 ms to ~65–80 ms and a <c>Predict</c> from ~70 ns to ~65 ns here (benchmarks/README.md). The values are the
/// very ones the scorer produces: the same <see cref="XorMlpModelParameters.RowScorer"/> (which the scorer reaches
/// through the model's <c>IValueMapperDist</c>), Probability = <see cref="Kernels.Sigmoid{T}(T)"/> of Score, and
/// PredictedLabel = Score &gt; 0, the scorer's threshold (tests/XorMlNet.Tests/MLNet/RowMapperTests.cs compares them
/// bit for bit).
/// </remarks>
internal sealed class XorMlpRowMapper : IRowToRowMapper
{
    private readonly IRowToRowMapper _scorer;
    private readonly XorMlpModelParameters _model;
    private readonly DataViewSchema.Column _features;
    private readonly int _inputCount;
    private readonly int _score;
    private readonly int _probability;
    private readonly int _predictedLabel;

    private XorMlpRowMapper(IRowToRowMapper scorer, XorMlpModelParameters model, DataViewSchema.Column features)
    {
        _scorer = scorer;
        _model = model;
        _features = features;
        DataViewSchema output = scorer.OutputSchema;
        _inputCount = scorer.InputSchema.Count;
        _score = output[DefaultColumnNames.Score].Index;
        _probability = output[DefaultColumnNames.Probability].Index;
        _predictedLabel = output[DefaultColumnNames.PredictedLabel].Index;
    }

    public DataViewSchema InputSchema => _scorer.InputSchema;

    /// <summary>The name of the column scored.</summary>
    public string FeatureColumnName => _features.Name;

    public DataViewSchema OutputSchema => _scorer.OutputSchema;

    /// <summary>
    /// This mapper over <paramref name="scorer"/> (the scorer applied to the same input schema), or the scorer itself
    /// if its schema is not what it is in ML.NET 5: the input's columns, then Score, Probability and PredictedLabel in
    /// some order.
    /// </summary>
    public static IRowToRowMapper Create(IRowToRowMapper scorer, XorMlpModelParameters model, string featureColumnName)
    {
        DataViewSchema input = scorer.InputSchema, output = scorer.OutputSchema;
        int n = input.Count;
        bool sameLayout = output.Count == n + 3 && SameColumns(output, input, n)
            && Added(DefaultColumnNames.Score, NumberDataViewType.Single)
            && Added(DefaultColumnNames.Probability, NumberDataViewType.Single)
            && Added(DefaultColumnNames.PredictedLabel, BooleanDataViewType.Instance);
        if (!sameLayout || input.GetColumnOrNull(featureColumnName) is not { } features)
        {
            return scorer;
        }
        return new XorMlpRowMapper(scorer, model, features);

        bool Added(string name, DataViewType type) => output.GetColumnOrNull(name) is { } column && column.Index >= n && column.Type.Equals(type);
    }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
        => _scorer.GetDependencies(dependingColumns);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(activeColumns);
        if (input.Schema != InputSchema && (input.Schema.Count != InputSchema.Count || !SameColumns(input.Schema, InputSchema, InputSchema.Count)))
        {
            throw new ArgumentException("The row's schema is not the schema this mapper was made for.", nameof(input));
        }
        var active = new bool[OutputSchema.Count];
        foreach (DataViewSchema.Column column in activeColumns)
        {
            if ((uint)column.Index >= (uint)active.Length)
            {
                throw new ArgumentException($"Column '{column.Name}' is not a column of this mapper's output.", nameof(activeColumns));
            }
            active[column.Index] = true;
        }
        bool scoring = active[_score] || active[_probability] || active[_predictedLabel];
        if (scoring && !input.IsColumnActive(input.Schema[_features.Index]))
        {
            throw new ArgumentException($"The row must have the feature column '{_features.Name}' active to be scored.", nameof(input));
        }
        return new Row(this, input, active, scoring);
    }

    /// <summary>
    /// The first <paramref name="count"/> columns of both have the same names and types (a scorer's output starts with its
    /// input's columns; a cursor may hand out an equal schema object of its own).
    /// </summary>
    private static bool SameColumns(DataViewSchema a, DataViewSchema b, int count)
        => Enumerable.Range(0, count).All(i => a[i].Name == b[i].Name && a[i].Type.Equals(b[i].Type));

    private sealed class Row : DataViewRow
    {
        private readonly XorMlpRowMapper _parent;
        private readonly DataViewRow _input;
        private readonly bool[] _active;
        private readonly ValueGetter<VBuffer<float>>? _getFeatures;
        private readonly XorMlpModelParameters.RowScorer? _scorer;
        private VBuffer<float> _features;
        private long _position = long.MinValue;
        private float _scoreValue;
        private float _probability;

        public Row(XorMlpRowMapper parent, DataViewRow input, bool[] active, bool scoring)
        {
            _parent = parent;
            _input = input;
            _active = active;
            if (scoring)
            {
                _getFeatures = input.GetGetter<VBuffer<float>>(input.Schema[parent._features.Index]);
                _scorer = parent._model.CreateRowScorer();
            }
        }

        public override DataViewSchema Schema => _parent.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column)
            => column.Index < _parent._inputCount ? _input.IsColumnActive(_input.Schema[column.Index])
                : column.Index < _active.Length && _active[column.Index];

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            XorMlpRowMapper parent = _parent;
            if (column.Index < parent._inputCount)
            {
                return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            }
            if (column.Index >= _active.Length || !_active[column.Index])
            {
                throw new InvalidOperationException($"Column '{column.Name}' is not active in this row.");
            }
            Delegate getter = column.Index == parent._score ? (ValueGetter<float>)((ref float value) => { Compute(); value = _scoreValue; })
                : column.Index == parent._probability ? (ValueGetter<float>)((ref float value) => { Compute(); value = _probability; })
                : (ValueGetter<bool>)((ref bool value) => { Compute(); value = _scoreValue > 0; });
            return getter as ValueGetter<TValue> ?? throw new InvalidOperationException(
                $"Column '{column.Name}' is {column.Type}; it cannot be read as {typeof(TValue).Name}.");
        }

        /// <summary>Scores the input's current row, once per position.</summary>
        private void Compute()
        {
            long position = _input.Position;
            if (position != _position)
            {
                _getFeatures!(ref _features);
                _scoreValue = _scorer!.Score(in _features);
                _probability = Kernels.Sigmoid(_scoreValue);
                _position = position;
            }
        }
    }
}

/// <summary>
/// What <see cref="XorMlpTransformer.Transform"/> returns: the input's rows with <see cref="XorMlpRowMapper"/>'s
/// columns, read lazily through cursors over the input (one input cursor per cursor, cursor sets split as the input
/// splits them). Same schema and values as ML.NET's scorer applied to the input, without its per-row plumbing.
/// </summary>
/// <remarks>
/// To the code that walks a pipeline's data views back to its source (ONNX export, saving a data pipeline) it is the
/// scorer it stands for: a data transform over <c>input</c> that saves, and exports to ONNX, as <paramref name="scorer"/>
/// does. ML.NET's ONNX export stops at the first view that is not such a transform and makes that view's columns graph
/// inputs, which would silently export a graph without the network.
/// </remarks>
internal sealed class XorMlpScoredDataView(IDataView input, XorMlpRowMapper mapper, IDataTransform scorer) : IDataView, ITransformCanSaveOnnx
{
    public IDataView Source => input;

    void ICanSaveModel.Save(ModelSaveContext ctx) => scorer.Save(ctx);

    bool ICanSaveOnnx.CanSaveOnnx(OnnxContext ctx) => true;

    /// <exception cref="InvalidOperationException">The scorer did not write the network (the message says what is missing).</exception>
    void ISaveAsOnnx.SaveAsOnnx(OnnxContext ctx)
    {
        if (scorer is not ITransformCanSaveOnnx onnx || !onnx.CanSaveOnnx(ctx))
        {
            throw new InvalidOperationException($"ML.NET's binary scorer ({scorer.GetType().Name}) cannot export XorMlp's network to ONNX.");
        }
        string features = mapper.FeatureColumnName;
        if (!ctx.ContainsColumn(features))
        {
            throw new InvalidOperationException(
                $"XorMlp cannot be exported to ONNX: its feature column '{features}' is neither a graph input nor produced by an exported step.");
        }
        onnx.SaveAsOnnx(ctx);
        foreach (string column in new[] { DefaultColumnNames.Score, DefaultColumnNames.Probability, DefaultColumnNames.PredictedLabel })
        {
            if (!ctx.ContainsColumn(column))
            {
                throw new InvalidOperationException($"XorMlp's ONNX export did not produce its '{column}' column.");
            }
        }
    }

    public bool CanShuffle => input.CanShuffle;

    public DataViewSchema Schema => mapper.OutputSchema;

    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        DataViewSchema.Column[] columns = Needed(columnsNeeded);
        return new Cursor(mapper, input.GetRowCursor(mapper.GetDependencies(columns), rand), columns);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        DataViewSchema.Column[] columns = Needed(columnsNeeded);
        return input.GetRowCursorSet(mapper.GetDependencies(columns), n, rand)
            .Select(cursor => (DataViewRowCursor)new Cursor(mapper, cursor, columns)).ToArray();
    }

    private DataViewSchema.Column[] Needed(IEnumerable<DataViewSchema.Column> columnsNeeded)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        DataViewSchema.Column[] columns = columnsNeeded.ToArray();
        foreach (DataViewSchema.Column column in columns)
        {
            if (column.Index >= Schema.Count || Schema[column.Index].Name != column.Name)
            {
                throw new ArgumentException($"Column '{column.Name}' is not a column of this data view.", nameof(columnsNeeded));
            }
        }
        return columns;
    }

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly DataViewRowCursor _input;
        private readonly DataViewRow _row;

        public Cursor(XorMlpRowMapper mapper, DataViewRowCursor input, DataViewSchema.Column[] columns)
        {
            _input = input;
            _row = mapper.GetRow(input, columns);
        }

        public override DataViewSchema Schema => _row.Schema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override bool MoveNext() => _input.MoveNext();

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _row.IsColumnActive(column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _row.GetGetter<TValue>(column);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _row.Dispose();
                _input.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
