namespace LiquidationLab.Data.Store;

/// <summary>
/// The one audited place where text becomes SQL. Values that can be bound as parameters (<c>$1</c>, …) are bound; what
/// cannot — file paths given to <c>read_csv</c>/<c>read_parquet</c>/<c>COPY</c>, column names from a file's header, keys of
/// a <c>columns = {…}</c> struct — goes through <see cref="Literal"/> or <see cref="Identifier"/>. Together with
/// <see cref="LabStore"/>'s one-statement rule, text from a file, a flag or a notebook parameter can neither end a literal
/// nor start a second statement.
/// </summary>
public static class Sql
{
    /// <summary>A SQL string literal: the text between single quotes, each quote doubled.</summary>
    /// <exception cref="ArgumentException">The text contains a NUL character (which SQL text cannot carry).</exception>
    public static string Literal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains('\0', StringComparison.Ordinal)) throw new ArgumentException("SQL text cannot contain a NUL character.", nameof(value));
        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>A quoted SQL identifier: the name between double quotes, each double quote doubled.</summary>
    /// <exception cref="ArgumentException">The name is empty or contains a NUL character.</exception>
    public static string Identifier(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('\0', StringComparison.Ordinal)) throw new ArgumentException("An SQL identifier cannot contain a NUL character.", nameof(name));
        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
