namespace LiquidationLab.Core.Margin.Venues;

/// <summary>
/// A venue tier table is malformed or inconsistent. The message names the source (file path), the tier (its 1-based
/// position in the file's <c>tiers</c> array) and the field that was wrong.
/// </summary>
public sealed class MarginTierTableException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="sourceName">Where the table came from (a file path, or a description for in-memory tables).</param>
    /// <param name="tier">1-based tier position at fault, or <c>null</c> when the table as a whole is at fault.</param>
    /// <param name="field">JSON field at fault (e.g. <c>mmDeduction</c>), or <c>null</c>.</param>
    /// <param name="problem">What is wrong, in words.</param>
    /// <param name="innerException">The underlying parse failure, if any.</param>
    public MarginTierTableException(string sourceName, int? tier, string? field, string problem, Exception? innerException = null)
        : base(Compose(sourceName, tier, field, problem), innerException)
    {
        SourceName = sourceName;
        Tier = tier;
        Field = field;
        Problem = problem;
    }

    /// <summary>Where the table came from (usually a file path).</summary>
    public string SourceName { get; }

    /// <summary>1-based tier position at fault, if any.</summary>
    public int? Tier { get; }

    /// <summary>JSON field at fault, if any.</summary>
    public string? Field { get; }

    /// <summary>What is wrong, without the location prefix.</summary>
    public string Problem { get; }

    private static string Compose(string sourceName, int? tier, string? field, string problem)
    {
        var where = sourceName;
        if (tier is not null) where += $": tier {tier}";
        if (field is not null) where += $"{(tier is null ? ":" : ",")} field '{field}'";
        return $"{where}: {problem}";
    }
}
