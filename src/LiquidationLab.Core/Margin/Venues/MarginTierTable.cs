using System.Globalization;

namespace LiquidationLab.Core.Margin.Venues;

/// <summary>
/// The maintenance-margin tiers of one instrument on one venue, valid from an effective date. Immutable and validated
/// on construction (violations throw <see cref="MarginTierTableException"/> naming the source, tier and field).
/// </summary>
/// <remarks>
/// <para>Invariants: at least one tier, at most <see cref="MaxTiers"/>; numbers 1, 2, … in order; the first floor is 0;
/// each cap is above its floor and is the next tier's floor (contiguous); only the last tier may have no cap;
/// 0 &lt; MMR &lt; 1 and non-decreasing; max leverage ≥ 1 and non-increasing.</para>
/// <para>Deductions: on a <see cref="TierBasis.NotionalUsd"/> table the first deduction is 0 and
/// <c>deduction[i] = deduction[i−1] + floor[i] × (MMR[i] − MMR[i−1])</c> exactly, so maintenance margin
/// <c>notional × MMR − deduction</c> is continuous in the notional (Binance's <c>cum</c>; Bybit's "Maintenance Margin
/// Deduction = Risk Limit on Tier (n−1) × (MMR on Tier n − MMR on Tier (n−1)) + Deduction on Tier (n−1)",
/// https://www.bybit.com/en/announcement-info/margin-parameters; Hyperliquid's <c>maintenance_deduction</c>,
/// https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers). On a <see cref="TierBasis.Contracts"/> table
/// (OKX) every deduction is 0: the tier's MMR applies to the whole position.</para>
/// <para>Boundaries: with <see cref="CapInclusive"/> a size equal to a cap belongs to the lower tier (Bybit's
/// "position value ≤ risk limit", OKX's "max. amount (Cont)"); otherwise tiers are half-open <c>[floor, cap)</c>
/// (Binance, Hyperliquid's lower bounds). Where maintenance margin is continuous the boundary convention does not change
/// it; it does decide the max leverage on the boundary.</para>
/// </remarks>
public sealed class MarginTierTable
{
    /// <summary>Most tiers a table may hold (Bybit publishes up to about 35 per symbol).</summary>
    public const int MaxTiers = 200;

    private readonly MarginTier[] _tiers;

    /// <summary>Creates and validates a table.</summary>
    /// <param name="venue">The venue.</param>
    /// <param name="symbol">The venue's instrument name (<c>BTCUSDT</c>, <c>BTC-USDT-SWAP</c>, <c>BTC</c>).</param>
    /// <param name="effectiveDate">First day (UTC) on which the table applies.</param>
    /// <param name="source">Provenance of the numbers (document or endpoint, and date).</param>
    /// <param name="basis">What floors and caps measure.</param>
    /// <param name="capInclusive">Whether a size equal to a cap belongs to the lower tier.</param>
    /// <param name="tiers">Tiers in order of increasing size.</param>
    /// <param name="sourceName">Where the table was read from, for messages (e.g. a file path).</param>
    /// <param name="contractValueBase">Base units per contract (OKX <c>ctVal</c>, e.g. 0.01 BTC); required (&gt; 0) for a
    /// <see cref="TierBasis.Contracts"/> table, null otherwise.</param>
    /// <exception cref="MarginTierTableException">An invariant above is violated.</exception>
    public MarginTierTable(Venue venue, string symbol, DateOnly effectiveDate, string source, TierBasis basis, bool capInclusive,
        IEnumerable<MarginTier> tiers, string sourceName = "<in-memory table>", decimal? contractValueBase = null)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        SourceName = sourceName;
        if (!VenueInfo.All.Contains(venue))
            throw new MarginTierTableException(sourceName, null, "venue", $"unknown venue {venue}.");
        if (string.IsNullOrWhiteSpace(symbol))
            throw new MarginTierTableException(sourceName, null, "symbol", "the symbol is empty.");
        if (string.IsNullOrWhiteSpace(source))
            throw new MarginTierTableException(sourceName, null, "source", "the source (provenance of the numbers) is empty.");
        if (basis == TierBasis.Contracts && contractValueBase is not > 0m)
            throw new MarginTierTableException(sourceName, null, "contractValue", $"a contract-based table needs a contract value > 0 (base units per contract), found {contractValueBase?.ToString(CultureInfo.InvariantCulture) ?? "none"}.");
        if (basis == TierBasis.NotionalUsd && contractValueBase is not null)
            throw new MarginTierTableException(sourceName, null, "contractValue", "only a contract-based table (OKX) has a contract value.");
        Venue = venue;
        Symbol = symbol;
        EffectiveDate = effectiveDate;
        Source = source;
        Basis = basis;
        CapInclusive = capInclusive;
        ContractValueBase = contractValueBase;
        _tiers = tiers.Take(MaxTiers + 1).ToArray();
        Validate();
        MaxLeverage = _tiers[0].MaxLeverage;
    }

    /// <summary>The venue.</summary>
    public Venue Venue { get; }

    /// <summary>The venue's instrument name.</summary>
    public string Symbol { get; }

    /// <summary>First day (UTC) on which the table applies.</summary>
    public DateOnly EffectiveDate { get; }

    /// <summary>Provenance of the numbers.</summary>
    public string Source { get; }

    /// <summary>Where the table was read from (file path), for messages.</summary>
    public string SourceName { get; }

    /// <summary>What floors and caps measure.</summary>
    public TierBasis Basis { get; }

    /// <summary>Whether a size equal to a cap belongs to the lower tier.</summary>
    public bool CapInclusive { get; }

    /// <summary>Base units per contract (OKX <c>ctVal</c>) for a <see cref="TierBasis.Contracts"/> table; null otherwise.</summary>
    public decimal? ContractValueBase { get; }

    /// <summary>The instrument's price tick in the quote currency, when the file gives one (&gt; 0); null otherwise.</summary>
    /// <exception cref="MarginTierTableException">Set to a value ≤ 0.</exception>
    public decimal? TickSize
    {
        get => _tickSize;
        init => _tickSize = value is null or > 0m ? value
            : throw new MarginTierTableException(SourceName, null, "tickSize", $"the tick size must be > 0, found {value}.");
    }

    private readonly decimal? _tickSize;

    /// <summary>The tiers, in order of increasing size.</summary>
    public IReadOnlyList<MarginTier> Tiers => _tiers;

    /// <summary>Highest leverage of the instrument (that of tier 1).</summary>
    public decimal MaxLeverage { get; }

    /// <summary>Largest size the table covers (the last cap, in <see cref="Basis"/> units), or null when the last tier
    /// has no cap.</summary>
    public decimal? MaxSize => _tiers[^1].Cap;

    /// <summary>Whether maintenance margin is a continuous function of the notional (true on every
    /// <see cref="TierBasis.NotionalUsd"/> table, whose deductions are checked).</summary>
    public bool IsContinuous => Basis == TierBasis.NotionalUsd;

    /// <summary>A position's size in <see cref="Basis"/> units: its notional <c>quantity × price</c>, or its contracts
    /// <c>quantity ÷ contract value</c>.</summary>
    /// <param name="quantityBase">Position size in base units, ≥ 0.</param>
    /// <param name="price">Price in the quote currency, ≥ 0 (ignored on a contract-based table).</param>
    public decimal SizeOf(decimal quantityBase, decimal price) =>
        Basis == TierBasis.NotionalUsd ? quantityBase * price : quantityBase / ContractValueBase!.Value;

    /// <summary>The tier holding <paramref name="size"/> (in <see cref="Basis"/> units).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is negative or beyond the last cap.</exception>
    public MarginTier FindTier(decimal size)
    {
        if (size < 0)
            throw new ArgumentOutOfRangeException(nameof(size), size, "A position size must be ≥ 0.");
        foreach (var t in _tiers)
        {
            if (t.Cap is not { } cap || size < cap || (CapInclusive && size == cap)) return t;
        }
        if (size == _tiers[^1].Cap) return _tiers[^1];
        throw new ArgumentOutOfRangeException(nameof(size), size,
            $"A {Symbol} position of {Number(size)} {UnitName} is above the largest tier cap {Number(_tiers[^1].Cap!.Value)} {UnitName} ({SourceName}).");
    }

    /// <summary>Maintenance margin in the quote currency of a position of <paramref name="quantityBase"/> at
    /// <paramref name="markPrice"/>: <c>notional × MMR − deduction</c> of the tier its size falls in.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative inputs, or a size beyond the table.</exception>
    public decimal MaintenanceMarginUsd(decimal quantityBase, decimal markPrice)
    {
        if (quantityBase < 0) throw new ArgumentOutOfRangeException(nameof(quantityBase), quantityBase, "Quantity must be ≥ 0 (base units).");
        if (markPrice < 0) throw new ArgumentOutOfRangeException(nameof(markPrice), markPrice, "Price must be ≥ 0.");
        return FindTier(SizeOf(quantityBase, markPrice)).MaintenanceMarginUsd(quantityBase * markPrice);
    }

    /// <summary>Unit of <see cref="Basis"/> for messages: "USD notional" or "contracts".</summary>
    internal string UnitName => Basis == TierBasis.NotionalUsd ? "USD notional" : "contracts";

    internal static string Number(decimal v) => v.ToString("#,0.##########", CultureInfo.InvariantCulture);

    private void Validate()
    {
        var src = SourceName;
        if (_tiers.Length == 0)
            throw new MarginTierTableException(src, null, "tiers", "the table has no tiers.");
        if (_tiers.Length > MaxTiers)
            throw new MarginTierTableException(src, null, "tiers", $"more than {MaxTiers} tiers.");
        for (var i = 0; i < _tiers.Length; i++)
        {
            var t = _tiers[i];
            var n = i + 1;
            if (t.Number != n)
                throw new MarginTierTableException(src, n, "tier", $"expected tier number {n} at position {n}, found {t.Number}.");
            if (i == 0 && t.Floor != 0)
                throw new MarginTierTableException(src, n, "floor", $"the first tier must start at 0, found {t.Floor}.");
            if (t.Cap is null && i < _tiers.Length - 1)
                throw new MarginTierTableException(src, n, "cap", "only the last tier may have no cap.");
            if (t.Cap is { } cap && cap <= t.Floor)
                throw new MarginTierTableException(src, n, "cap", $"cap {cap} must be above the floor {t.Floor}.");
            if (t.MaintenanceMarginRate <= 0 || t.MaintenanceMarginRate >= 1)
                throw new MarginTierTableException(src, n, "maintenanceMarginRate", $"must satisfy 0 < MMR < 1, found {t.MaintenanceMarginRate}.");
            if (t.MaxLeverage < 1)
                throw new MarginTierTableException(src, n, "maxLeverage", $"must be ≥ 1, found {t.MaxLeverage}.");
            if (Basis == TierBasis.Contracts && t.MaintenanceDeductionUsd != 0)
                throw new MarginTierTableException(src, n, "maintenanceDeduction", $"a contract-based (OKX) tier applies its MMR to the whole position and has no deduction, found {t.MaintenanceDeductionUsd}.");
            if (i == 0)
            {
                if (t.MaintenanceDeductionUsd != 0)
                    throw new MarginTierTableException(src, n, "maintenanceDeduction", $"the first tier's deduction must be 0 (maintenance margin is 0 at size 0), found {t.MaintenanceDeductionUsd}.");
                continue;
            }
            var p = _tiers[i - 1];
            if (t.Floor != p.Cap)
                throw new MarginTierTableException(src, n, "floor", $"tiers must be contiguous: floor {t.Floor} differs from tier {i}'s cap {p.Cap}.");
            if (t.MaintenanceMarginRate < p.MaintenanceMarginRate)
                throw new MarginTierTableException(src, n, "maintenanceMarginRate", $"MMR must be non-decreasing: {t.MaintenanceMarginRate} is below tier {i}'s {p.MaintenanceMarginRate}.");
            if (t.MaxLeverage > p.MaxLeverage)
                throw new MarginTierTableException(src, n, "maxLeverage", $"max leverage must be non-increasing: {t.MaxLeverage} is above tier {i}'s {p.MaxLeverage}.");
            if (Basis == TierBasis.NotionalUsd)
            {
                var expected = p.MaintenanceDeductionUsd + t.Floor * (t.MaintenanceMarginRate - p.MaintenanceMarginRate);
                if (t.MaintenanceDeductionUsd != expected)
                    throw new MarginTierTableException(src, n, "maintenanceDeduction",
                        $"expected {expected} from continuity (deduction[{i}] {p.MaintenanceDeductionUsd} + floor {t.Floor} × (MMR {t.MaintenanceMarginRate} − {p.MaintenanceMarginRate})), found {t.MaintenanceDeductionUsd}.");
            }
        }
    }
}
