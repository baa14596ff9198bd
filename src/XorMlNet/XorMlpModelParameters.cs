using System.Numerics;
using System.Collections.ObjectModel;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using XorMlNet;
using XorMlNet.Network;
using XorMlNet.Persistence;
using XorMlNet.Simd;
using XorMlNet.Training;

[assembly: LoadableClass(typeof(XorMlpModelParameters), null, typeof(SignatureLoadModel),
    "XorMlp model parameters", XorMlpModelParameters.LoaderSignature)]

namespace XorMlNet;

/// <summary>
/// The fitted network: d inputs → H sigmoid units → 1 sigmoid output, with the history of the training run that
/// produced it. Immutable: weights are exposed read-only and every value is finite. Score is the output
/// pre-activation Z2 and Probability is σ(Z2), the network's ŷ.
/// </summary>
/// <remarks>
/// Saved inside ML.NET's model zip by <c>mlContext.Model.Save</c>; the layout of its entry is documented, field by
/// field, in docs/model-format.md, and every field is validated on load. It tells ML.NET, as its calibrated models do,
/// that it produces a probability beside its score, so that ML.NET's multiclass meta-trainers use σ(Z2) as it is
/// rather than fitting a calibrator on top of it.
/// </remarks>
public sealed partial class XorMlpModelParameters : ModelParametersBase<float>, IValueMapperDist, IDistPredictorProducing<float, float>
{
    internal const string LoaderSignature = "XorMlpModelParams";
    internal const string RegistrationName = nameof(XorMlpModelParameters);
    private const string ModelSignature = "XORMLP P";
    private const uint FormatVersion1 = 0x00010001;

    /// <summary>Adds EpochsRun, the loss histories' stride, the standardization and the NormalizeFeatures option.</summary>
    private const uint FormatVersion2 = 0x00010002;

    private readonly float[] _parameters;
    private readonly LossHistory _trainingLoss;
    private readonly LossHistory _validationLoss;
    private readonly XorMlpEstimator.Options _options;
    private readonly RowWeights _rowWeights;

    /// <summary>A fitted model over <paramref name="parameters"/>, which it takes over without copying: the caller
    /// (Fit, whose network is discarded) must not change them afterwards.</summary>
    internal XorMlpModelParameters(IHostEnvironment env, int inputSize, int hiddenSize, float[] parameters,
        float[] featureOffset, float[] featureScale, TrainingResult result, XorMlpEstimator.Options options)
        : this(env, inputSize, hiddenSize, parameters, featureOffset, featureScale, result.TrainingLossValues,
            result.ValidationLossValues, result.StopReason, result.Restarts, options.Clone())
    {
    }

    private XorMlpModelParameters(IHostEnvironment env, int inputSize, int hiddenSize, float[] parameters,
        float[] featureOffset, float[] featureScale,
        LossHistory trainingLoss, LossHistory validationLoss, StopReason stopReason, int restarts, XorMlpEstimator.Options options)
        : base(env, RegistrationName)
    {
        if (parameters.Length != TwoLayerNetwork<float>.GetParameterCount(inputSize, hiddenSize))
        {
            throw new ArgumentException($"A {inputSize}→{hiddenSize}→1 network cannot use {parameters.Length} parameters.", nameof(parameters));
        }
        _parameters = parameters;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        if (!Kernels.AllFinite<float>(parameters))
        {
            throw new ArgumentException("Every weight of a fitted model must be finite.", nameof(parameters));
        }
        _trainingLoss = trainingLoss;
        _validationLoss = validationLoss;
        StopReason = stopReason;
        Restarts = restarts;
        _options = options;
        InputType = new VectorDataViewType(NumberDataViewType.Single, inputSize);

        int w1 = inputSize * hiddenSize;
        W1 = ReadOnlySlice(0, w1);
        B1 = ReadOnlySlice(w1, hiddenSize);
        W2 = ReadOnlySlice(w1 + hiddenSize, hiddenSize);
        _rowWeights = new RowWeights(inputSize, hiddenSize, parameters, featureOffset, featureScale);
        FeatureOffset = Array.AsReadOnly(featureOffset);
        FeatureScale = Array.AsReadOnly(featureScale);
    }

    /// <summary>Number of features the model takes, d.</summary>
    public int InputSize { get; }

    /// <summary>Number of hidden units, H.</summary>
    public int HiddenSize { get; }

    /// <summary>First-layer weights, d×H row-major: <c>W1[i * HiddenSize + j]</c> joins feature i to hidden unit j.</summary>
    public IReadOnlyList<float> W1 { get; }

    /// <summary>First-layer biases, one per hidden unit.</summary>
    public IReadOnlyList<float> B1 { get; }

    /// <summary>Second-layer weights, one per hidden unit.</summary>
    public IReadOnlyList<float> W2 { get; }

    /// <summary>The output bias.</summary>
    public float B2 => _parameters[^1];

    /// <summary>
    /// The standardization the network was trained behind, as ML.NET's affine normalizer stores it: the network sees
    /// x′ = (x − FeatureOffset) · <see cref="FeatureScale"/>, feature by feature, and scoring applies it. d values
    /// (the training rows' means), or empty when the model takes the features as they are
    /// (<see cref="XorMlpEstimator.Options.NormalizeFeatures"/>).
    /// </summary>
    public IReadOnlyList<float> FeatureOffset { get; }

    /// <summary>
    /// d values (1 / the training rows' standard deviation; 1 for a constant column), or empty; see <see cref="FeatureOffset"/>.
    /// </summary>
    public IReadOnlyList<float> FeatureScale { get; }

    /// <summary>
    /// The training loss (MSE) of the epochs run, each before its epoch's update: every epoch, unless more than
    /// 524,288 ran; then every <see cref="LossHistoryStride"/>-th (value k is epoch (k + 1) · stride).
    /// </summary>
    public IReadOnlyList<double> TrainingLossHistory => _trainingLoss;

    /// <summary>The validation loss after the same epochs as <see cref="TrainingLossHistory"/>; empty when training had no validation rows.</summary>
    public IReadOnlyList<double> ValidationLossHistory => _validationLoss;

    /// <summary>Epochs between two values of the loss histories: 1 unless more than 524,288 epochs ran; a power of two.</summary>
    public int LossHistoryStride => _trainingLoss.Stride;

    /// <summary>Epochs run in all, counted over every attempt when training restarted.</summary>
    public int EpochsRun => _trainingLoss.Epochs;

    /// <summary>Why training ended.</summary>
    public StopReason StopReason { get; }

    /// <summary>How many times training restarted from a fresh draw of weights because it was stuck.</summary>
    public int Restarts { get; }

    /// <summary>
    /// A copy of the options the model was trained with. After a load, the callback, the cancellation token and
    /// NumberOfThreads are unset: they are not saved.
    /// </summary>
    public XorMlpEstimator.Options TrainingOptions => _options.Clone();

    /// <summary>The feature vector type, a known-size vector of <see cref="float"/> of length <see cref="InputSize"/>.</summary>
    internal DataViewType InputType { get; }

    /// <inheritdoc/>
    protected override PredictionKind PredictionKind => PredictionKind.BinaryClassification;

    DataViewType IValueMapper.InputType => InputType;

    DataViewType IValueMapper.OutputType => NumberDataViewType.Single;

    DataViewType IValueMapperDist.DistType => NumberDataViewType.Single;

    /// <summary>Score = Z2 of a row; the delegate may be called from several threads at once and allocates nothing per row.</summary>
    ValueMapper<TSrc, TDst> IValueMapper.GetMapper<TSrc, TDst>()
    {
        Host.Check(typeof(TSrc) == typeof(VBuffer<float>), "Input type does not match.");
        Host.Check(typeof(TDst) == typeof(float), "Output type does not match.");
        RowScorer scorer = CreateRowScorer();
        ValueMapper<VBuffer<float>, float> map = (in VBuffer<float> features, ref float score) => score = scorer.Score(in features);
        return (ValueMapper<TSrc, TDst>)(Delegate)map;
    }

    /// <summary>Score = Z2 and Probability = σ(Z2) of a row; the delegate may be called from several threads at once and allocates nothing per row.</summary>
    ValueMapper<TSrc, TDst, TDist> IValueMapperDist.GetMapper<TSrc, TDst, TDist>()
    {
        Host.Check(typeof(TSrc) == typeof(VBuffer<float>), "Input type does not match.");
        Host.Check(typeof(TDst) == typeof(float), "Output type does not match.");
        Host.Check(typeof(TDist) == typeof(float), "Probability type does not match.");
        RowScorer scorer = CreateRowScorer();
        ValueMapper<VBuffer<float>, float, float> map = (in VBuffer<float> features, ref float score, ref float probability) =>
        {
            score = scorer.Score(in features);
            probability = Kernels.Sigmoid(score);
        };
        return (ValueMapper<TSrc, TDst, TDist>)(Delegate)map;
    }

    /// <summary>
    /// A scorer, safe to call from several threads at once. <paramref name="width"/> picks the lane implementation (all
    /// give the same bits); the default is the widest the machine accelerates.
    /// </summary>
    internal RowScorer CreateRowScorer(LaneWidth width = LaneWidth.Auto) => new(_rowWeights, width);

    private IReadOnlyList<float> ReadOnlySlice(int offset, int count)
        => new ReadOnlyCollection<float>(new ArraySegment<float>(_parameters, offset, count));

    /// <summary>
    /// Scores rows: for a cursor (ML.NET hands each its own mapper) and for the delegates of <see cref="IValueMapper"/>,
    /// which callers may share between threads. Immutable; the one row it may copy (to standardize it or to pad it to a
    /// multiple of 8 features) goes into a scratch buffer of the calling thread, so that scoring is safe from several
    /// threads at once and allocates nothing per row. Transform's cursors and PredictionEngine both score through it, so
    /// they give the same numbers.
    /// </summary>
    /// <remarks>
    /// The arithmetic is <see cref="RowKernel{TV}"/>: fused multiply-adds and a vectorized σ with an absolute error
    /// below 2e-7, so scores agree with <see cref="TwoLayerNetwork{T}.Score"/> to 1e-6 of their scale, and are the same
    /// bits on every vector width.
    /// </remarks>
    internal sealed unsafe class RowScorer
    {
        /// <summary>
        /// The calling thread's scratch row, shared by every scorer on that thread (a call never spans another) and
        /// grown to the widest row it has scored.
        /// </summary>
        [ThreadStatic]
        private static float[]? t_scratch;

        private readonly RowWeights _weights;
        private readonly LaneWidth _width;

        public RowScorer(RowWeights weights, LaneWidth width)
        {
            _weights = weights;
            _width = LaneChoice.Resolve(width);
            _scalesOnly = !weights.Standardizes || weights.ScalesOnly;
        }

        /// <summary>
        /// This thread's scratch as a row of <see cref="RowWeights.PaddedInputs"/> values whose padding after the first d
        /// is zero: another scorer on this thread may have left values there, and although W1's padding rows are zero, 0 · ∞ is NaN.
        /// </summary>
        private Span<float> Scratch()
        {
            int padded = _weights.PaddedInputs;
            float[]? scratch = t_scratch;
            if (scratch is null || scratch.Length < padded)
            {
                t_scratch = scratch = new float[padded];
            }
            Span<float> row = scratch.AsSpan(0, padded);
            row[_weights.Inputs..].Clear();
            return row;
        }

        /// <summary>Sparse rows can be scored over their stored values: no standardization, or one without offsets.</summary>
        private readonly bool _scalesOnly;

        /// <summary>The output pre-activation Z2 of one row of <see cref="RowWeights.Inputs"/> features.</summary>
        /// <exception cref="ArgumentException">The row has another number of features.</exception>
        public float Score(in VBuffer<float> features)
        {
            if (features.Length != _weights.Inputs)
            {
                throw new ArgumentException(
                    $"The model was trained on {_weights.Inputs} features, but this row has {features.Length}.", nameof(features));
            }
            ReadOnlySpan<float> x = features.GetValues();
            if (!features.IsDense && _scalesOnly)
            {
                // Sparse rows: over the stored values only, never densified (a scale-only standardization keeps zeros zero).
                ReadOnlySpan<int> indices = features.GetIndices();
                return RowKernel.ScoreSparse(_width, _weights, indices, x, _weights.Scale);
            }
            if (_weights.Standardizes)
            {
                // The kernel reads a multiple of 8 features; the padding stays zero.
                Span<float> scratch = Scratch();
                Span<float> row = scratch[.._weights.Inputs];
                if (features.IsDense)
                {
                    SpanMath.Standardize(x, _weights.Offset, _weights.Scale, row);
                }
                else
                {
                    features.CopyTo(row);
                    SpanMath.Standardize(row, _weights.Offset, _weights.Scale, row);
                }
                x = scratch;
            }
            else if (!features.IsDense || x.Length != _weights.PaddedInputs)
            {
                // The kernel reads a multiple of 8 features; the padding stays zero.
                Span<float> scratch = Scratch();
                features.CopyTo(scratch[..features.Length]);
                x = scratch;
            }
            fixed (float* row = x)
            {
                return RowKernel.Score(_width, _weights, row);
            }
        }
    }

    #region Persistence

    private static VersionInfo GetVersionInfo() => new(
        modelSignature: ModelSignature,
        verWrittenCur: FormatVersion2,
        verReadableCur: FormatVersion2,
        verWeCanReadBack: FormatVersion1,
        loaderSignature: LoaderSignature,
        loaderAssemblyName: typeof(XorMlpModelParameters).Assembly.GetName().Name);

    /// <inheritdoc/>
    protected override void SaveCore(ModelSaveContext ctx)
    {
        // *** Binary format (docs/model-format.md, "Model-parameters entry") ***
        // int32   float size (4), written by ModelParametersBase
        // int32   payload length in bytes
        // byte[]  payload, see below
        // uint32  CRC-32 of the payload
        base.SaveCore(ctx);
        ctx.SetVersionInfo(GetVersionInfo());

        // Payload (format 0x00010002):
        // int32 InputSize d, int32 HiddenSize H, int32 WeightCount (= (d + 2)·H + 1),
        // float32[WeightCount] weights [W1 (d×H row-major) | b1 (H) | W2 (H) | b2],
        // int32 StopReason, int32 Restarts, int32 EpochsRun, int32 LossHistoryStride,
        // int32 TrainingLossCount, float64[TrainingLossCount], int32 ValidationLossCount, float64[ValidationLossCount],
        // int32 StandardizedCount (0 or d), float32[StandardizedCount] FeatureOffset, float32[StandardizedCount] FeatureScale,
        // saved options (SavedOptions.Write).
        var payload = new PayloadWriter();
        payload.WriteInt32(InputSize);
        payload.WriteInt32(HiddenSize);
        payload.WriteInt32(_parameters.Length);
        payload.WriteSingles(_parameters);
        payload.WriteInt32((int)StopReason);
        payload.WriteInt32(Restarts);
        payload.WriteInt32(_trainingLoss.Epochs);
        payload.WriteInt32(_trainingLoss.Stride);
        WriteHistory(payload, _trainingLoss);
        WriteHistory(payload, _validationLoss);
        payload.WriteInt32(_rowWeights.Offset.Length);
        payload.WriteSingles(_rowWeights.Offset);
        payload.WriteSingles(_rowWeights.Scale);
        SavedOptions.Write(_options, payload);
        byte[] bytes = payload.ToArray();

        ctx.Writer.Write(bytes.Length);
        ctx.Writer.Write(bytes);
        ctx.Writer.Write(Crc32.Compute(bytes));
    }

    /// <summary>int32 count, then that many float64 values.</summary>
    private static void WriteHistory(PayloadWriter payload, LossHistory history)
    {
        payload.WriteInt32(history.Count);
        for (int k = 0; k < history.ChunkCount; k++)
        {
            payload.WriteDoubles(history.Chunk(k));
        }
    }

    /// <summary>
    /// The loader ML.NET finds through the <see cref="LoadableClassAttribute"/> above. Every failure is an
    /// <see cref="InvalidDataException"/> naming this entry and the problem; nothing is allocated before the entry's
    /// remaining bytes are known to hold it.
    /// </summary>
    internal static XorMlpModelParameters Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        Contracts.CheckValue(env, nameof(env));
        env.CheckValue(ctx, nameof(ctx));
        string entry = LoadErrors.EntryName(ctx);
        LoadErrors.CheckVersion(env, ctx, GetVersionInfo(), "model", entry);

        // The model block, as the (already validated) ML.NET header delimits it: ModelParametersBase's float size
        // (read here rather than by its loading constructor so that a bad value gets our message), our payload
        // length, the payload and its CRC-32. It must be exactly filled, or ML.NET would fail after us without a message.
        long blockEnd = ctx.FpMin + ctx.Header.FpModel + ctx.Header.CbModel;
        byte[] payload;
        try
        {
            int floatSize = ctx.Reader.ReadInt32();
            if (floatSize != sizeof(float))
            {
                throw LoadErrors.Corrupt(env, "model", entry, $"its float size is {floatSize}, expected {sizeof(float)}");
            }
            int length = ctx.Reader.ReadInt32();
            long available = blockEnd - ctx.Reader.BaseStream.Position - sizeof(uint);
            if (length < 0 || length != available)
            {
                throw LoadErrors.Corrupt(env, "model", entry,
                    $"its payload length field says {length} bytes, but its model block leaves room for exactly {Math.Max(available, 0)}");
            }
            payload = ctx.Reader.ReadBytes(length);
            if (payload.Length != length)
            {
                throw LoadErrors.Corrupt(env, "model", entry, $"it ends inside the payload ({payload.Length} of {length} bytes)");
            }
            uint storedChecksum = ctx.Reader.ReadUInt32();
            uint checksum = Crc32.Compute(payload);
            if (storedChecksum != checksum)
            {
                throw LoadErrors.Corrupt(env, "model", entry,
                    $"the CRC-32 of its payload is {checksum:X8}, but the entry stores {storedChecksum:X8}");
            }
        }
        catch (EndOfStreamException)
        {
            throw LoadErrors.Corrupt(env, "model", entry, "it ends inside its model block");
        }

        try
        {
            return Read(env, new PayloadReader(payload, entry), ctx.Header.ModelVerWritten);
        }
        catch (InvalidDataException ex)
        {
            env.Process(ex); // marks it as a deliberate, user-facing error, as ML.NET's own checks are
            throw;
        }
    }

    /// <summary>Reads a payload of format <paramref name="version"/> (0x00010001 or 0x00010002; docs/model-format.md).</summary>
    private static XorMlpModelParameters Read(IHostEnvironment env, PayloadReader reader, uint version)
    {
        bool version1 = version < FormatVersion2;
        int inputSize = reader.ReadInt32("InputSize");
        int hiddenSize = reader.ReadInt32("HiddenSize");
        if (inputSize < 1 || hiddenSize < 1)
        {
            throw reader.Fail($"InputSize {inputSize} and HiddenSize {hiddenSize} must both be at least 1");
        }
        // The declared count is checked against the bytes left before it is compared with the dimensions, so neither
        // absurd dimensions nor an absurd count can make us allocate more than the entry holds.
        int weightCount = reader.ReadCount("WeightCount", sizeof(float));
        long expectedCount = TwoLayerNetwork<float>.CountParameters(inputSize, hiddenSize);
        if (weightCount != expectedCount)
        {
            throw reader.Fail($"a {inputSize}→{hiddenSize}→1 network has {expectedCount} weights, but the entry stores {weightCount}");
        }
        float[] parameters = reader.ReadFiniteSingles(weightCount, "Weights");
        int stopReason = reader.ReadInt32("StopReason");
        if (!Enum.IsDefined((StopReason)stopReason) || (version1 && stopReason > (int)StopReason.EarlyStopping))
        {
            throw reader.Fail($"StopReason {stopReason} is unknown");
        }
        int restarts = reader.ReadInt32("Restarts");
        if (restarts < 0)
        {
            throw reader.Fail($"Restarts {restarts} is negative");
        }
        LossHistory trainingLoss, validationLoss;
        float[] offset = [], scale = [];
        if (version1)
        {
            // Every epoch, unbounded: read value by value into bounded histories, which downsample past their capacity.
            trainingLoss = ReadVersion1History(ref reader, "TrainingLoss");
            validationLoss = ReadVersion1History(ref reader, "ValidationLoss");
        }
        else
        {
            int epochs = reader.ReadInt32("EpochsRun");
            int stride = reader.ReadInt32("LossHistoryStride");
            if (epochs < 1 || stride < 1 || !BitOperations.IsPow2(stride))
            {
                throw reader.Fail($"EpochsRun {epochs} must be at least 1 and LossHistoryStride {stride} a power of two");
            }
            int count = reader.ReadCount("TrainingLossCount", sizeof(double));
            if (count != epochs / stride || count > LossHistory.Capacity)
            {
                throw reader.Fail($"TrainingLossCount {count} must be EpochsRun / LossHistoryStride = {epochs / stride}, at most {LossHistory.Capacity}");
            }
            trainingLoss = LossHistory.From(reader.ReadDoubles(count, "TrainingLoss"), stride, epochs);
            int validationCount = reader.ReadCount("ValidationLossCount", sizeof(double));
            if (validationCount != 0 && validationCount != count)
            {
                throw reader.Fail($"ValidationLossCount {validationCount} must be 0 or TrainingLossCount {count}");
            }
            validationLoss = LossHistory.From(reader.ReadDoubles(validationCount, "ValidationLoss"), stride, validationCount == 0 ? 0 : epochs);
            int standardized = reader.ReadInt32("StandardizedCount");
            if (standardized != 0 && standardized != inputSize)
            {
                throw reader.Fail($"StandardizedCount {standardized} must be 0 or InputSize {inputSize}");
            }
            offset = reader.ReadFiniteSingles(standardized, "FeatureOffset");
            scale = reader.ReadFiniteSingles(standardized, "FeatureScale");
            if (Array.Exists(scale, v => !(v > 0)))
            {
                throw reader.Fail("every FeatureScale must be positive");
            }
        }
        XorMlpEstimator.Options options = SavedOptions.Read(ref reader,
            version1 ? FeatureNormalization.No : XorMlpEstimator.Options.Defaults.NormalizeFeatures);
        reader.EnsureEnd();
        if (options.HiddenLayerSize != hiddenSize)
        {
            throw reader.Fail($"HiddenSize {hiddenSize} disagrees with the saved option HiddenLayerSize {options.HiddenLayerSize}");
        }
        if (!version1 && options.NormalizeFeatures != FeatureNormalization.Auto
            && (options.NormalizeFeatures == FeatureNormalization.No) != (offset.Length == 0))
        {
            throw reader.Fail($"the saved option NormalizeFeatures {options.NormalizeFeatures} disagrees with StandardizedCount {offset.Length}");
        }
        return new XorMlpModelParameters(env, inputSize, hiddenSize, parameters, offset, scale, trainingLoss, validationLoss,
            (StopReason)stopReason, restarts, options);
    }

    /// <summary>A loss history of format 0x00010001: int32 count, then a float64 per epoch.</summary>
    private static LossHistory ReadVersion1History(ref PayloadReader reader, string field)
    {
        int count = reader.ReadCount(field + "Count", sizeof(double));
        var history = new LossHistory();
        for (int i = 0; i < count; i++)
        {
            history.Add(reader.ReadDouble(field));
        }
        return history;
    }

    #endregion
}
