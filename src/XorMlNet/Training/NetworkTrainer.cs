using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using XorMlNet.Network;

namespace XorMlNet.Training;

/// <summary>
/// Trains a <see cref="TwoLayerNetwork{T}"/> on plain spans: the notebook's loop (forward, MSE, backward, step)
/// with a choice of solver, mini-batches, L2, validation with early stopping, a loss tolerance and restarts from
/// fresh weights when an attempt stalls. Knows nothing of ML.NET. Every buffer is allocated once per call, before
/// the first epoch, except the loss histories, which grow by a 64 KB chunk every 8,192 epochs; the same settings
/// and seed give bit-identical weights.
/// </summary>
/// <remarks>
/// <see cref="double"/> runs on the network's own generic kernels (<see cref="TwoLayerNetwork{T}.Forward"/> and
/// <see cref="TwoLayerNetwork{T}.Backward"/>), the reference that follows numpy's trajectory. <see cref="float"/> runs on
/// fast kernels (16-row SIMD tiles, a vectorized sigmoid within 2 ulp of the exact one, several threads for batches of more
/// than 4096 rows): the same mathematics, with fused multiply-adds and another summation order, so its weights differ
/// from the reference's in the last bits but are bit-identical for any number of threads and any vector width.
/// </remarks>
public static class NetworkTrainer
{
    /// <summary>
    /// Rows the reference kernels process per forward/backward block: bounds their activation buffers whatever the
    /// table's size, and is how often they check cancellation. The gradient is the same sum whatever the block size,
    /// up to rounding. (The vector kernels work in blocks of <see cref="Simd.TileScratch.BlockRows"/>.)
    /// </summary>
    internal const int ReferenceBlockRows = 1024;

    /// <summary>Mixed into <see cref="TrainingSettings.Seed"/> so that row shuffles do not reuse the weights' random stream.</summary>
    private const uint DataStreamSalt = 0x9E3779B9u;

    /// <summary>
    /// The network a training run starts from: d → H → 1 with the first draw of <c>NumpyRandom(Seed)</c> at
    /// <see cref="TrainingSettings.InitialWeightScale"/> (<see cref="TwoLayerNetwork{T}.InitializeNormal"/>; the notebook's
    /// weights for seed 42 and scale 0.1). A restart continues that stream (<see cref="TrainingSettings.MaxRestarts"/>), so
    /// with a network made here attempt k starts from the k-th draw of the seed's stream.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    public static TwoLayerNetwork<T> CreateNetwork<T>(int inputSize, int hiddenSize, TrainingSettings settings)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(settings);
        var network = new TwoLayerNetwork<T>(inputSize, hiddenSize);
        network.InitializeNormal(new NumpyRandom(settings.Seed), settings.InitialWeightScale);
        return network;
    }

    /// <summary>Trains <paramref name="network"/> in place on the rows of <paramref name="features"/>, without validation rows
    /// (unless <see cref="TrainingSettings.ValidationFraction"/> holds some out).</summary>
    /// <inheritdoc cref="Train{T}(TwoLayerNetwork{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, TrainingSettings)"/>
    public static TrainingResult Train<T>(TwoLayerNetwork<T> network, ReadOnlySpan<T> features, ReadOnlySpan<T> targets, TrainingSettings settings)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Train(network, features, targets, ReadOnlySpan<T>.Empty, ReadOnlySpan<T>.Empty, settings);

    /// <summary>
    /// Trains <paramref name="network"/> in place on the rows of <paramref name="features"/>, measuring the validation
    /// loss after every epoch on the validation rows (for early stopping and reporting).
    /// </summary>
    /// <param name="network">Initialised network (<see cref="CreateNetwork{T}"/> draws the weights a restart continues from);
    /// updated in place. When training stops early (or runs out of epochs
    /// with early stopping on), it ends with the weights of the best validation epoch; when it runs out of epochs
    /// without early stopping and the last epoch's training loss is above the lowest one seen, with the weights that
    /// lowest loss was measured on (those before that epoch's update), over every restart.</param>
    /// <param name="features">n×d row-major, d = <see cref="TwoLayerNetwork{T}.InputSize"/>.</param>
    /// <param name="targets">n targets in [0, 1].</param>
    /// <param name="validationFeatures">m×d row-major; empty for none.</param>
    /// <param name="validationTargets">m targets; empty for none.</param>
    /// <param name="settings">Solver, stopping rules, seed, progress and cancellation; see <see cref="TrainingSettings"/>.</param>
    /// <returns>Loss histories, epochs run, why training stopped and how many restarts happened.</returns>
    /// <exception cref="ArgumentException">The spans do not describe whole rows of d features with one target each,
    /// there are no training rows, or <see cref="TrainingSettings.ValidationFraction"/> leaves one side without rows.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (named by the exception's ParamName).</exception>
    /// <exception cref="TrainingDivergedException">Training diverged: the initial weights, the loss or a parameter became
    /// NaN or infinite, or the loss ended more than 1.5 times above the first epoch's without ever going 1 % below it.
    /// The message names the epoch and the option most likely at fault (<see cref="TrainingDivergedException.OptionName"/>).</exception>
    /// <exception cref="OperationCanceledException">The settings' token was cancelled.</exception>
    public static TrainingResult Train<T>(TwoLayerNetwork<T> network, ReadOnlySpan<T> features, ReadOnlySpan<T> targets,
        ReadOnlySpan<T> validationFeatures, ReadOnlySpan<T> validationTargets, TrainingSettings settings)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        int d = network.InputSize;
        int rows = CheckRows(features, targets, d, nameof(features), nameof(targets));
        if (rows == 0)
        {
            throw new ArgumentException("There are no training rows.", nameof(targets));
        }
        bool hasValidation = validationFeatures.Length > 0 || validationTargets.Length > 0;
        if (hasValidation)
        {
            CheckRows(validationFeatures, validationTargets, d, nameof(validationFeatures), nameof(validationTargets));
        }

        NumpyRandom dataRandom = CreateDataRandom(settings.Seed);
        if (!hasValidation && settings.ValidationFraction > 0)
        {
            CancellationToken cancellation = settings.CancellationToken;
            cancellation.ThrowIfCancellationRequested();
            var permutation = new int[rows];
            int held = SplitRows(rows, settings.ValidationFraction, dataRandom, permutation);
            var trainX = new T[(rows - held) * d];
            var trainY = new T[rows - held];
            var validX = new T[held * d];
            var validY = new T[held];
            GatherRows(features, targets, permutation.AsSpan(0, held), d, validX, validY, cancellation);
            GatherRows(features, targets, permutation.AsSpan(held), d, trainX, trainY, cancellation);
            features = trainX;
            targets = trainY;
            validationFeatures = validX;
            validationTargets = validY;
            rows -= held;
            hasValidation = true;
        }

        using var run = new Run<T>(network, settings, rows, validationTargets.Length);
        return run.Train(features, targets, validationFeatures, validationTargets, dataRandom);
    }

    /// <summary>
    /// Trains <paramref name="network"/> in place on rows held in compressed sparse form: the same loop, settings, stopping
    /// rules and results as the dense overload, with the first layer computed over the stored non-zeros only
    /// (<see cref="SparseEngine"/>: O(nnz·H) per epoch), bit-identical for any number of threads.
    /// </summary>
    /// <param name="network">Initialised network; updated in place (see the dense overload).</param>
    /// <param name="features">n rows of d = <see cref="TwoLayerNetwork{T}.InputSize"/> columns.</param>
    /// <param name="targets">n targets in [0, 1].</param>
    /// <param name="validationFeatures">m rows of d columns; null for none.</param>
    /// <param name="validationTargets">m targets; empty for none.</param>
    /// <param name="settings">As for the dense overload; <see cref="TrainingSettings.UseReferenceKernels"/> does not apply.</param>
    /// <exception cref="ArgumentException">The matrices do not have d columns or one target per row, there are no
    /// training rows, or <see cref="TrainingSettings.ValidationFraction"/> leaves one side without rows.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (named by the exception's ParamName).</exception>
    /// <exception cref="TrainingDivergedException">Training diverged (see the dense overload).</exception>
    /// <exception cref="OperationCanceledException">The settings' token was cancelled.</exception>
    internal static TrainingResult Train(TwoLayerNetwork<float> network, CsrMatrix features, float[] targets,
        CsrMatrix? validationFeatures, float[] validationTargets, TrainingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(validationTargets);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        int rows = CheckRows(features, targets, network.InputSize, nameof(features), nameof(targets));
        if (rows == 0)
        {
            throw new ArgumentException("There are no training rows.", nameof(targets));
        }
        bool hasValidation = validationFeatures is not null && (validationFeatures.RowCount > 0 || validationTargets.Length > 0);
        if (hasValidation)
        {
            CheckRows(validationFeatures!, validationTargets, network.InputSize, nameof(validationFeatures), nameof(validationTargets));
        }

        NumpyRandom dataRandom = CreateDataRandom(settings.Seed);
        if (!hasValidation && settings.ValidationFraction > 0)
        {
            settings.CancellationToken.ThrowIfCancellationRequested();
            var permutation = new int[rows];
            int held = SplitRows(rows, settings.ValidationFraction, dataRandom, permutation);
            validationFeatures = features.SelectRows(permutation.AsSpan(0, held));
            validationTargets = Gather(targets, permutation.AsSpan(0, held));
            features = features.SelectRows(permutation.AsSpan(held));
            targets = Gather(targets, permutation.AsSpan(held));
            rows -= held;
            hasValidation = true;
        }

        using var run = new Run<float>(network, settings, rows, hasValidation ? validationTargets.Length : 0, sparse: true);
        return run.TrainSparse(features, targets, hasValidation ? validationFeatures : null, hasValidation ? validationTargets : [], dataRandom);

        static float[] Gather(float[] values, ReadOnlySpan<int> indices)
        {
            var gathered = new float[indices.Length];
            for (int k = 0; k < indices.Length; k++)
            {
                gathered[k] = values[indices[k]];
            }
            return gathered;
        }
    }

    private static int CheckRows(CsrMatrix features, float[] targets, int d, string featuresName, string targetsName)
    {
        if (features.ColumnCount != d)
        {
            throw new ArgumentException($"The network takes {d} features, but {featuresName} has {features.ColumnCount} columns.", featuresName);
        }
        if (features.RowCount != targets.Length)
        {
            throw new ArgumentException($"{features.RowCount} rows of {featuresName} need as many targets, but {targetsName} has {targets.Length}.", targetsName);
        }
        return targets.Length;
    }

    /// <summary>
    /// The bytes a float training allocates besides the training table it is given: the network and the parameter-sized
    /// arrays of a run (gradient, two best-weight snapshots, the solver's moments, the best validation weights), the
    /// engine's buffers (<see cref="FastEngine.BytesFor"/> or <see cref="SparseEngine.BytesFor"/>), the row order of
    /// mini-batches, the copy of the table that <see cref="TrainingSettings.ValidationFraction"/> splits into training and
    /// validation rows (<paramref name="tableBytes"/> again), and the fitted model's copy of the weights.
    /// </summary>
    /// <param name="inputs">d.</param>
    /// <param name="hidden">H.</param>
    /// <param name="rows">Training rows before any validation split.</param>
    /// <param name="validationRows">Validation rows given apart (0 for none).</param>
    /// <param name="tableBytes">Bytes of the training table (features and labels).</param>
    /// <param name="sparse">Whether the rows are in compressed sparse form.</param>
    /// <param name="settings">Solver, batch size, validation and threads.</param>
    internal static long TrainingBytes(int inputs, int hidden, long rows, long validationRows, long tableBytes, bool sparse, TrainingSettings settings)
    {
        checked
        {
            long p = NetworkSizes.ParameterCount(inputs, hidden);
            long held = validationRows == 0 && settings.ValidationFraction > 0 ? (long)Math.Round(settings.ValidationFraction * rows, MidpointRounding.AwayFromZero) : 0;
            long trainRows = rows - held, validation = validationRows + held;
            long batchRows = settings.BatchSize == 0 || settings.BatchSize >= trainRows ? trainRows : settings.BatchSize;
            bool shuffled = batchRows < trainRows;
            bool earlyStopping = validation > 0 && settings.EpochsWithoutImprovement > 0;
            long copies = 1 /* network */ + 1 /* gradient */ + 2 /* snapshots */ + 1 /* model */
                + (settings.Solver is Solver.Momentum or Solver.Adam ? 1 : 0) + (settings.Solver is Solver.Adam ? 1 : 0) + (earlyStopping ? 1 : 0);
            // The scorer's copy of W1, rows padded to a multiple of 8 and hidden units to a multiple of 16.
            long scorer = (((long)inputs + 7) & ~7L) * ((hidden + 15L) / 16 * 16) + 2 * ((hidden + 15L) / 16 * 16);
            int batch = (int)Math.Min(batchRows, int.MaxValue), heldOut = (int)Math.Min(validation, int.MaxValue);
            long engine = sparse
                ? SparseEngine.BytesFor(hidden, batch, heldOut, settings.NumberOfThreads)
                : FastEngine.BytesFor(inputs, hidden, batch, heldOut, fullBatch: !shuffled, settings.NumberOfThreads);
            return (copies * p + scorer) * sizeof(float) + engine + (shuffled ? trainRows * sizeof(int) : 0)
                + (held > 0 ? tableBytes + rows * sizeof(int) : 0);
        }
    }

    /// <summary>The generator of row shuffles and of the validation split for a given <see cref="TrainingSettings.Seed"/>.</summary>
    internal static NumpyRandom CreateDataRandom(uint seed) => new(seed ^ DataStreamSalt);

    /// <summary>
    /// Fills <paramref name="permutation"/> with a Fisher–Yates permutation of 0..rows−1 drawn from
    /// <paramref name="random"/> and returns how many of its first entries are validation rows: round(fraction · rows),
    /// halves away from zero.
    /// </summary>
    /// <exception cref="ArgumentException">Either side would have no rows.</exception>
    internal static int SplitRows(int rows, double fraction, NumpyRandom random, Span<int> permutation)
    {
        int held = (int)Math.Round(fraction * rows, MidpointRounding.AwayFromZero);
        if (held < 1 || held > rows - 1)
        {
            throw new ArgumentException(
                $"ValidationFraction {fraction} of {rows} training rows would hold out {held} rows for validation, " +
                "but both the training and the validation side need at least one row. Use more rows, another fraction, or pass validation rows.",
                "settings");
        }
        for (int i = 0; i < permutation.Length; i++)
        {
            permutation[i] = i;
        }
        Shuffle(permutation, random);
        return held;
    }

    /// <summary>Fisher–Yates shuffle in place, uniform over permutations (every mini-batch epoch shuffles all rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Shuffle(Span<int> values, NumpyRandom random)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = random.NextInt32(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    /// <summary>
    /// Copies the rows <paramref name="indices"/> of (x, y), in that order, into (xOut, yOut), checking
    /// <paramref name="cancellation"/> every <see cref="ReferenceBlockRows"/> rows.
    /// </summary>
    private static void GatherRows<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<int> indices, int d, Span<T> xOut, Span<T> yOut,
        CancellationToken cancellation = default)
    {
        for (int k = 0; k < indices.Length; k++)
        {
            if (k % ReferenceBlockRows == 0)
            {
                cancellation.ThrowIfCancellationRequested();
            }
            int row = indices[k];
            x.Slice(row * d, d).CopyTo(xOut.Slice(k * d, d));
            yOut[k] = y[row];
        }
    }

    private static int CheckRows<T>(ReadOnlySpan<T> features, ReadOnlySpan<T> targets, int d, string featuresName, string targetsName)
    {
        if ((long)targets.Length * d != features.Length)
        {
            throw new ArgumentException(
                $"{targets.Length} targets ({targetsName}) need {(long)targets.Length * d} feature values of {d} per row, but {features.Length} were given.",
                featuresName);
        }
        return targets.Length;
    }

    /// <summary>
    /// Runs the epochs of a full-batch or mini-batch training one at a time, without the stopping rules, restarts or
    /// histories of <see cref="Train{T}(TwoLayerNetwork{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, TrainingSettings)"/>:
    /// for benchmarks and for the tests that measure what a single epoch costs. Holds its arrays pinned until disposed.
    /// </summary>
    internal sealed unsafe class EpochRunner<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Run<T> _run;
        private readonly T[] _features;
        private readonly T[] _targets;
        private readonly NumpyRandom _dataRandom;
        private GCHandle _pinnedFeatures;
        private GCHandle _pinnedTargets;
        private GCHandle _pinnedParameters;

        public EpochRunner(TwoLayerNetwork<T> network, T[] features, T[] targets, TrainingSettings settings)
        {
            ArgumentNullException.ThrowIfNull(network);
            settings.Validate();
            int rows = CheckRows<T>(features, targets, network.InputSize, nameof(features), nameof(targets));
            _features = features;
            _targets = targets;
            _dataRandom = CreateDataRandom(settings.Seed);
            _run = new Run<T>(network, settings, rows, 0);
            _pinnedFeatures = GCHandle.Alloc(features, GCHandleType.Pinned);
            _pinnedTargets = GCHandle.Alloc(targets, GCHandleType.Pinned);
            _pinnedParameters = GCHandle.Alloc(network.ParameterArray, GCHandleType.Pinned);
            _run.Bind((T*)_pinnedParameters.AddrOfPinnedObject(), (T*)_pinnedFeatures.AddrOfPinnedObject(),
                (T*)_pinnedTargets.AddrOfPinnedObject(), null, null, 0);
        }

        /// <summary>One epoch (forward, backward and solver step per batch); returns its training loss.</summary>
        public double TrainEpoch() => _run.TrainEpoch(_features, _targets, _dataRandom);

        /// <summary>Adam updates made so far (the t of the last one); settable so that tests can start near the counter's limits.</summary>
        public long AdamSteps
        {
            get => _run.AdamSteps;
            set => _run.AdamSteps = value;
        }

        public void Dispose()
        {
            _run.Dispose();
            if (_pinnedFeatures.IsAllocated)
            {
                _pinnedFeatures.Free();
                _pinnedTargets.Free();
                _pinnedParameters.Free();
            }
        }
    }

    /// <summary>
    /// One call's training state: buffers sized once, solver state, stopping and restart bookkeeping. Data stay
    /// spans, passed to each method (and, for the fast float path, pinned pointers bound once).
    /// </summary>
    private sealed unsafe class Run<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly TwoLayerNetwork<T> _network;
        private readonly FastEngine? _fast;
        private readonly SparseEngine? _sparse;
        private CsrMatrix? _sparseX;
        private readonly TrainingSettings _settings;
        private readonly int _rows;
        private readonly int _batchRows;
        private readonly int _blockRows;
        private readonly int[] _order;
        private readonly T[] _batchX;
        private readonly T[] _batchY;
        private readonly T[] _hidden;
        private readonly T[] _output;
        private readonly T[] _gradient;
        private readonly T[] _delta1;
        private readonly T[] _first;
        private readonly T[] _second;
        private readonly T[] _bestValidationWeights;
        private readonly T[] _snapshotA;
        private readonly T[] _snapshotB;
        private readonly T _learningRate;
        private readonly T _momentum;
        private readonly T _epsilon;
        private readonly T _lambda;
        private readonly NumpyRandom? _restartRandom;
        /// <summary>Adam's t: a long, since a long run of small batches can make more than 2³¹ updates.</summary>
        private long _solverSteps;

        /// <summary>The last epoch's training MSE without the L2 penalty: what <see cref="TrainingSettings.LossTolerance"/> compares.</summary>
        private double _dataLoss;
        private bool _initialDrawReplayed;

        public Run(TwoLayerNetwork<T> network, TrainingSettings settings, int rows, int validationRows, bool sparse = false)
        {
            _network = network;
            _settings = settings;
            _rows = rows;
            int parameters = network.Parameters.Length, h = network.HiddenSize, d = network.InputSize;
            _batchRows = settings.BatchSize == 0 || settings.BatchSize >= rows ? rows : settings.BatchSize;
            NetworkSizes.Check(d, h, _batchRows, "features", "network.InputSize", nameof(network));
            _blockRows = Math.Min(_batchRows, ReferenceBlockRows);
            bool shuffled = _batchRows < rows;
            bool fast = typeof(T) == typeof(float) && (sparse || !settings.UseReferenceKernels);
            // The fast path reads the order and writes the gradient through pointers, from several threads.
            _order = shuffled ? GC.AllocateUninitializedArray<int>(rows, pinned: fast) : [];
            for (int i = 0; i < _order.Length; i++)
            {
                _order[i] = i;
            }
            _gradient = GC.AllocateArray<T>(parameters, pinned: fast);
            if (sparse)
            {
                _sparse = new SparseEngine(d, h, _batchRows, validationRows, settings);
                _batchX = _batchY = _hidden = _output = _delta1 = [];
            }
            else if (fast)
            {
                _fast = new FastEngine(d, h, _batchRows, validationRows, fullBatch: !shuffled, settings);
                _batchX = _batchY = _hidden = _output = _delta1 = [];
            }
            else
            {
                _batchX = shuffled ? new T[_blockRows * d] : [];
                _batchY = shuffled ? new T[_blockRows] : [];
                int bufferRows = Math.Max(_blockRows, Math.Min(validationRows, ReferenceBlockRows));
                _hidden = new T[bufferRows * h];
                _output = new T[bufferRows];
                _delta1 = new T[h];
            }
            _first = settings.Solver is Solver.Momentum or Solver.Adam ? new T[parameters] : [];
            _second = settings.Solver is Solver.Adam ? new T[parameters] : [];
            _bestValidationWeights = validationRows > 0 && settings.EpochsWithoutImprovement > 0 ? new T[parameters] : [];
            _snapshotA = new T[parameters];
            _snapshotB = new T[parameters];
            _restartRandom = settings.MaxRestarts > 0 ? new NumpyRandom(settings.Seed) : null;
            _learningRate = T.CreateChecked(settings.LearningRate);
            _momentum = T.CreateChecked(settings.Momentum);
            _epsilon = T.CreateChecked(settings.Epsilon);
            _lambda = T.CreateChecked(settings.L2Regularization);
        }

        public void Dispose()
        {
            _fast?.Dispose();
            _sparse?.Dispose();
        }

        /// <summary>Trains on rows in compressed sparse form (T is float): binds the sparse engine, then the common loop.</summary>
        public TrainingResult TrainSparse(CsrMatrix x, float[] y, CsrMatrix? validationX, float[] validationY, NumpyRandom dataRandom)
        {
            _sparseX = x;
            _sparse!.Bind((float[])(object)_network.ParameterArray, x, y, _order.Length > 0 ? _order : null, validationX, validationY);
            return TrainBound(ReadOnlySpan<T>.Empty, MemoryMarshal.Cast<float, T>(y.AsSpan()), ReadOnlySpan<T>.Empty,
                MemoryMarshal.Cast<float, T>(validationY.AsSpan()), dataRandom);
        }

        /// <summary>Adam updates made since the last (re)start: the t of the last update.</summary>
        public long AdamSteps
        {
            get => _solverSteps;
            set => _solverSteps = value;
        }

        /// <summary>
        /// Points the fast engine at the data and parameters; they must stay pinned until the last epoch (Train pins
        /// them for its duration, <see cref="EpochRunner{T}"/> for its lifetime).
        /// </summary>
        public void Bind(T* theta, T* x, T* y, T* validationX, T* validationY, int validationRows)
        {
            if (_fast is null)
            {
                return;
            }
            int* order = null;
            if (_order.Length > 0)
            {
                order = (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_order));
            }
            _fast.Bind((float*)theta, (float*)x, (float*)y, _rows, order, (float*)validationX, (float*)validationY, validationRows);
        }

        public TrainingResult Train(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> validationX, ReadOnlySpan<T> validationY,
            NumpyRandom dataRandom)
        {
            fixed (T* theta = _network.Parameters, px = x, py = y, pvx = validationX, pvy = validationY)
            {
                Bind(theta, px, py, pvx, pvy, validationY.Length);
                return TrainBound(x, y, validationX, validationY, dataRandom);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private TrainingResult TrainBound(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> validationX, ReadOnlySpan<T> validationY,
            NumpyRandom dataRandom)
        {
            TrainingSettings settings = _settings;
            bool hasValidation = validationY.Length > 0;
            bool earlyStopping = _bestValidationWeights.Length > 0;
            var trainingLosses = new LossHistory();
            var validationLosses = new LossHistory();
            var clock = Stopwatch.StartNew();
            // The settings read every epoch, as locals.
            int numberOfEpochs = settings.NumberOfEpochs, maxRestarts = settings.MaxRestarts, restartPatience = settings.RestartPatience;
            int epochsWithoutImprovement = settings.EpochsWithoutImprovement;
            double lossTolerance = settings.LossTolerance, keptFraction = 1 - settings.RestartMinimumImprovement;
            Action<TrainingProgress>? report = settings.Progress;
            int progressInterval = settings.ProgressInterval, untilProgress = progressInterval;

            double bestValidation = double.PositiveInfinity;
            int bestValidationEpoch = 0;
            double attemptBestValidation = double.PositiveInfinity;
            int attemptBestValidationEpoch = 0;
            int restarts = 0;
            double progressLoss = double.PositiveInfinity;
            int progressEpoch = 0;
            StopReason? stop = null;
            double loss = double.NaN;

            // The best weights by training loss: the loss of epoch e is measured on the weights before its update, so
            // those are copied before every epoch, alternately into two buffers, one of which holds the best so far. The
            // copy also checks that they are finite, i.e. that the previous epoch's update was; after the last epoch,
            // and before a restart replaces them, they are checked on their own.
            double firstLoss = double.NaN, bestLoss = double.PositiveInfinity;
            int bestEpoch = 0;
            double attemptFirstLoss = double.NaN, attemptBestLoss = double.PositiveInfinity;
            T[] snapshot = _snapshotA, bestSnapshot = _snapshotB;

            if (!Kernels.AllFinite<T>(_network.Parameters))
            {
                throw Diverged(0, "the initial weights are not all finite", nameof(TrainingSettings.InitialWeightScale));
            }

            int epoch;
            for (epoch = 1; stop is null; epoch++)
            {
                if (!Kernels.CopyAllFinite<T>(_network.Parameters, snapshot))
                {
                    throw ParameterDiverged(epoch - 1);
                }
                loss = TrainEpoch(x, y, dataRandom);
                if (!double.IsFinite(loss))
                {
                    throw Diverged(epoch, $"the training loss became {loss}", OptionAtFault());
                }
                if (epoch == 1)
                {
                    firstLoss = loss;
                }
                if (double.IsNaN(attemptFirstLoss))
                {
                    attemptFirstLoss = loss;
                }
                attemptBestLoss = Math.Min(attemptBestLoss, loss);
                if (loss < bestLoss)
                {
                    bestLoss = loss;
                    bestEpoch = epoch;
                    (snapshot, bestSnapshot) = (bestSnapshot, snapshot);
                }
                trainingLosses.Add(loss);
                untilProgress--;

                double validationLoss = double.NaN;
                if (hasValidation)
                {
                    validationLoss = MeanSquaredError(validationX, validationY);
                    validationLosses.Add(validationLoss);
                    if (earlyStopping && validationLoss < bestValidation)
                    {
                        bestValidation = validationLoss;
                        bestValidationEpoch = epoch;
                        _network.Parameters.CopyTo(_bestValidationWeights);
                    }
                    if (validationLoss < attemptBestValidation)
                    {
                        attemptBestValidation = validationLoss;
                        attemptBestValidationEpoch = epoch;
                    }
                }

                if (loss < progressLoss * keptFraction)
                {
                    progressLoss = loss;
                    progressEpoch = epoch;
                }

                if (_dataLoss < lossTolerance)
                {
                    stop = StopReason.LossToleranceReached;
                }
                else if (earlyStopping && epoch - attemptBestValidationEpoch >= epochsWithoutImprovement)
                {
                    stop = StopReason.EarlyStopping;
                }
                else if (epoch == numberOfEpochs)
                {
                    stop = StopReason.MaximumEpochs;
                }
                else if (restarts < maxRestarts && epoch - progressEpoch >= restartPatience)
                {
                    if (HasDiverged(attemptFirstLoss, attemptBestLoss, loss))
                    {
                        // A fresh draw rescues a local minimum or a long plateau, not a step too large for the table:
                        // the next attempt would diverge alike, so the run stops here rather than spend its budget.
                        throw Diverged(epoch, DivergedWhat(attemptFirstLoss, loss), OptionAtFault());
                    }
                    if (!Kernels.AllFinite<T>(_network.Parameters))
                    {
                        throw ParameterDiverged(epoch);
                    }
                    attemptFirstLoss = double.NaN;
                    attemptBestLoss = double.PositiveInfinity;
                    DrawFreshWeights();
                    restarts++;
                    progressLoss = double.PositiveInfinity;
                    progressEpoch = epoch;
                    attemptBestValidation = double.PositiveInfinity;
                    attemptBestValidationEpoch = epoch;
                }

                if (untilProgress == 0 || stop is not null)
                {
                    // Every ProgressInterval epochs (epoch % ProgressInterval == 0) and after the last.
                    if (untilProgress == 0)
                    {
                        untilProgress = progressInterval;
                    }
                    report?.Invoke(new TrainingProgress(epoch, loss, validationLoss, clock.Elapsed));
                }
            }

            int epochsRun = epoch - 1;
            if (!Kernels.AllFinite<T>(_network.Parameters))
            {
                throw ParameterDiverged(epochsRun);
            }
            int givenBackEpoch = epochsRun;
            double givenBackLoss = loss;
            if (earlyStopping && stop is StopReason.EarlyStopping or StopReason.MaximumEpochs)
            {
                _bestValidationWeights.CopyTo(_network.Parameters);
                givenBackEpoch = bestValidationEpoch;
                givenBackLoss = bestValidation;
            }
            else if (stop is StopReason.MaximumEpochs && bestLoss < loss * (1 - MinimumImprovement))
            {
                bestSnapshot.CopyTo(_network.Parameters);
                givenBackEpoch = bestEpoch;
                givenBackLoss = bestLoss;
            }

            if (stop is StopReason.MaximumEpochs or StopReason.EarlyStopping)
            {
                stop = Verdict(x, y, firstLoss, bestLoss, loss, epochsRun) ?? stop;
            }
            return new TrainingResult(trainingLosses, validationLosses, stop.Value, restarts, givenBackEpoch, givenBackLoss);
        }

        /// <summary>Relative decrease of the training loss below the first epoch's that counts as having learnt something.</summary>
        private const double MinimumImprovement = 0.01;

        /// <summary>A loss this many times the first epoch's, with no improvement on it, is divergence.</summary>
        private const double DivergedLossFactor = 1.5;

        /// <summary>Probabilities closer than this on every training row count as one constant output.</summary>
        private const double ConstantOutputSpread = 1e-6;

        /// <summary>Rows on which a constant output is looked for: the first ones, a bounded cost after any run.</summary>
        private const int ConstantOutputRows = 16_384;

        /// <summary>
        /// How a run that ended on its epoch budget or early stopping went: null when it learnt; a failure
        /// <see cref="StopReason"/> when it learnt nothing or predicts one class; a <see cref="TrainingDivergedException"/>
        /// when its loss ended far above its start without ever improving on it.
        /// </summary>
        private StopReason? Verdict(ReadOnlySpan<T> x, ReadOnlySpan<T> y, double firstLoss, double bestLoss, double lastLoss, int epochsRun)
        {
            // The baseline is the better of the start and the best constant prediction (the mean target, whose MSE is
            // the targets' variance): a network that only learnt the base rate predicts the majority class.
            double baseline = Math.Min(firstLoss, ConstantPredictionLoss(y));
            if (!Improved(baseline, bestLoss))
            {
                if (HasDiverged(firstLoss, bestLoss, lastLoss))
                {
                    throw Diverged(epochsRun, DivergedWhat(firstLoss, lastLoss), OptionAtFault());
                }
                return StopReason.NoImprovement;
            }
            return HasConstantOutput(x, y) ? StopReason.ConstantOutput : null;
        }

        /// <summary>The MSE of predicting the mean target for every row: the targets' (population) variance.</summary>
        private static double ConstantPredictionLoss(ReadOnlySpan<T> y)
        {
            double sum = 0;
            foreach (T value in y)
            {
                sum += double.CreateChecked(value);
            }
            double mean = sum / y.Length, squares = 0;
            foreach (T value in y)
            {
                double deviation = double.CreateChecked(value) - mean;
                squares += deviation * deviation;
            }
            return squares / y.Length;
        }

        /// <summary>Whether a run (or attempt) that started at <paramref name="first"/> got 1 % below it at its best.</summary>
        private static bool Improved(double first, double best) => !(first > 0) || best < first * (1 - MinimumImprovement);

        /// <summary>Divergence without NaN: the loss never improved on its start and now stands more than 1.5 times above it.</summary>
        private static bool HasDiverged(double first, double best, double last) => !Improved(first, best) && last > first * DivergedLossFactor;

        private static string DivergedWhat(double first, double last)
            => $"the training loss rose from {first:G4} to {last:G4} and never went below where it started";

        /// <summary>
        /// Whether the network gives every one of the first <see cref="ConstantOutputRows"/> training rows the same
        /// probability although their targets differ (with equal targets a constant is the right answer).
        /// </summary>
        private bool HasConstantOutput(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
        {
            int d = _network.InputSize, h = _network.HiddenSize;
            int rows = Math.Min(y.Length, ConstantOutputRows);
            if (!y[..rows].ContainsAnyExcept(y[0]))
            {
                return false;
            }
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            if (_sparse is not null)
            {
                var probabilities = new float[rows];
                _sparse.Predict((float[])(object)_network.ParameterArray, _sparseX!, probabilities);
                foreach (float p in probabilities)
                {
                    min = Math.Min(min, p);
                    max = Math.Max(max, p);
                }
                return max - min <= ConstantOutputSpread;
            }
            int block = Math.Min(rows, ReferenceBlockRows);
            var hidden = new T[block * h];
            var output = new T[block];
            for (int start = 0; start < rows; start += block)
            {
                int n = Math.Min(block, rows - start);
                _network.Forward(x.Slice(start * d, n * d), hidden.AsSpan(0, n * h), output.AsSpan(0, n));
                foreach (T value in output.AsSpan(0, n))
                {
                    double p = double.CreateChecked(value);
                    min = Math.Min(min, p);
                    max = Math.Max(max, p);
                }
            }
            return max - min <= ConstantOutputSpread;
        }

        /// <summary>
        /// The setting most likely behind a divergence: L2Regularization when it is 1 or more and its own term is unstable
        /// for the solver (gradient descent on λ/2·w² multiplies w by 1 − LearningRate·λ each step, which grows when
        /// LearningRate·λ &gt; 2, and with momentum μ when it exceeds 2(1 + μ)); otherwise LearningRate. Initial weights that are not finite
        /// are caught before the first epoch and blamed on InitialWeightScale.
        /// </summary>
        private string OptionAtFault()
        {
            TrainingSettings settings = _settings;
            double l2Step = settings.LearningRate * settings.L2Regularization;
            double stableL2Step = settings.Solver switch
            {
                Solver.GradientDescent => 2,
                Solver.Momentum => 2 * (1 + settings.Momentum),
                _ => double.PositiveInfinity, // Adam's step is bounded by LearningRate whatever the gradient.
            };
            // A penalty weight of 1 or more outweighs the MSE's own gradient (at most 2 · ¼ per unit of a weight's
            // input); below that, an unstable step is the learning rate's doing.
            return l2Step > stableL2Step && settings.L2Regularization >= 1
                ? nameof(TrainingSettings.L2Regularization)
                : nameof(TrainingSettings.LearningRate);
        }

        private TrainingDivergedException ParameterDiverged(int epoch) => Diverged(epoch, "a parameter became infinite or NaN", OptionAtFault());

        private TrainingDivergedException Diverged(int epoch, string what, string option)
        {
            double value = option switch
            {
                nameof(TrainingSettings.L2Regularization) => _settings.L2Regularization,
                nameof(TrainingSettings.InitialWeightScale) => _settings.InitialWeightScale,
                _ => _settings.LearningRate,
            };
            string advice = option == nameof(TrainingSettings.LearningRate) ? $"Lower {option}" : $"{option} is likely too large; lower it";
            string where = epoch == 0 ? "before the first epoch" : $"at epoch {epoch}";
            return new TrainingDivergedException($"Training diverged {where}: {what}. {advice} (now {value}).", option, epoch);
        }

        /// <summary>
        /// A restart: new weights and a fresh solver state. The weights come from <c>NumpyRandom(Seed)</c> after
        /// replaying the draw of <see cref="CreateNetwork{T}"/>, so that attempt k gets the k-th initialisation of
        /// numpy's stream for that seed.
        /// </summary>
        private void DrawFreshWeights()
        {
            NumpyRandom random = _restartRandom!;
            if (!_initialDrawReplayed)
            {
                _network.InitializeNormal(random, _settings.InitialWeightScale);
                _initialDrawReplayed = true;
            }
            _network.InitializeNormal(random, _settings.InitialWeightScale);
            Array.Clear(_first);
            Array.Clear(_second);
            _solverSteps = 0;
        }

        /// <summary>One pass over the training rows; returns the epoch's training loss (see <see cref="TrainingResult.TrainingLoss"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public double TrainEpoch(ReadOnlySpan<T> x, ReadOnlySpan<T> y, NumpyRandom dataRandom)
        {
            if (_order.Length > 0)
            {
                Shuffle(_order, dataRandom);
            }
            double squaredErrorSum = 0, weightedPenalty = 0;
            for (int batchStart = 0; batchStart < _rows; batchStart += _batchRows)
            {
                int batchRows = Math.Min(_batchRows, _rows - batchStart);
                if (_fast is not null)
                {
                    squaredErrorSum += FastGradient(batchStart, batchRows);
                }
                else if (_sparse is not null)
                {
                    float* gradient = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_gradient));
                    squaredErrorSum += _sparse.Gradient(batchStart, batchRows, 2f / batchRows, gradient);
                }
                else
                {
                    ReferenceGradient(x, y, batchStart, batchRows, ref squaredErrorSum);
                }
                if (_settings.L2Regularization > 0)
                {
                    weightedPenalty += batchRows * SolverSteps.AddL2(_network, _gradient, _lambda);
                }
                StepSolver();
            }
            _dataLoss = squaredErrorSum / _rows;
            return _dataLoss + weightedPenalty / _rows;
        }

        /// <summary>
        /// The batch's gradient into <c>_gradient</c> by the fast engine (T is float); returns its sum of squared errors.
        /// MSE over the batch = (1/B)·Σ(ŷ − y)², so dL/dŷ = (2/B)·(ŷ − y).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private double FastGradient(int batchStart, int batchRows)
        {
            // _gradient is pinned (allocated on the pinned heap) when the fast engine is in use.
            float* gradient = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_gradient));
            return _fast!.Gradient(batchStart, batchRows, 2f / batchRows, gradient);
        }

        /// <summary>
        /// The batch's gradient into <c>_gradient</c> by the network's own kernels, block by block, adding each block's sum
        /// of squared errors to <paramref name="squaredErrorSum"/>.
        /// </summary>
        private void ReferenceGradient(ReadOnlySpan<T> x, ReadOnlySpan<T> y, int batchStart, int batchRows, ref double squaredErrorSum)
        {
            TwoLayerNetwork<T> network = _network;
            CancellationToken cancellation = _settings.CancellationToken;
            int d = network.InputSize, h = network.HiddenSize;
            bool shuffled = _order.Length > 0;
            int batchEnd = batchStart + batchRows;
            Array.Clear(_gradient);
            // MSE over the batch = (1/B)·Σ(ŷ − y)², so dL/dŷ = (2/B)·(ŷ − y).
            T lossScale = T.CreateChecked(2.0) / T.CreateChecked(batchRows);
            for (int start = batchStart; start < batchEnd; start += _blockRows)
            {
                cancellation.ThrowIfCancellationRequested();
                int n = Math.Min(_blockRows, batchEnd - start);
                ReadOnlySpan<T> bx, by;
                if (shuffled)
                {
                    GatherRows(x, y, _order.AsSpan(start, n), d, _batchX, _batchY);
                    bx = _batchX.AsSpan(0, n * d);
                    by = _batchY.AsSpan(0, n);
                }
                else
                {
                    bx = x.Slice(start * d, n * d);
                    by = y.Slice(start, n);
                }
                Span<T> a1 = _hidden.AsSpan(0, n * h);
                Span<T> yHat = _output.AsSpan(0, n);
                network.Forward(bx, a1, yHat);
                squaredErrorSum += double.CreateChecked(Kernels.SumOfSquaredErrors<T>(yHat, by));
                network.Backward(bx, by, a1, yHat, lossScale, _gradient, _delta1);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void StepSolver()
        {
            Span<T> theta = _network.Parameters;
            switch (_settings.Solver)
            {
                case Solver.GradientDescent:
                    _network.Step(_gradient, _learningRate);
                    break;
                case Solver.Momentum:
                    SolverSteps.MomentumStep<T>(theta, _gradient, _first, _learningRate, _momentum, _settings.UseNesterov);
                    break;
                default:
                    SolverSteps.AdamStep<T>(theta, _gradient, _first, _second, _learningRate, _settings.Beta1, _settings.Beta2, _epsilon, ++_solverSteps);
                    break;
            }
        }

        /// <summary>Plain MSE of the network on (x, y), in blocks.</summary>
        private double MeanSquaredError(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
        {
            if (_fast is not null)
            {
                return _fast.ValidationSquaredError() / y.Length;
            }
            if (_sparse is not null)
            {
                return _sparse.ValidationSquaredError() / y.Length;
            }
            int d = _network.InputSize, h = _network.HiddenSize, rows = y.Length;
            int block = _output.Length;
            double sum = 0;
            for (int start = 0; start < rows; start += block)
            {
                _settings.CancellationToken.ThrowIfCancellationRequested();
                int n = Math.Min(block, rows - start);
                Span<T> yHat = _output.AsSpan(0, n);
                _network.Forward(x.Slice(start * d, n * d), _hidden.AsSpan(0, n * h), yHat);
                sum += double.CreateChecked(Kernels.SumOfSquaredErrors<T>(yHat, y.Slice(start, n)));
            }
            return sum / rows;
        }
    }
}
