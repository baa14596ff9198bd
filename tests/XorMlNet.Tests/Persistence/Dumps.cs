using System.Globalization;
using System.Reflection;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace XorMlNet.Tests.Persistence;

/// <summary>Exact text renderings of schemas, rows and weights, for comparing models bit for bit.</summary>
internal static class Dumps
{
    /// <summary>Every column (index, name, type, hidden) with every annotation (name, type, value).</summary>
    public static string Schema(DataViewSchema schema)
    {
        var text = new StringBuilder();
        foreach (DataViewSchema.Column column in schema)
        {
            text.Append(CultureInfo.InvariantCulture, $"{column.Index} {column.Name} : {column.Type}{(column.IsHidden ? " (hidden)" : "")}\n");
            foreach (DataViewSchema.Column annotation in column.Annotations.Schema)
            {
                object value = ReadAnnotation(column.Annotations, annotation);
                text.Append(CultureInfo.InvariantCulture, $"    [{annotation.Name} : {annotation.Type}] = {Format(value)}\n");
            }
        }
        return text.ToString();
    }

    /// <summary>Every row, every column (hidden ones too), values as exact bit patterns.</summary>
    public static IReadOnlyList<string> Rows(IDataView data)
    {
        var rows = new List<string>();
        using DataViewRowCursor cursor = data.GetRowCursor(data.Schema);
        var getters = data.Schema.Select(c => Getter(cursor, c)).ToArray();
        while (cursor.MoveNext())
        {
            rows.Add(string.Join(" | ", data.Schema.Select((c, i) => $"{c.Name}={Format(getters[i]())}")));
        }
        return rows;
    }

    /// <summary>W1, b1, W2, b2 as hexadecimal bit patterns.</summary>
    public static string Weights(XorMlpModelParameters model)
        => $"W1 {Bits(model.W1)}\nB1 {Bits(model.B1)}\nW2 {Bits(model.W2)}\nB2 {Bits([model.B2])}";

    public static string Bits(IEnumerable<float> values)
        => string.Join(" ", values.Select(v => BitConverter.SingleToInt32Bits(v).ToString("X8", CultureInfo.InvariantCulture)));

    public static string Bits(IEnumerable<double> values)
        => string.Join(" ", values.Select(v => BitConverter.DoubleToInt64Bits(v).ToString("X16", CultureInfo.InvariantCulture)));

    public static string Format(object? value) => value switch
    {
        null => "null",
        float f => "f" + BitConverter.SingleToInt32Bits(f).ToString("X8", CultureInfo.InvariantCulture),
        double d => "d" + BitConverter.DoubleToInt64Bits(d).ToString("X16", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        ReadOnlyMemory<char> text => "\"" + text.ToString() + "\"",
        IFormattable number => Convert.ToString(number, CultureInfo.InvariantCulture)!,
        _ when value.GetType().IsGenericType && value.GetType().GetGenericTypeDefinition() == typeof(VBuffer<>) => FormatVector(value),
        _ => value.ToString()!,
    };

    private static string FormatVector(object vector)
    {
        MethodInfo dense = typeof(Dumps).GetMethod(nameof(DenseValues), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(vector.GetType().GetGenericArguments()[0]);
        var values = (IEnumerable<object?>)dense.Invoke(null, [vector])!;
        return "[" + string.Join(", ", values.Select(Format)) + "]";
    }

    private static IEnumerable<object?> DenseValues<T>(VBuffer<T> vector) => vector.DenseValues().Select(v => (object?)v).ToArray();

    private static Func<object?> Getter(DataViewRow row, DataViewSchema.Column column)
        => (Func<object?>)typeof(Dumps).GetMethod(nameof(TypedGetter), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(column.Type.RawType).Invoke(null, [row, column])!;

    private static Func<object?> TypedGetter<T>(DataViewRow row, DataViewSchema.Column column)
    {
        ValueGetter<T> getter = row.GetGetter<T>(column);
        return () =>
        {
            T value = default!;
            getter(ref value);
            return value;
        };
    }

    private static object ReadAnnotation(DataViewSchema.Annotations annotations, DataViewSchema.Column column)
        => typeof(Dumps).GetMethod(nameof(TypedAnnotation), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(column.Type.RawType).Invoke(null, [annotations, column])!;

    private static object TypedAnnotation<T>(DataViewSchema.Annotations annotations, DataViewSchema.Column column)
    {
        T value = default!;
        annotations.GetGetter<T>(column)(ref value);
        return value!;
    }
}
