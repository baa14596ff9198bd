using System.Numerics;
using System.Runtime.InteropServices;
using XorMlNet.Network;

namespace XorMlNet.Training;

public static partial class NetworkTrainer
{
    /// <summary>
    /// Runs the epochs of a full-batch or mini-batch training one at a time, without the stopping rules, restarts or
    /// histories of <see cref="Train{T}(TwoLayerNetwork{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, TrainingSettings)"/>:
    /// for benchmarks and for the tests that measure what a single epoch costs. Holds its arrays pinned until disposed.
    /// </summary>
    internal sealed unsafe class EpochRunner<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly TrainingRun<T> _run;
        private readonly NumpyRandom _dataRandom;
        private GCHandle _pinnedFeatures;
        private GCHandle _pinnedTargets;
        private GCHandle _pinnedParameters;

        public EpochRunner(TwoLayerNetwork<T> network, T[] features, T[] targets, TrainingSettings settings)
        {
            ArgumentNullException.ThrowIfNull(network);
            settings.Validate();
            int rows = CheckRows<T>(features, targets, network.InputSize, nameof(features), nameof(targets));
            _dataRandom = ValidationSplit.CreateDataRandom(settings.Seed);
            _run = new TrainingRun<T>(network, settings, rows, 0);
            _pinnedFeatures = GCHandle.Alloc(features, GCHandleType.Pinned);
            _pinnedTargets = GCHandle.Alloc(targets, GCHandleType.Pinned);
            _pinnedParameters = GCHandle.Alloc(network.ParameterArray, GCHandleType.Pinned);
            _run.Bind((T*)_pinnedParameters.AddrOfPinnedObject(), (T*)_pinnedFeatures.AddrOfPinnedObject(),
                (T*)_pinnedTargets.AddrOfPinnedObject(), null, null, 0);
        }

        /// <summary>One epoch (forward, backward and solver step per batch); returns its training loss.</summary>
        public double TrainEpoch() => _run.TrainEpoch(_dataRandom);

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
}
