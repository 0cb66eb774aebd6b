using BenchmarkDotNet.Attributes;
using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;
using LiquidationLab.Data.Tiers;

namespace LiquidationLab.Benchmarks;

/// <summary>
/// Targets (docs/performance.md): the time-evolving model over one year of 5-minute candles (105,120 candles, 5 tiers) in &lt; 1 s with
/// bounded memory; a large-trade liquidation map over 10 million trades in &lt; 1 s. Synthetic but realistic inputs:
/// a random walk with ±0.3 % 5-minute moves and OI changing ±1 %; trades log-normal in size around 0.05 BTC.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 2, iterationCount: 8)]
public class ModelBenchmarks
{
    private MarketWindow _year = null!;
    private AggTrade[] _trades = null!;
    private LeverageBracketTable _table = null!;

    [GlobalSetup]
    public void Setup()
    {
        _table = LeverageBracketTableStore.Locate().Get("BTCUSDT");
        var rng = new Random(11);
        var candles = new Candle[105_120];
        double price = 60_000, oi = 6e9;
        var t = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < candles.Length; i++)
        {
            var open = price;
            var close = open * (1 + (rng.NextDouble() - 0.5) * 0.006);
            var high = Math.Max(open, close) * (1 + rng.NextDouble() * 0.002);
            var low = Math.Min(open, close) * (1 - rng.NextDouble() * 0.002);
            oi *= 1 + (rng.NextDouble() - 0.5) * 0.02;
            candles[i] = new Candle(t.AddMinutes(5 * i), open, high, low, close, 100, 100 * rng.NextDouble(), oi);
            price = close;
        }
        _year = new MarketWindow("BTCUSDT", _table, candles, [], []);
        _trades = new AggTrade[10_000_000];
        price = 60_000;
        for (var i = 0; i < _trades.Length; i++)
        {
            price *= 1 + (rng.NextDouble() - 0.5) * 0.0002;
            var qty = Math.Exp(Math.Log(0.05) + 1.6 * Normal(rng));
            _trades[i] = new AggTrade(t.AddMilliseconds(10 * i), Math.Round(price, 1), Math.Round(qty, 3) + 0.001, rng.Next(2) == 0);
        }
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    [Benchmark(Description = "time-evolving, 105,120 5m candles, 5 tiers, 250 bins, hourly columns")]
    public int TimeEvolvingYearHourlyColumns() => new TimeEvolvingModel(candlesPerColumn: 12).Run(_year).Levels.Count;

    [Benchmark(Description = "time-evolving, 105,120 5m candles, 5 tiers, 250 bins, a column per candle")]
    public int TimeEvolvingYearEveryCandle() => new TimeEvolvingModel().Run(_year).Levels.Count;

    [Benchmark(Description = "liquidation map, 10M trades, gross_value >= 100k, 5 tiers")]
    public double MapGrossValue() => new BinanceStandardModel(new TradeFilter(TradeFilterMode.GrossValue, 100_000)).BuildMap(_trades, _table, 60_000).OutOfRangeUsd;

    [Benchmark(Description = "liquidation map, 10M trades, gross_value >= 0 (every trade), 5 tiers")]
    public double MapEveryTrade() => new BinanceStandardModel(new TradeFilter(TradeFilterMode.GrossValue, 0)).BuildMap(_trades, _table, 60_000).OutOfRangeUsd;
}
