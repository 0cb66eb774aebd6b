using DuckDB.NET.Data;
using DuckDB.NET.Data.Mapping;

namespace LiquidationLab.Data.Store.Tables;

/// <summary>One column of a store table as declared in <see cref="StoreTables"/>.</summary>
/// <param name="Name">The column's name.</param>
/// <param name="DataType">The DuckDB type as <c>information_schema.columns.data_type</c> spells it (<c>VARCHAR</c>, <c>DECIMAL(38,18)</c>, …).</param>
/// <param name="IsNullable">Whether the column accepts NULL (false: <c>NOT NULL</c> or part of the primary key).</param>
public sealed record ColumnDeclaration(string Name, string DataType, bool IsNullable)
{
    /// <summary>The column as a CREATE TABLE entry (<c>name TYPE [NOT NULL]</c>).</summary>
    public string Definition => IsNullable ? $"{Name} {DataType}" : $"{Name} {DataType} NOT NULL";

    /// <summary>Parses <c>"VARCHAR NOT NULL"</c>-style text: a type, optionally followed by <c>NOT NULL</c>.</summary>
    internal static ColumnDeclaration Parse(string name, string typeText)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(typeText);
        const string notNull = " NOT NULL";
        return typeText.EndsWith(notNull, StringComparison.Ordinal)
            ? new ColumnDeclaration(name, typeText[..^notNull.Length], false)
            : new ColumnDeclaration(name, typeText, true);
    }
}

/// <summary>
/// A store table's columns in their order: name, DuckDB type and nullability. The declaration of a table rows are appended
/// to is a <see cref="TableDeclaration{TRow}"/>, which also ties each column to a field of the row record; a test compares
/// every declaration with <c>information_schema.columns</c> of a freshly migrated store (names, order, types, nullability).
/// </summary>
public class TableDeclaration
{
    private readonly List<ColumnDeclaration> _columns = [];

    /// <summary>Declares the table <paramref name="name"/>; columns are added in order.</summary>
    /// <param name="name">The table's name in the store.</param>
    /// <param name="columns">The columns so far, in order.</param>
    public TableDeclaration(string name, IEnumerable<ColumnDeclaration>? columns = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        if (columns is not null) _columns.AddRange(columns);
    }

    /// <summary>The table's name in the store.</summary>
    public string Name { get; }

    /// <summary>The columns, in the table's order.</summary>
    public IReadOnlyList<ColumnDeclaration> Columns => _columns;

    /// <summary>The column names, comma-separated in the table's order (for an <c>INSERT INTO t (…)</c>).</summary>
    public string ColumnList => string.Join(", ", _columns.Select(c => c.Name));

    /// <summary>A <c>CREATE TEMP TABLE</c> statement for a staging table <paramref name="name"/> with these columns.</summary>
    public string CreateTempTable(string name) => $"CREATE TEMP TABLE {name} ({string.Join(", ", _columns.Select(c => c.Definition))})";

    /// <summary>Adds a column (name and type text such as <c>"VARCHAR NOT NULL"</c>).</summary>
    protected void AddColumn(string name, string typeText)
    {
        var column = ColumnDeclaration.Parse(name, typeText);
        if (_columns.Any(c => c.Name == column.Name))
            throw new InvalidOperationException($"Table {Name}: column {column.Name} declared twice.");
        _columns.Add(column);
    }
}

/// <summary>
/// The declaration of a table filled through DuckDB's appender: each column in order, with the field of
/// <typeparamref name="TRow"/> that fills it. DuckDB.NET's typed appender map (<see cref="RowMap{TRow}"/>) is built from it,
/// so the appender's order is the declaration's order and the .NET type of every field is checked against the table's
/// column type when the appender is created.
/// </summary>
/// <typeparam name="TRow">The row record.</typeparam>
public sealed class TableDeclaration<TRow> : TableDeclaration where TRow : ITableRow<TRow>
{
    private readonly List<Action<RowMap<TRow>>> _mappings = [];

    /// <summary>Declares the table <paramref name="name"/>; add its columns in order with <see cref="Column{TValue}"/>.</summary>
    public TableDeclaration(string name) : base(name)
    {
    }

    /// <summary>Adds the next column: its name, its type (<c>"DOUBLE"</c>, <c>"VARCHAR NOT NULL"</c>, …) and the row's field that fills it.</summary>
    /// <param name="name">Column name.</param>
    /// <param name="typeText">DuckDB type as <c>information_schema</c> spells it, followed by <c>NOT NULL</c> where the column has it.</param>
    /// <param name="value">The field's value (a nullable type for a nullable column).</param>
    /// <returns>This declaration, for the next column.</returns>
    public TableDeclaration<TRow> Column<TValue>(string name, string typeText, Func<TRow, TValue> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        AddColumn(name, typeText);
        _mappings.Add(map => map.Add(value));
        return this;
    }

    internal void MapInto(RowMap<TRow> map)
    {
        foreach (var m in _mappings) m(map);
    }
}

/// <summary>A row record of a store table: the type knows its table's declaration.</summary>
/// <typeparam name="TRow">The row type itself.</typeparam>
public interface ITableRow<TRow> where TRow : ITableRow<TRow>
{
    /// <summary>The declaration of the table the row belongs to.</summary>
    static abstract TableDeclaration<TRow> Table { get; }
}

/// <summary>DuckDB.NET's typed appender map of a row record, built from the row's <see cref="TableDeclaration{TRow}"/>.</summary>
/// <typeparam name="TRow">The row record.</typeparam>
public sealed class RowMap<TRow> : DuckDBAppenderMap<TRow> where TRow : ITableRow<TRow>
{
    /// <summary>Maps the declared columns, in order.</summary>
    public RowMap() => TRow.Table.MapInto(this);

    internal void Add<TValue>(Func<TRow, TValue> value) => Map(value);
}

/// <summary>
/// Appends rows of <typeparamref name="TRow"/> to its table (or to a staging table of the same columns) through DuckDB's
/// appender. Creating the writer checks the declaration against the table: the same number of columns and, column by
/// column, a .NET type the column accepts (else <see cref="InvalidOperationException"/>). Rows become visible when the
/// writer is disposed (DuckDB's appender flushes then). Not thread-safe.
/// </summary>
/// <typeparam name="TRow">The row record.</typeparam>
public sealed class TableWriter<TRow> : IDisposable where TRow : ITableRow<TRow>
{
    private readonly DuckDBMappedAppender<TRow, RowMap<TRow>> _appender;
    private readonly OneRow _one = new();

    /// <summary>Opens an appender on <paramref name="table"/> (default: the row's own table).</summary>
    /// <param name="connection">The store's connection.</param>
    /// <param name="table">A table with the declared columns, e.g. a temporary staging twin; null for the row's table.</param>
    /// <exception cref="InvalidOperationException">The table's columns do not match the declaration (count or types).</exception>
    public TableWriter(DuckDBConnection connection, string? table = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var name = table ?? TRow.Table.Name;
        try
        {
            _appender = connection.CreateAppender<TRow, RowMap<TRow>>(name);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"{typeof(TRow).Name} does not fit the table {name} (its declaration and the schema differ): {e.Message}", e);
        }
    }

    /// <summary>Rows appended so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Appends one row.</summary>
    public void Append(in TRow row)
    {
        // The mapped appender takes a sequence; one reused single-row sequence appends each row at once (as an appender
        // row would be), without buffering rows here or allocating per row.
        _one.Set(row);
        _appender.AppendRecords(_one);
        Rows++;
    }

    /// <summary>Flushes the appended rows to the table and closes the appender.</summary>
    public void Dispose() => _appender.Dispose();

    private sealed class OneRow : IEnumerable<TRow>, IEnumerator<TRow>
    {
        private TRow _row = default!;
        private bool _given = true;

        public void Set(TRow row) => (_row, _given) = (row, false);

        public TRow Current => _row;

        object System.Collections.IEnumerator.Current => _row;

        public bool MoveNext()
        {
            if (_given) return false;
            _given = true;
            return true;
        }

        public void Reset() => _given = false;

        public IEnumerator<TRow> GetEnumerator() => this;

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => this;

        public void Dispose()
        {
        }
    }
}
