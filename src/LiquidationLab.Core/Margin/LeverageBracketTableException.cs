namespace LiquidationLab.Core.Margin;

/// <summary>
/// A leverage-bracket (maintenance-margin tier) table is malformed or inconsistent. The message names the source
/// (file path), the bracket number and the field that was wrong.
/// </summary>
public sealed class LeverageBracketTableException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="sourceName">Where the table came from (a file path, or a description for in-memory tables).</param>
    /// <param name="bracket">1-based bracket number at fault, or <c>null</c> when the table as a whole is at fault.</param>
    /// <param name="field">JSON field name at fault (e.g. <c>cum</c>), or <c>null</c>.</param>
    /// <param name="problem">What is wrong, in words.</param>
    public LeverageBracketTableException(string sourceName, int? bracket, string? field, string problem)
        : base(Compose(sourceName, bracket, field, problem))
    {
        SourceName = sourceName;
        Bracket = bracket;
        Field = field;
        Problem = problem;
    }

    /// <summary>Creates the exception around an underlying parse failure.</summary>
    public LeverageBracketTableException(string sourceName, string problem, Exception innerException)
        : base(Compose(sourceName, null, null, problem), innerException)
    {
        SourceName = sourceName;
        Problem = problem;
    }

    /// <summary>Where the table came from (usually a file path).</summary>
    public string SourceName { get; }

    /// <summary>1-based bracket number at fault, if any.</summary>
    public int? Bracket { get; }

    /// <summary>JSON field at fault, if any.</summary>
    public string? Field { get; }

    /// <summary>What is wrong, without the location prefix.</summary>
    public string Problem { get; }

    private static string Compose(string sourceName, int? bracket, string? field, string problem)
    {
        var where = sourceName;
        if (bracket is not null) where += $": bracket {bracket}";
        if (field is not null) where += $", field '{field}'";
        return $"{where}: {problem}";
    }
}

/// <summary>No leverage-bracket table exists for the requested symbol. Nothing ever defaults to zero margin.</summary>
public sealed class LeverageBracketTableNotFoundException : KeyNotFoundException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="symbol">The symbol that was asked for, e.g. <c>BTCUSDT</c>.</param>
    /// <param name="searched">Where the table was looked for (directory or file path).</param>
    /// <param name="available">Symbols that do have a table there.</param>
    public LeverageBracketTableNotFoundException(string symbol, string searched, IReadOnlyCollection<string> available)
        : base($"No leverage-bracket table for symbol '{symbol}' in {searched}" +
               (available.Count == 0 ? " (the location holds no tables)." : $"; tables exist for: {string.Join(", ", available)}.") +
               " Add <SYMBOL>.json in the shape of GET /fapi/v1/leverageBracket with 'effectiveDate' and 'source'.")
    {
        Symbol = symbol;
        Searched = searched;
    }

    /// <summary>The symbol that was asked for.</summary>
    public string Symbol { get; }

    /// <summary>Where the table was looked for.</summary>
    public string Searched { get; }
}
