using System.Globalization;

namespace LiquidationLab.Core.Margin;

/// <summary>
/// The maintenance-margin brackets (leverage tiers) of one Binance USDⓈ-M symbol, valid from an effective date.
/// Immutable and validated on construction.
/// </summary>
/// <remarks>
/// <para>Invariants checked by the constructor (violations throw <see cref="LeverageBracketTableException"/>
/// naming the source, bracket and field):</para>
/// <list type="bullet">
/// <item>at least one bracket; numbers are 1, 2, … in order;</item>
/// <item>the first floor is 0; each cap is above its floor; each floor equals the previous cap (contiguous);</item>
/// <item>0 &lt; MMR &lt; 1 and MMR non-decreasing; max initial leverage ≥ 1 and non-increasing;</item>
/// <item><c>cum[1] = 0</c> and <c>cum[i] = cum[i−1] + floor[i] × (MMR[i] − MMR[i−1])</c> exactly, which makes the
/// maintenance margin <c>notional × MMR − cum</c> continuous in the notional (Binance, "How to Calculate
/// Liquidation Price of USDⓈ-M Futures Contracts", maintenance amount formula).</item>
/// </list>
/// <para>Look-ups treat brackets as half-open notional ranges <c>[floor, cap)</c>; the last bracket also includes
/// its cap. Because maintenance margin is continuous, a notional exactly on a boundary has the same maintenance
/// margin in either adjacent bracket.</para>
/// </remarks>
public sealed class LeverageBracketTable
{
    private readonly LeverageBracket[] _brackets;

    /// <summary>Creates and validates a table.</summary>
    /// <param name="symbol">Exchange symbol, e.g. <c>BTCUSDT</c>.</param>
    /// <param name="effectiveDate">First day (UTC) on which the table applies.</param>
    /// <param name="source">Provenance of the numbers (document, endpoint and date).</param>
    /// <param name="brackets">Brackets in order of increasing notional.</param>
    /// <param name="sourceName">Where the table was read from, used in error messages (e.g. a file path).</param>
    /// <exception cref="LeverageBracketTableException">An invariant above is violated.</exception>
    public LeverageBracketTable(string symbol, DateOnly effectiveDate, string source, IEnumerable<LeverageBracket> brackets, string sourceName = "<in-memory table>")
    {
        ArgumentNullException.ThrowIfNull(brackets);
        SourceName = sourceName;
        if (string.IsNullOrWhiteSpace(symbol))
            throw new LeverageBracketTableException(sourceName, null, "symbol", "the symbol is empty.");
        if (string.IsNullOrWhiteSpace(source))
            throw new LeverageBracketTableException(sourceName, null, "source", "the source (provenance of the numbers) is empty.");
        Symbol = symbol;
        EffectiveDate = effectiveDate;
        Source = source;
        _brackets = brackets.ToArray();
        Validate(sourceName, _brackets);
        MaxInitialLeverage = _brackets[0].MaxInitialLeverage;
    }

    /// <summary>Exchange symbol, e.g. <c>BTCUSDT</c>.</summary>
    public string Symbol { get; }

    /// <summary>First day (UTC) on which the table applies.</summary>
    public DateOnly EffectiveDate { get; }

    /// <summary>Provenance of the numbers.</summary>
    public string Source { get; }

    /// <summary>Where the table was read from (file path), for messages.</summary>
    public string SourceName { get; }

    /// <summary>The brackets, in order of increasing notional.</summary>
    public IReadOnlyList<LeverageBracket> Brackets => _brackets;

    /// <summary>
    /// The symbol's price tick, USDT (Binance <c>GET /fapi/v1/exchangeInfo</c>, the <c>PRICE_FILTER</c>'s <c>tickSize</c>):
    /// prices are shown with its decimals (<see cref="PriceDecimals"/>). Null when the table file has none; &gt; 0 when set.
    /// </summary>
    /// <exception cref="LeverageBracketTableException">Set to a value ≤ 0.</exception>
    public decimal? TickSize
    {
        get => _tickSize;
        init => _tickSize = value is null or > 0m ? value
            : throw new LeverageBracketTableException(SourceName, null, "tickSize", $"the tick size must be > 0, found {value}.");
    }

    private readonly decimal? _tickSize;

    /// <summary>Decimals a price of the symbol is shown with: those of <see cref="TickSize"/> without trailing zeros (0.10 → 1,
    /// 0.0001 → 4), or 2 when the tick is unknown.</summary>
    public int PriceDecimals => TickSize is { } tick ? PriceTicks.Decimals(tick) : 2;

    /// <summary>Highest initial leverage of the symbol (that of bracket 1).</summary>
    public int MaxInitialLeverage { get; }

    /// <summary>Largest position notional (USDT) the table covers: the last bracket's cap.</summary>
    public decimal MaxNotionalUsd => _brackets[^1].NotionalCapUsd;

    /// <summary>
    /// The bracket whose notional range <c>[floor, cap)</c> contains <paramref name="notionalUsd"/>
    /// (the last bracket includes its cap).
    /// </summary>
    /// <param name="notionalUsd">Position notional in USDT, ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">The notional is negative or above the last bracket's cap.</exception>
    public LeverageBracket FindByNotional(decimal notionalUsd)
    {
        if (notionalUsd < 0)
            throw new ArgumentOutOfRangeException(nameof(notionalUsd), notionalUsd, "Position notional must be ≥ 0 USDT.");
        for (var i = 0; i < _brackets.Length; i++)
        {
            if (notionalUsd < _brackets[i].NotionalCapUsd) return _brackets[i];
        }
        if (notionalUsd == _brackets[^1].NotionalCapUsd) return _brackets[^1];
        throw new ArgumentOutOfRangeException(nameof(notionalUsd), notionalUsd,
            $"Position notional {Usd(notionalUsd)} USDT is above the largest {Symbol} bracket cap {Usd(MaxNotionalUsd)} USDT ({SourceName}).");
    }

    /// <summary>
    /// Maintenance margin in USDT of a position with the given notional: <c>notional × MMR − cum</c> of its bracket.
    /// </summary>
    /// <param name="notionalUsd">Position notional at mark price, in USDT, 0 ≤ notional ≤ <see cref="MaxNotionalUsd"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The notional is outside the table.</exception>
    public decimal MaintenanceMarginUsd(decimal notionalUsd) => FindByNotional(notionalUsd).MaintenanceMarginUsd(notionalUsd);

    /// <summary>
    /// Largest position notional (USDT, inclusive) that may be opened at <paramref name="leverage"/>: the cap of the
    /// last bracket whose max initial leverage is at least <paramref name="leverage"/> — Binance's "maximum position
    /// at current leverage".
    /// </summary>
    /// <param name="leverage">Initial leverage, 1 ≤ leverage ≤ <see cref="MaxInitialLeverage"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The leverage is below 1 or above the symbol's maximum.</exception>
    public decimal MaxNotionalForLeverage(int leverage)
    {
        if (leverage < 1 || leverage > MaxInitialLeverage)
            throw new ArgumentOutOfRangeException(nameof(leverage), leverage,
                $"Leverage must be between 1x and {MaxInitialLeverage}x for {Symbol}.");
        var cap = 0m;
        foreach (var b in _brackets)
        {
            if (b.MaxInitialLeverage >= leverage) cap = b.NotionalCapUsd;
            else break;
        }
        return cap;
    }

    private static void Validate(string src, LeverageBracket[] b)
    {
        if (b.Length == 0)
            throw new LeverageBracketTableException(src, null, "brackets", "the table has no brackets.");
        for (var i = 0; i < b.Length; i++)
        {
            var x = b[i];
            var n = i + 1;
            if (x.Number != n)
                throw new LeverageBracketTableException(src, n, "bracket", $"expected bracket number {n} at position {n}, found {x.Number}.");
            if (i == 0 && x.NotionalFloorUsd != 0)
                throw new LeverageBracketTableException(src, n, "notionalFloor", $"the first bracket must start at 0, found {x.NotionalFloorUsd}.");
            if (x.NotionalCapUsd <= x.NotionalFloorUsd)
                throw new LeverageBracketTableException(src, n, "notionalCap", $"cap {x.NotionalCapUsd} must be above the floor {x.NotionalFloorUsd}.");
            if (x.MaintenanceMarginRate <= 0 || x.MaintenanceMarginRate >= 1)
                throw new LeverageBracketTableException(src, n, "maintMarginRatio", $"must satisfy 0 < MMR < 1, found {x.MaintenanceMarginRate}.");
            if (x.MaxInitialLeverage < 1)
                throw new LeverageBracketTableException(src, n, "initialLeverage", $"must be ≥ 1, found {x.MaxInitialLeverage}.");
            if (i == 0)
            {
                if (x.MaintenanceAmountUsd != 0)
                    throw new LeverageBracketTableException(src, n, "cum", $"the first bracket's maintenance amount must be 0 (maintenance margin is 0 at notional 0), found {x.MaintenanceAmountUsd}.");
                continue;
            }
            var p = b[i - 1];
            if (x.NotionalFloorUsd != p.NotionalCapUsd)
                throw new LeverageBracketTableException(src, n, "notionalFloor",
                    $"brackets must be contiguous: floor {x.NotionalFloorUsd} differs from bracket {i}'s cap {p.NotionalCapUsd}.");
            if (x.MaintenanceMarginRate < p.MaintenanceMarginRate)
                throw new LeverageBracketTableException(src, n, "maintMarginRatio",
                    $"MMR must be non-decreasing: {x.MaintenanceMarginRate} is below bracket {i}'s {p.MaintenanceMarginRate}.");
            if (x.MaxInitialLeverage > p.MaxInitialLeverage)
                throw new LeverageBracketTableException(src, n, "initialLeverage",
                    $"max initial leverage must be non-increasing: {x.MaxInitialLeverage} is above bracket {i}'s {p.MaxInitialLeverage}.");
            var expectedCum = p.MaintenanceAmountUsd + x.NotionalFloorUsd * (x.MaintenanceMarginRate - p.MaintenanceMarginRate);
            if (x.MaintenanceAmountUsd != expectedCum)
                throw new LeverageBracketTableException(src, n, "cum",
                    $"expected {expectedCum} from continuity (cum[{i}] {p.MaintenanceAmountUsd} + notionalFloor {x.NotionalFloorUsd} × " +
                    $"(MMR {x.MaintenanceMarginRate} − {p.MaintenanceMarginRate})), found {x.MaintenanceAmountUsd}.");
        }
    }

    internal static string Usd(decimal v) => v.ToString("#,0.########", CultureInfo.InvariantCulture);
}

/// <summary>Price ticks: how many decimals a tick size carries.</summary>
public static class PriceTicks
{
    /// <summary>Decimals of <paramref name="tick"/> without trailing zeros: 0.10 → 1, 0.0100 → 2, 0.0001 → 4, 1 → 0, 5 → 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tick"/> ≤ 0.</exception>
    public static int Decimals(decimal tick)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tick);
        var text = tick.ToString("0.############################", System.Globalization.CultureInfo.InvariantCulture);
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? 0 : text.Length - dot - 1;
    }
}
