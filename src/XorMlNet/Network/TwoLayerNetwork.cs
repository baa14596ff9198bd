using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace XorMlNet.Network;

/// <summary>
/// The notebook's network, d inputs → H sigmoid units → 1 sigmoid output, with its forward pass, its
/// backpropagation for the mean squared error, and nothing of ML.NET. <typeparamref name="T"/> is
/// <see cref="double"/> where fidelity to numpy matters (the golden trajectory) and <see cref="float"/> where
/// speed and ML.NET's <see cref="float"/> features do (the trainer).
/// </summary>
/// <remarks>
/// All parameters live in one flat vector, laid out as
/// <c>[W1 (d×H, row-major: W1[i·H + j] joins input i to hidden unit j) | b1 (H) | W2 (H) | b2 (1)]</c>,
/// so that a gradient vector has the same layout and an optimizer can treat both as plain arrays.
/// The network is mutable: it is the trainer's working state. Fitted models copy it into immutable parameters.
/// </remarks>
public sealed class TwoLayerNetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _parameters;

    /// <summary>Creates a network with every parameter zero.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1, or the parameter count overflows.</exception>
    public TwoLayerNetwork(int inputSize, int hiddenSize)
    {
        _parameters = new T[GetParameterCount(inputSize, hiddenSize)];
        InputSize = inputSize;
        HiddenSize = hiddenSize;
    }

    /// <summary>Creates a network holding a copy of <paramref name="parameters"/> (layout in the remarks).</summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> has the wrong length.</exception>
    public TwoLayerNetwork(int inputSize, int hiddenSize, ReadOnlySpan<T> parameters)
        : this(inputSize, hiddenSize)
    {
        if (parameters.Length != _parameters.Length)
        {
            throw new ArgumentException(
                $"A {inputSize}→{hiddenSize}→1 network has {_parameters.Length} parameters, but {parameters.Length} were given.",
                nameof(parameters));
        }
        parameters.CopyTo(_parameters);
    }

    /// <summary>Number of inputs, d.</summary>
    public int InputSize { get; }

    /// <summary>Number of hidden units, H.</summary>
    public int HiddenSize { get; }

    /// <summary>All parameters in the flat layout described in the remarks.</summary>
    public Span<T> Parameters => _parameters;

    /// <summary>The array behind <see cref="Parameters"/>, for code that must pin it beyond one call.</summary>
    internal T[] ParameterArray => _parameters;

    /// <summary>W1, d×H row-major.</summary>
    public Span<T> W1 => _parameters.AsSpan(0, InputSize * HiddenSize);

    /// <summary>b1, one bias per hidden unit.</summary>
    public Span<T> B1 => _parameters.AsSpan(InputSize * HiddenSize, HiddenSize);

    /// <summary>W2, one weight per hidden unit.</summary>
    public Span<T> W2 => _parameters.AsSpan((InputSize + 1) * HiddenSize, HiddenSize);

    /// <summary>b2, the output bias.</summary>
    public ref T B2 => ref _parameters[^1];

    /// <summary>d·H + 2H + 1, the length of the parameter (and gradient) vector.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1, or the count does not fit an array.</exception>
    public static int GetParameterCount(int inputSize, int hiddenSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenSize, 1);
        long count = CountParameters(inputSize, hiddenSize);
        if (count > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(hiddenSize),
                $"A {inputSize}→{hiddenSize}→1 network would need {count} parameters, more than an array can hold.");
        }
        return (int)count;
    }

    /// <summary>
    /// (d + 2)·H + 1 in 64 bits, without <see cref="GetParameterCount"/>'s checks: the one formula for the parameter
    /// count, for code that sizes buffers (or reads a saved count) before it knows the sizes are valid.
    /// </summary>
    internal static long CountParameters(int inputSize, int hiddenSize) => ((long)inputSize + 2) * hiddenSize + 1;

    /// <summary>
    /// The notebook's initialisation: W1 = randn(d, H)·scale, b1 = 0, W2 = randn(H, 1)·scale, b2 = 0, drawn in
    /// numpy's order, so a fresh <c>NumpyRandom(42)</c> with scale 0.1 gives the notebook's weights.
    /// </summary>
    public void InitializeNormal(NumpyRandom random, double scale)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<T> w1 = W1;
        for (int k = 0; k < w1.Length; k++)
        {
            w1[k] = T.CreateChecked(random.NextGaussian() * scale);
        }
        B1.Clear();
        Span<T> w2 = W2;
        for (int j = 0; j < w2.Length; j++)
        {
            w2[j] = T.CreateChecked(random.NextGaussian() * scale);
        }
        B2 = T.Zero;
    }

    /// <summary>
    /// Forward pass over n rows: Z1 = X·W1 + b1, A1 = σ(Z1), Z2 = A1·W2 + b2, ŷ = σ(Z2).
    /// </summary>
    /// <param name="inputs">X, n×d row-major.</param>
    /// <param name="hidden">Receives A1, n×H row-major (Backward needs it).</param>
    /// <param name="output">Receives ŷ, n values.</param>
    public void Forward(ReadOnlySpan<T> inputs, Span<T> hidden, Span<T> output)
    {
        int rows = CheckBatch(inputs, output.Length);
        CheckLength(hidden.Length, rows * HiddenSize, nameof(hidden));
        for (int r = 0; r < rows; r++)
        {
            output[r] = Kernels.Sigmoid(ForwardRow(inputs.Slice(r * InputSize, InputSize), hidden.Slice(r * HiddenSize, HiddenSize)));
        }
    }

    /// <summary>
    /// Forward pass for one row; returns the output pre-activation Z2 (ML.NET's Score). σ(Z2) is the probability.
    /// </summary>
    /// <param name="input">d features.</param>
    /// <param name="hidden">H values of scratch; receives A1.</param>
    public T Score(ReadOnlySpan<T> input, Span<T> hidden)
    {
        CheckLength(input.Length, InputSize, nameof(input));
        CheckLength(hidden.Length, HiddenSize, nameof(hidden));
        return ForwardRow(input, hidden);
    }

    /// <summary>
    /// Backpropagation of the loss <paramref name="lossScale"/>/2 · Σ(ŷ − y)² over these rows; adds the gradient with
    /// respect to every parameter into <paramref name="gradient"/> (same layout as <see cref="Parameters"/>), so
    /// that a batch can be processed in blocks. For the notebook's MSE over N rows, <paramref name="lossScale"/> is 2/N.
    /// </summary>
    /// <param name="inputs">X, n×d, as given to <see cref="Forward"/>.</param>
    /// <param name="targets">y, n values.</param>
    /// <param name="hidden">A1, n×H, from <see cref="Forward"/>.</param>
    /// <param name="output">ŷ, n values, from <see cref="Forward"/>.</param>
    /// <param name="lossScale">dL/dŷ = lossScale · (ŷ − y).</param>
    /// <param name="gradient">Accumulates dL/dθ; not cleared here.</param>
    /// <param name="delta1">H values of scratch for δ1.</param>
    public void Backward(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, ReadOnlySpan<T> hidden, ReadOnlySpan<T> output,
        T lossScale, Span<T> gradient, Span<T> delta1)
    {
        int rows = CheckBatch(inputs, output.Length);
        int d = InputSize, h = HiddenSize;
        CheckLength(targets.Length, rows, nameof(targets));
        CheckLength(hidden.Length, rows * h, nameof(hidden));
        CheckLength(gradient.Length, _parameters.Length, nameof(gradient));
        CheckLength(delta1.Length, h, nameof(delta1));

        ReadOnlySpan<T> w2 = W2;
        Span<T> gradW1 = gradient[..(d * h)];
        Span<T> gradB1 = gradient.Slice(d * h, h);
        Span<T> gradW2 = gradient.Slice((d + 1) * h, h);
        ref T gradB2 = ref gradient[^1];

        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> x = inputs.Slice(r * d, d);
            ReadOnlySpan<T> a1 = hidden.Slice(r * h, h);
            T yHat = output[r];

            // loss = c/2·(ŷ − y)²: dL/dŷ = c·(ŷ − y)
            T dLossDyHat = lossScale * (yHat - targets[r]);
            // ŷ = σ(Z2): σ' = σ(1 − σ)
            T delta2 = dLossDyHat * (yHat * (T.One - yHat));
            // Z2 = A1·W2 + b2: dW2 = A1ᵀδ2, db2 = Σδ2, dA1 = δ2·W2ᵀ
            gradB2 += delta2;
            Kernels.MultiplyAdd(delta2, a1, gradW2);
            // A1 = σ(Z1): σ' = σ(1 − σ), so δ1 = dA1 ⊙ A1(1 − A1)
            for (int j = 0; j < h; j++)
            {
                delta1[j] = (delta2 * w2[j]) * (a1[j] * (T.One - a1[j]));
            }
            // Z1 = X·W1 + b1: dW1 = Xᵀδ1, db1 = Σδ1
            Kernels.MultiplyAdd(T.One, delta1, gradB1);
            for (int i = 0; i < d; i++)
            {
                Kernels.MultiplyAdd(x[i], delta1, gradW1.Slice(i * h, h));
            }
        }
    }

    /// <summary>
    /// Plain gradient descent, θ −= learningRate · gradient: the notebook's step, and the one the trainer takes for
    /// <c>Solver.GradientDescent</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Step(ReadOnlySpan<T> gradient, T learningRate)
    {
        CheckLength(gradient.Length, _parameters.Length, nameof(gradient));
        Kernels.MultiplyAdd(-learningRate, gradient, _parameters);
    }

    /// <summary>Z2 for one row, leaving A1 in <paramref name="hidden"/>.</summary>
    private T ForwardRow(ReadOnlySpan<T> x, Span<T> hidden)
    {
        ReadOnlySpan<T> w1 = W1;
        // Z1 = X·W1 + b1, summed in numpy's order: the product first, then the bias.
        hidden.Clear();
        for (int i = 0; i < x.Length; i++)
        {
            Kernels.MultiplyAdd(x[i], w1.Slice(i * hidden.Length, hidden.Length), hidden);
        }
        ReadOnlySpan<T> b1 = B1;
        for (int j = 0; j < hidden.Length; j++)
        {
            hidden[j] += b1[j];
        }
        // A1 = σ(Z1)
        Kernels.Sigmoid(hidden, hidden);
        // Z2 = A1·W2 + b2
        return Kernels.Dot<T>(hidden, W2) + B2;
    }

    private int CheckBatch(ReadOnlySpan<T> inputs, int rows)
    {
        if ((long)rows * InputSize != inputs.Length)
        {
            throw new ArgumentException(
                $"{rows} rows of {InputSize} features need {(long)rows * InputSize} input values, but {inputs.Length} were given.",
                nameof(inputs));
        }
        return rows;
    }

    /// <summary>Inlined into its callers (<see cref="Step"/> runs every epoch): only the throw is a call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckLength(int actual, int expected, string parameterName)
    {
        if (actual != expected)
        {
            ThrowLengthMismatch(actual, expected, parameterName);
        }
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLengthMismatch(int actual, int expected, string parameterName)
        => throw new ArgumentException($"Expected length {expected}, got {actual}.", parameterName);
}
