namespace XorMlNet.Training;

public static partial class NetworkTrainer
{
    /// <summary>
    /// The bytes a float training allocates besides the training table it is given: the network and the parameter-sized
    /// arrays of a run (gradient, the solver's moments, and either the best validation weights or, without early
    /// stopping, two best-weight snapshots), the engine's buffers (<see cref="FastEngine.BytesFor"/> or
    /// <see cref="SparseEngine.BytesFor"/>), the row order of mini-batches, what the split of
    /// <see cref="TrainingSettings.ValidationFraction"/> costs (dense rows: a copy of the table, <paramref name="tableBytes"/>
    /// again; sparse rows: two offsets per row, as <see cref="CsrMatrix.SelectRows"/> shares the values), and the fitted
    /// model's scoring copy of the weights (the model takes the network's own array over).
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
            long copies = 1 /* network */ + 1 /* gradient */ + (earlyStopping ? 1 /* best validation */ : 2 /* snapshots */)
                + (settings.Solver is Solver.Momentum or Solver.Adam ? 1 : 0) + (settings.Solver is Solver.Adam ? 1 : 0);
            // The scorer's copy of W1, rows padded to a multiple of 8 and hidden units to a multiple of 16.
            long scorer = (((long)inputs + 7) & ~7L) * ((hidden + 15L) / 16 * 16) + 2 * ((hidden + 15L) / 16 * 16);
            int batch = (int)Math.Min(batchRows, int.MaxValue), heldOut = (int)Math.Min(validation, int.MaxValue);
            long engine = sparse
                ? SparseEngine.BytesFor(hidden, batch, heldOut, settings.NumberOfThreads)
                : FastEngine.BytesFor(inputs, hidden, batch, heldOut, fullBatch: !shuffled, settings.NumberOfThreads);
            return (copies * p + scorer) * sizeof(float) + engine + (shuffled ? trainRows * sizeof(int) : 0)
                + (held > 0 ? (sparse ? 2 * rows * sizeof(int) : tableBytes) + rows * sizeof(int) : 0);
        }
    }
}
