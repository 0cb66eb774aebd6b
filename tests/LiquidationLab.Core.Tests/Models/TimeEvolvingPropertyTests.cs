using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;
using LiquidationLab.Core.Tests.Margin;

namespace LiquidationLab.Core.Tests.Models;

/// <summary>Random walks of candles with open interest, 20–300 candles, ±3 % moves, OI changes of ±10 %.</summary>
public class TimeEvolvingPropertyTests
{
    private static Candle[] Walk(int seed, int length)
    {
        var rng = new Random(seed);
        var candles = new Candle[length];
        double price = 60_000, oi = 5e9;
        var t = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < length; i++)
        {
            var open = price;
            var close = open * (1 + (rng.NextDouble() - 0.5) * 0.06);
            var high = Math.Max(open, close) * (1 + rng.NextDouble() * 0.02);
            var low = Math.Min(open, close) * (1 - rng.NextDouble() * 0.02);
            oi *= 1 + (rng.NextDouble() - 0.5) * 0.2;
            var volume = rng.NextDouble() < 0.5 ? 100 : double.NaN;
            candles[i] = new Candle(t.AddMinutes(5 * i), open, high, low, close, volume, volume * rng.NextDouble(), rng.NextDouble() < 0.05 ? double.NaN : oi);
            price = close;
        }
        return candles;
    }

    private static (TimeEvolvingModel Model, LiquidationModelResult Result, List<(int Candle, PositionSide Side, double Lp)> Consumed, Candle[] Candles) Run(int seed, int length)
    {
        var candles = Walk(seed, 20 + (int)((uint)length % 280));
        var consumed = new List<(int, PositionSide, double)>();
        var model = new TimeEvolvingModel { OnConsumed = (i, s, lp) => consumed.Add((i, s, lp)) };
        var result = model.Run(new MarketWindow("BTCUSDT", Fixtures.BtcUsdt, candles, [], []));
        return (model, result, consumed, candles);
    }

    [Property(MaxTest = 200)]
    public bool Open_notional_is_never_negative(int seed, int length)
    {
        var (model, r, _, _) = Run(seed, length);
        foreach (var v in r.Heatmap!.Values) if (v < 0) return false;
        return r.Totals!.Value.OpenUsd >= -1e-6 && r.Levels.All(l => l.NotionalUsd >= 0);
    }

    [Property(MaxTest = 200)]
    public bool Consumed_longs_are_at_or_above_the_candle_low_and_shorts_at_or_below_the_high(int seed, int length)
    {
        var (_, _, consumed, candles) = Run(seed, length);
        return consumed.All(c => c.Side == PositionSide.Long ? c.Lp >= candles[c.Candle].Low : c.Lp <= candles[c.Candle].High);
    }

    [Property(MaxTest = 200)]
    public Property Created_equals_open_plus_consumed_plus_closed(int seed, int length)
    {
        var (model, r, _, _) = Run(seed, length);
        var t = r.Totals!.Value;
        var balance = t.OpenUsd + t.ConsumedUsd + t.ClosedUsd;
        return (Math.Abs(t.CreatedUsd - balance) <= 1e-9 * Math.Max(1, t.CreatedUsd))
            .Label($"created {t.CreatedUsd} vs open {t.OpenUsd} + consumed {t.ConsumedUsd} + closed {t.ClosedUsd}")
            .And(Math.Abs(r.Liquidations!.Sum(p => p.TotalUsd) - t.ConsumedUsd) <= 1e-9 * Math.Max(1, t.ConsumedUsd));
    }
}
