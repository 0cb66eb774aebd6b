using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Margin.Venues;

namespace LiquidationLab.Core.Tests.Margin.Venues;

/// <summary>
/// Properties of every venue's model over random valid isolated positions: entry 1–250,000 (cents), any leverage its
/// tier 1 allows, and a size anywhere up to the largest position that leverage allows (down to 0.001 base units).
/// </summary>
public class VenueMarginPropertyTests
{
    private static IMarginModel Model(int venueSeed) => VenueFixtures.ByVenue(VenueInfo.All[(int)((uint)venueSeed % 4u)]);

    /// <summary>Largest notional (USD) a position at <paramref name="leverage"/> may have: the last cap of the tiers allowing
    /// it (a tier without a cap counts as 400M USD).</summary>
    private static decimal MaxNotional(IMarginModel m, decimal leverage, decimal entry)
    {
        var cap = 0m;
        foreach (var t in m.Tiers.Tiers)
        {
            if (t.MaxLeverage < leverage) break;
            var c = t.Cap ?? 400_000_000m;
            cap = m.Tiers.Basis == TierBasis.Contracts ? c * m.Tiers.ContractValueBase!.Value * entry : c;
        }
        return cap;
    }

    private static (decimal Entry, decimal Quantity, decimal Leverage) Position(IMarginModel m, int priceSeed, int leverageSeed, int sizeSeed)
    {
        var entry = 1m + (uint)priceSeed % 24_999_900u / 100m;
        var leverage = 1m + (uint)leverageSeed % (uint)decimal.Truncate(m.MaxLeverage);
        var share = (decimal)Math.Pow(10, -6.0 * ((uint)sizeSeed % 1_000_000u) / 1_000_000.0);
        var quantity = Math.Max(0.001m, Math.Floor(MaxNotional(m, leverage, entry) * share / entry * 1000m) / 1000m);
        return (entry, quantity, leverage);
    }

    private static bool Valid(IMarginModel m, (decimal Entry, decimal Quantity, decimal Leverage) p)
    {
        try
        {
            return p.Quantity > 0 && m.MaxLeverageAt(p.Quantity, p.Entry) >= p.Leverage
                   // Binance picks the bracket at the liquidation price: a short must stay inside the table there.
                   && (m.Venue != Venue.BinanceUsdm || p.Quantity * p.Entry * 2.1m < m.Tiers.MaxSize);
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    [Property(MaxTest = 2000)]
    public Property Long_liquidation_price_is_below_entry_and_short_above_on_every_venue(int v, int a, int b, int c)
    {
        var m = Model(v);
        var p = Position(m, a, b, c);
        return Prop.When(Valid(m, p), () =>
        {
            var l = m.Isolated(PositionSide.Long, p.Quantity, p.Entry, p.Leverage).LiquidationPrice;
            var s = m.Isolated(PositionSide.Short, p.Quantity, p.Entry, p.Leverage).LiquidationPrice;
            return l >= 0 && l < p.Entry && p.Entry < s;
        });
    }

    [Property(MaxTest = 2000)]
    public Property Lower_leverage_moves_the_liquidation_price_away_from_entry_on_every_venue(int v, int a, int b, int c, bool isLong)
    {
        var m = Model(v);
        var p = Position(m, a, b, c);
        var side = isLong ? PositionSide.Long : PositionSide.Short;
        return Prop.When(Valid(m, p) && p.Leverage >= 2, () =>
        {
            var near = m.Isolated(side, p.Quantity, p.Entry, p.Leverage).LiquidationPrice;
            var far = m.Isolated(side, p.Quantity, p.Entry, p.Leverage - 1).LiquidationPrice;
            return Math.Abs(p.Entry - near) < Math.Abs(p.Entry - far);
        });
    }

    [Property(MaxTest = 3000)]
    public Property Maintenance_margin_is_continuous_where_the_venue_defines_a_deduction(int v, int x, int y)
    {
        // Binance, Bybit and Hyperliquid tables: MM is non-decreasing and moves by at most ΔN × (largest MMR) — no jump at a
        // tier boundary. (OKX applies a tier's MMR to the whole position and has no deduction: its MM jumps; see its tests.)
        var m = VenueFixtures.ByVenue(new[] { Venue.BinanceUsdm, Venue.BybitLinear, Venue.Hyperliquid }[(uint)v % 3u]);
        var top = m.Tiers.MaxSize ?? 400_000_000m;
        var n1 = top * ((uint)x % 1_000_001u) / 1_000_000m;
        var n2 = top * ((uint)y % 1_000_001u) / 1_000_000m;
        var (lo, hi) = n1 <= n2 ? (n1, n2) : (n2, n1);
        var maxRate = m.Tiers.Tiers[^1].MaintenanceMarginRate;
        var d = m.MaintenanceMarginUsd(1m, hi) - m.MaintenanceMarginUsd(1m, lo);
        return (d >= 0 && d <= (hi - lo) * maxRate + 1e-18m).Label($"MM({lo}) → MM({hi}) moved {d}");
    }

    [Property(MaxTest = 2000)]
    public Property Hyperliquid_equity_equals_maintenance_margin_at_the_liquidation_price(int a, int b, int c, bool isLong)
    {
        var m = VenueFixtures.Hyperliquid;
        var p = Position(m, a, b, c);
        var side = isLong ? PositionSide.Long : PositionSide.Short;
        return Prop.When(Valid(m, p), () =>
        {
            var r = m.Isolated(side, p.Quantity, p.Entry, p.Leverage);
            var equity = r.MarginBalanceTermUsd + (int)side * p.Quantity * (r.LiquidationPrice - p.Entry);
            var mm = m.MaintenanceMarginUsd(p.Quantity, r.LiquidationPrice);
            return Math.Abs(equity - mm) <= 1e-15m * p.Quantity * p.Entry;
        });
    }

    [Property(MaxTest = 2000)]
    public Property Okx_margin_ratio_is_100_percent_at_the_liquidation_price(int a, int b, int c, bool isLong)
    {
        var m = (OkxSwapMarginModel)VenueFixtures.Okx;
        var p = Position(m, a, b, c);
        var side = isLong ? PositionSide.Long : PositionSide.Short;
        return Prop.When(Valid(m, p), () =>
        {
            var r = m.Isolated(side, p.Quantity, p.Entry, p.Leverage);
            var equity = r.MarginBalanceTermUsd + (int)side * p.Quantity * (r.LiquidationPrice - p.Entry);
            var required = p.Quantity * r.LiquidationPrice * (r.MaintenanceMarginRate + m.TakerFeeRate);
            return Math.Abs(equity - required) <= 1e-15m * p.Quantity * p.Entry;
        });
    }

    [Property(MaxTest = 2000)]
    public Property Bybit_loss_at_the_liquidation_price_is_initial_minus_maintenance_margin_at_entry(int a, int b, int c, bool isLong)
    {
        // Bybit's formula: the position may lose IM + extra − MM(entry value) before liquidation.
        var m = VenueFixtures.Bybit;
        var p = Position(m, a, b, c);
        var side = isLong ? PositionSide.Long : PositionSide.Short;
        return Prop.When(Valid(m, p), () =>
        {
            var r = m.Isolated(side, p.Quantity, p.Entry, p.Leverage);
            var loss = (int)side * p.Quantity * (p.Entry - r.LiquidationPrice);
            var allowed = r.MarginBalanceTermUsd - m.MaintenanceMarginUsd(p.Quantity, p.Entry);
            return Math.Abs(loss - allowed) <= 1e-15m * p.Quantity * p.Entry;
        });
    }
}
