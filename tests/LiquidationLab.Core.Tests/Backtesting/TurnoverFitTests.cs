using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;
using LiquidationLab.Core.Tests.Margin;

namespace LiquidationLab.Core.Tests.Backtesting;

public class TurnoverFitTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>An hourly world: a random walk with fat-ish hourly ranges, OI drifting around 1 B USD, volume varying tenfold
    /// (so the volume bound binds in some hours and not in others), taker buys around half the volume.</summary>
    private static Candle[] World(int bars, int seed)
    {
        var rng = new Random(seed);
        var candles = new Candle[bars];
        double price = 50_000, oi = 1e9;
        for (var i = 0; i < bars; i++)
        {
            var jump = rng.NextDouble() < 0.05 ? 4 : 1;
            var next = price * Math.Exp(jump * 0.008 * Normal(rng));
            var hi = Math.Max(price, next) * (1 + 0.003 * rng.NextDouble());
            var lo = Math.Min(price, next) * (1 - 0.003 * rng.NextDouble());
            oi *= Math.Exp(0.01 * Normal(rng));
            var volumeUsd = 1e8 * Math.Exp(2.3 * rng.NextDouble());
            var taker = 0.5 + 0.1 * Normal(rng);
            candles[i] = new Candle(T0.AddHours(i), price, hi, lo, next, volumeUsd / next, Math.Clamp(taker, 0.05, 0.95) * volumeUsd / next, oi);
            price = next;
        }
        return candles;
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>The world's realised liquidations per side: k × the true model's consumption × lognormal noise (σ 0.1).</summary>
    private static (double[] Long, double[] Short) Realised(Candle[] candles, TurnoverParameters truth, double k, int seed)
    {
        var rng = new Random(seed);
        var run = truth.Model().Run(new MarketWindow("BTCUSDT", Fixtures.BtcUsdt, candles, [], [])).Liquidations!;
        return (run.Select(p => k * p.LongUsd * Math.Exp(0.1 * Normal(rng))).ToArray(), run.Select(p => k * p.ShortUsd * Math.Exp(0.1 * Normal(rng))).ToArray());
    }

    [Fact]
    public void A_synthetic_world_with_known_leverage_mix_lifetime_turnover_and_tilt_is_recovered()
    {
        // Tolerances: α ± 0.25, lifetime and turnover share within 25 %, tilt ± 0.15, scale within 10 %.
        var truth = new TurnoverParameters(LeverageExponent: 0.8, TurnoverShare: 0.6, HazardPerBar: 0.08, LongTilt: 0.4);
        var candles = World(1_200, 11);
        var (longs, shorts) = Realised(candles, truth, 0.05, 12);

        var fit = TurnoverFit.Fit(candles, [], Fixtures.BtcUsdt, longs, shorts, LiquidationSide.Total, candles.Length, warmup: 48, maxEvaluations: 400);
        var p = fit.Parameters;

        Assert.InRange(p.LeverageExponent, 0.55, 1.05);
        Assert.InRange(p.LifetimeBars / truth.LifetimeBars, 0.75, 1.25);
        Assert.InRange(p.TurnoverShare / truth.TurnoverShare, 0.75, 1.25);
        Assert.InRange(p.LongTilt, 0.25, 0.55);
        Assert.InRange(fit.Scale / 0.05, 0.9, 1.1);
        Assert.True(fit.Loss < 0.05, $"loss {fit.Loss}"); // the noise alone: 0.1² per side-period where anything was liquidated
    }

    [Fact]
    public void Changing_data_after_a_refits_training_end_changes_none_of_its_fitted_parameters()
    {
        var truth = new TurnoverParameters(0.5, 1, 0.05, 0.2);
        var candles = World(700, 21);
        var (longs, shorts) = Realised(candles, truth, 0.1, 22);
        var before = TurnoverFit.WalkForward(candles, [], Fixtures.BtcUsdt, longs, shorts, LiquidationSide.Total, 300, 168, 48, maxEvaluations: 40);

        // Everything from period 468 on (the second refit's training end) is replaced: prices, ranges, OI, volume, realised values.
        const int cut = 468;
        var changed = candles.Select((c, i) => i < cut ? c : c with { High = c.High * 1.05, Low = c.Low * 0.9, OpenInterestUsd = c.OpenInterestUsd * 3, VolumeBase = c.VolumeBase / 7 }).ToArray();
        var (l2, s2) = (longs.Select((v, i) => i < cut ? v : v * 50 + 1e6).ToArray(), shorts.Select((v, i) => i < cut ? v : 0).ToArray());
        var after = TurnoverFit.WalkForward(changed, [], Fixtures.BtcUsdt, l2, s2, LiquidationSide.Total, 300, 168, 48, maxEvaluations: 40);

        Assert.Equal([300, 468, 636], before.Refits.Select(r => r.TrainEnd));
        for (var r = 0; r < 2; r++)
        {
            Assert.Equal(before.Refits[r].Parameters, after.Refits[r].Parameters);
            Assert.Equal(before.Refits[r].Scale, after.Refits[r].Scale);
        }
        Assert.NotEqual(before.Refits[2].Parameters, after.Refits[2].Parameters); // the check can fail: later data do reach later fits
        // Forecasts of periods before the cut are the same too (each uses its own bar's range and the book before it).
        Assert.Equal(before.Forecast.Predicted.Take(cut), after.Forecast.Predicted.Take(cut));
        Assert.Equal(6, before.Spread.Count);
        Assert.All(before.Spread, s => Assert.True(s.Min <= s.Median && s.Median <= s.Max, s.Name));
    }

    [Fact]
    public void The_diagnosis_counts_hours_with_millions_liquidated_that_a_forecast_puts_near_zero()
    {
        // Test periods 2…7; periods 3, 5, 6 and 7 reach 1 M USD. "flat" says 5,000 in 3 and 6 (below 1 % of 1 M) and 0 in 7.
        double[] actual = [9e6, 9e6, 100, 2e6, 500, 3e6, 1e6, 4e6];
        var regression = new Forecast(ConditionalProtocol.RangeRegressionName, [1, 1, 200, 1e6, 400, 2e6, 2e6, 3e6]);
        var flat = new Forecast("flat", [1, 1, 300, 5_000, 600, 4e6, 5_000, 0]);
        var settings = new ExAnteSettings(2, 2, 1, Resamples: 200);

        var d = ConditionalProtocol.Diagnose(actual, [regression, flat], settings);

        Assert.Equal((6, 4), (d.Periods, d.PeriodsAtThreshold));
        Assert.Equal(0, d.NearZero.Single(n => n.Forecast == ConditionalProtocol.RangeRegressionName).Share);
        Assert.Equal(0.75, d.NearZero.Single(n => n.Forecast == "flat").Share);
        var c = Assert.Single(d.Comparisons);
        Assert.Equal(("flat", ConditionalProtocol.RangeRegressionName), (c.Forecast, c.Baseline));
        // MAE over the 6 periods: regression (100 + 1e6 + 100 + 1e6 + 1e6 + 1e6) / 6, flat (200 + 1,995,000 + 100 + 1e6 + 995,000 + 4e6) / 6.
        Assert.Equal((200 + 1_995_000 + 100 + 1e6 + 995_000 + 4e6 - (100 + 1e6 + 100 + 1e6 + 1e6 + 1e6)) / 6.0, c.MaeDifference.Estimate, 6);
        Assert.Throws<ArgumentException>(() => ConditionalProtocol.Diagnose(actual, [flat], settings));
    }
}
