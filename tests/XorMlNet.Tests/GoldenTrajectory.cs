using System.Text.Json;

namespace XorMlNet.Tests;

/// <summary>
/// The numpy reference run of the notebook (seed 42, lr 0.1, float64), copied from the shared reference folder
/// into Data/ so the tests need nothing outside the repository.
/// </summary>
internal sealed class GoldenTrajectory
{
    public required int Seed { get; init; }
    public required double LearningRate { get; init; }
    public required double[][] X { get; init; }
    public required double[] Y { get; init; }
    public required Checkpoint[] Checkpoints { get; init; }

    public sealed class Checkpoint
    {
        public required int Epoch { get; init; }
        public required double Loss { get; init; }
        public required double[][] W1 { get; init; }
        public required double[] B1 { get; init; }
        public required double[] W2 { get; init; }
        public required double[] B2 { get; init; }
        public required double[] Predictions { get; init; }
    }

    public static GoldenTrajectory Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Data", "seed42_lr0.1_trajectory.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = document.RootElement;
        return new GoldenTrajectory
        {
            Seed = root.GetProperty("seed").GetInt32(),
            LearningRate = root.GetProperty("learning_rate").GetDouble(),
            X = Matrix(root.GetProperty("data").GetProperty("X")),
            Y = Vector(root.GetProperty("data").GetProperty("Y")),
            Checkpoints = root.GetProperty("checkpoints").EnumerateArray().Select(c => new Checkpoint
            {
                Epoch = c.GetProperty("epoch").GetInt32(),
                Loss = c.GetProperty("loss").GetDouble(),
                W1 = Matrix(c.GetProperty("W1")),
                B1 = Vector(c.GetProperty("b1")),
                W2 = Vector(c.GetProperty("W2")),
                B2 = Vector(c.GetProperty("b2")),
                Predictions = Vector(c.GetProperty("predictions")),
            }).ToArray(),
        };
    }

    /// <summary>The XOR inputs as one row-major span, n×2.</summary>
    public double[] FlatX => X.SelectMany(row => row).ToArray();

    private static double[] Vector(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    private static double[][] Matrix(JsonElement e) => e.EnumerateArray().Select(Vector).ToArray();
}
