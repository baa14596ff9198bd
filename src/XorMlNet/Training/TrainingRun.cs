using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using XorMlNet.Network;

namespace XorMlNet.Training;

/// <summary>
/// One training call's state and its epoch loop, the notebook's loop written once for every engine: shuffle the rows
/// (mini-batches), and per batch the gradient (<see cref="GradientEngine{T}.BatchGradient"/>), L2, the solver's step;
/// then record the epoch's loss, measure the validation loss, and apply the stopping and restart rules
/// (<see cref="StoppingRules"/>). Every buffer is sized once, by the constructor and the engine's binding; an epoch
/// allocates nothing.
/// </summary>
internal sealed unsafe class TrainingRun<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly TwoLayerNetwork<T> _network;
    private readonly GradientEngine<T> _engine;
    private readonly StoppingRules _rules;
    private readonly TrainingSettings _settings;
    private readonly int _rows;
    private readonly int _batchRows;
    private readonly int[] _order;
    private readonly T[] _gradient;
    private readonly T[] _first;
    private readonly T[] _second;
    private readonly T[] _bestValidationWeights;
    private readonly T[] _snapshotA;
    private readonly T[] _snapshotB;
    private readonly T _learningRate;
    private readonly T _momentum;
    private readonly T _epsilon;
    private readonly T _lambda;
    /// <summary>Adam's t: a long, since a long run of small batches can make more than 2³¹ updates.</summary>
    private long _solverSteps;

    /// <summary>The last epoch's training MSE without the L2 penalty: what <see cref="TrainingSettings.LossTolerance"/> compares.</summary>
    private double _dataLoss;

    /// <param name="network">The network trained in place.</param>
    /// <param name="settings">Validated settings.</param>
    /// <param name="rows">Training rows.</param>
    /// <param name="validationRows">Validation rows (0 for none).</param>
    /// <param name="sparse">The rows come in compressed sparse form (T is float): <see cref="SparseEngine"/>.</param>
    public TrainingRun(TwoLayerNetwork<T> network, TrainingSettings settings, int rows, int validationRows, bool sparse = false)
    {
        _network = network;
        _settings = settings;
        _rows = rows;
        int parameters = network.Parameters.Length, h = network.HiddenSize, d = network.InputSize;
        _batchRows = settings.BatchSize == 0 || settings.BatchSize >= rows ? rows : settings.BatchSize;
        NetworkSizes.Check(d, h, _batchRows, "features", "network.InputSize", nameof(network));
        bool shuffled = _batchRows < rows;
        bool fast = typeof(T) == typeof(float) && (sparse || !settings.UseReferenceKernels);
        // The float engines read the order and write the gradient through pointers, from several threads.
        _order = shuffled ? GC.AllocateUninitializedArray<int>(rows, pinned: fast) : [];
        for (int i = 0; i < _order.Length; i++)
        {
            _order[i] = i;
        }
        _gradient = GC.AllocateArray<T>(parameters, pinned: fast);
        _engine = CreateEngine(sparse, fast, shuffled, validationRows);
        _first = settings.Solver is Solver.Momentum or Solver.Adam ? new T[parameters] : [];
        _second = settings.Solver is Solver.Adam ? new T[parameters] : [];
        _bestValidationWeights = validationRows > 0 && settings.EpochsWithoutImprovement > 0 ? new T[parameters] : [];
        // With early stopping the best validation weights are what is given back, never the best by training loss,
        // so the two snapshots for the latter are not kept (on a wide table they are the largest arrays of a run).
        _snapshotA = _bestValidationWeights.Length > 0 ? [] : new T[parameters];
        _snapshotB = _bestValidationWeights.Length > 0 ? [] : new T[parameters];
        _rules = new StoppingRules(settings);
        _learningRate = T.CreateChecked(settings.LearningRate);
        _momentum = T.CreateChecked(settings.Momentum);
        _epsilon = T.CreateChecked(settings.Epsilon);
        _lambda = T.CreateChecked(settings.L2Regularization);
    }

    /// <summary>
    /// The engine of this run, the one place that picks it and the one cast: the float engines are
    /// <see cref="GradientEngine{T}"/> of float, which T is whenever they are picked. The run binds its data to the engine
    /// through <see cref="IDenseRows{T}"/> or <see cref="ISparseRows{T}"/>, in T, with no cast of pointers.
    /// </summary>
    private GradientEngine<T> CreateEngine(bool sparse, bool fast, bool shuffled, int validationRows)
    {
        int d = _network.InputSize, h = _network.HiddenSize;
        if (sparse)
        {
            return (GradientEngine<T>)(object)new SparseEngine(d, h, _batchRows, validationRows, _settings);
        }
        if (fast)
        {
            return (GradientEngine<T>)(object)new FastEngine(d, h, _batchRows, validationRows, fullBatch: !shuffled, _settings);
        }
        return new ReferenceEngine<T>(_network, _batchRows, validationRows, _order, _settings);
    }

    public void Dispose() => _engine.Dispose();

    /// <summary>Adam updates made since the last (re)start: the t of the last update.</summary>
    public long AdamSteps
    {
        get => _solverSteps;
        set => _solverSteps = value;
    }

    /// <summary>
    /// Points the dense engine at the data and parameters; they must stay pinned until the last epoch (Train pins
    /// them for its duration, <see cref="NetworkTrainer.EpochRunner{T}"/> for its lifetime).
    /// </summary>
    public void Bind(T* theta, T* x, T* y, T* validationX, T* validationY, int validationRows)
    {
        int* order = null;
        if (_order.Length > 0)
        {
            order = (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_order));
        }
        ((IDenseRows<T>)_engine).Bind(theta, x, y, _rows, order, validationX, validationY, validationRows);
    }

    /// <summary>Trains on dense rows: pins and binds them, then the loop.</summary>
    public TrainingResult Train(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> validationX, ReadOnlySpan<T> validationY,
        NumpyRandom dataRandom)
    {
        fixed (T* theta = _network.Parameters, px = x, py = y, pvx = validationX, pvy = validationY)
        {
            Bind(theta, px, py, pvx, pvy, validationY.Length);
            return TrainBound(y, validationY.Length > 0, dataRandom);
        }
    }

    /// <summary>Trains on rows in compressed sparse form (the run's engine is the sparse one): binds them, then the loop.</summary>
    public TrainingResult TrainSparse(CsrMatrix x, T[] y, CsrMatrix? validationX, T[] validationY, NumpyRandom dataRandom)
    {
        ((ISparseRows<T>)_engine).Bind(_network.ParameterArray, x, y, _order.Length > 0 ? _order : null, validationX, validationY);
        return TrainBound(y, validationY.Length > 0, dataRandom);
    }

    /// <summary>
    /// The epochs, with the stopping rules, restarts and histories, on an engine already bound to the training rows;
    /// <paramref name="y"/> are their targets (for the verdict on the run).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private TrainingResult TrainBound(ReadOnlySpan<T> y, bool hasValidation, NumpyRandom dataRandom)
    {
        TrainingSettings settings = _settings;
        StoppingRules rules = _rules;
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

        // The best weights by training loss (without early stopping): the loss of epoch e is measured on the weights
        // before its update, so those are copied before every epoch, alternately into two buffers, one of which holds
        // the best so far. The copy (or, with early stopping, a pass over them) also checks that they are finite, i.e.
        // that the previous epoch's update was; after the last epoch, and before a restart replaces them, they are
        // checked on their own.
        double firstLoss = double.NaN, bestLoss = double.PositiveInfinity;
        int bestEpoch = 0;
        double attemptFirstLoss = double.NaN, attemptBestLoss = double.PositiveInfinity;
        T[] snapshot = _snapshotA, bestSnapshot = _snapshotB;

        if (!Kernels.AllFinite<T>(_network.Parameters))
        {
            throw rules.InitialWeightsDiverged();
        }

        int epoch;
        for (epoch = 1; stop is null; epoch++)
        {
            if (!(snapshot.Length > 0 ? Kernels.CopyAllFinite<T>(_network.Parameters, snapshot) : Kernels.AllFinite<T>(_network.Parameters)))
            {
                throw rules.ParameterDiverged(epoch - 1);
            }
            loss = TrainEpoch(dataRandom);
            if (!double.IsFinite(loss))
            {
                throw rules.LossNotFinite(epoch, loss);
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
                validationLoss = _engine.ValidationLoss();
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
                rules.Restart(_network, epoch, attemptFirstLoss, attemptBestLoss, loss);
                ResetSolver();
                restarts++;
                attemptFirstLoss = double.NaN;
                attemptBestLoss = double.PositiveInfinity;
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
            throw rules.ParameterDiverged(epochsRun);
        }
        int givenBackEpoch = epochsRun;
        double givenBackLoss = loss;
        if (earlyStopping && stop is StopReason.EarlyStopping or StopReason.MaximumEpochs)
        {
            _bestValidationWeights.CopyTo(_network.Parameters);
            givenBackEpoch = bestValidationEpoch;
            givenBackLoss = bestValidation;
        }
        else if (stop is StopReason.MaximumEpochs && StoppingRules.BestIsBetter(bestLoss, loss))
        {
            bestSnapshot.CopyTo(_network.Parameters);
            givenBackEpoch = bestEpoch;
            givenBackLoss = bestLoss;
        }

        if (stop is StopReason.MaximumEpochs or StopReason.EarlyStopping)
        {
            stop = rules.Verdict(y, firstLoss, bestLoss, loss, epochsRun, _engine, _network) ?? stop;
        }
        return new TrainingResult(trainingLosses, validationLosses, stop.Value, restarts, givenBackEpoch, givenBackLoss);
    }

    /// <summary>A restart's fresh solver state: no momentum, Adam's moments and counter from zero.</summary>
    private void ResetSolver()
    {
        Array.Clear(_first);
        Array.Clear(_second);
        _solverSteps = 0;
    }

    /// <summary>
    /// One pass over the training rows: shuffle (mini-batches), then per batch the gradient, L2 and the solver's step;
    /// returns the epoch's training loss (see <see cref="TrainingResult.TrainingLoss"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double TrainEpoch(NumpyRandom dataRandom)
    {
        if (_order.Length > 0)
        {
            ValidationSplit.Shuffle(_order, dataRandom);
        }
        double squaredErrorSum = 0, weightedPenalty = 0;
        for (int batchStart = 0; batchStart < _rows; batchStart += _batchRows)
        {
            int batchRows = Math.Min(_batchRows, _rows - batchStart);
            _engine.BatchGradient(batchStart, batchRows, _gradient, ref squaredErrorSum);
            if (_settings.L2Regularization > 0)
            {
                weightedPenalty += batchRows * SolverSteps.AddL2(_network, _gradient, _lambda);
            }
            StepSolver();
        }
        _dataLoss = squaredErrorSum / _rows;
        return _dataLoss + weightedPenalty / _rows;
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
}
