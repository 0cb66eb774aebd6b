using System.Data.Common;
using Microsoft.Data.Analysis;

namespace LiquidationLab.Data.Query;

/// <summary>Builds <see cref="DataFrame"/>s from DuckDB results (Microsoft.Data.Analysis 0.23 has no reader loader).</summary>
public static class DataFrames
{
    /// <summary>Reads every row of <paramref name="reader"/> into typed columns; NULL stays null.</summary>
    public static DataFrame From(DbDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var columns = new DataFrameColumn[reader.FieldCount];
        for (var i = 0; i < columns.Length; i++)
        {
            var name = reader.GetName(i);
            var type = reader.GetFieldType(i);
            columns[i] = type switch
            {
                _ when type == typeof(double) => new DoubleDataFrameColumn(name),
                _ when type == typeof(float) => new SingleDataFrameColumn(name),
                _ when type == typeof(long) => new Int64DataFrameColumn(name),
                _ when type == typeof(int) => new Int32DataFrameColumn(name),
                _ when type == typeof(short) => new Int16DataFrameColumn(name),
                _ when type == typeof(decimal) => new DecimalDataFrameColumn(name),
                _ when type == typeof(bool) => new BooleanDataFrameColumn(name),
                _ when type == typeof(DateTime) => new DateTimeDataFrameColumn(name),
                _ => new StringDataFrameColumn(name),
            };
        }
        while (reader.Read())
        {
            for (var i = 0; i < columns.Length; i++)
            {
                var c = columns[i];
                if (reader.IsDBNull(i))
                {
                    if (c is StringDataFrameColumn s) s.Append(null);
                    else AppendNull(c);
                    continue;
                }
                switch (c)
                {
                    case DoubleDataFrameColumn d: d.Append(reader.GetDouble(i)); break;
                    case SingleDataFrameColumn f: f.Append(reader.GetFloat(i)); break;
                    case Int64DataFrameColumn l: l.Append(reader.GetInt64(i)); break;
                    case Int32DataFrameColumn n: n.Append(reader.GetInt32(i)); break;
                    case Int16DataFrameColumn h: h.Append(reader.GetInt16(i)); break;
                    case DecimalDataFrameColumn m: m.Append(reader.GetDecimal(i)); break;
                    case BooleanDataFrameColumn b: b.Append(reader.GetBoolean(i)); break;
                    case DateTimeDataFrameColumn t: t.Append(reader.GetDateTime(i)); break;
                    case StringDataFrameColumn s: s.Append(Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)); break;
                }
            }
        }
        return new DataFrame(columns);
    }

    private static void AppendNull(DataFrameColumn c)
    {
        switch (c)
        {
            case DoubleDataFrameColumn d: d.Append(null); break;
            case SingleDataFrameColumn f: f.Append(null); break;
            case Int64DataFrameColumn l: l.Append(null); break;
            case Int32DataFrameColumn n: n.Append(null); break;
            case Int16DataFrameColumn h: h.Append(null); break;
            case DecimalDataFrameColumn m: m.Append(null); break;
            case BooleanDataFrameColumn b: b.Append(null); break;
            case DateTimeDataFrameColumn t: t.Append(null); break;
        }
    }
}
