using BenchmarkDotNet.Attributes;
using LiquidationLab.Core.Margin;
using LiquidationLab.Data.Tiers;

namespace LiquidationLab.Benchmarks;

/// <summary>
/// Target (docs/performance.md): 10 million liquidation prices (mixed sides and leverages) through the bulk double path in &lt; 0.5 s
/// on the 2-core machine. Positions: entry 20k–120k USDT, 0.001–50 BTC, leverage 1–125x, half long, half short.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 10)]
public class LiquidationPriceBenchmarks
{
    private const int Rows = 10_000_000;
    private BulkLiquidationPriceCalculator _bulk = null!;
    private LeverageBracketTable _table = null!;
    private sbyte[] _sides = null!;
    private double[] _quantities = null!;
    private double[] _entries = null!;
    private double[] _leverages = null!;
    private double[] _output = null!;

    [GlobalSetup]
    public void Setup()
    {
        _table = LeverageBracketTableStore.Locate().Get("BTCUSDT");
        _bulk = new BulkLiquidationPriceCalculator(_table);
        var rng = new Random(42);
        _sides = new sbyte[Rows];
        _quantities = new double[Rows];
        _entries = new double[Rows];
        _leverages = new double[Rows];
        _output = new double[Rows];
        int[] leverages = [2, 3, 5, 10, 20, 25, 50, 75, 100, 125];
        for (var i = 0; i < Rows; i++)
        {
            _sides[i] = (sbyte)(rng.Next(2) == 0 ? 1 : -1);
            _quantities[i] = 0.001 + rng.NextDouble() * 50;
            _entries[i] = 20_000 + rng.NextDouble() * 100_000;
            _leverages[i] = leverages[rng.Next(leverages.Length)];
        }
    }

    [Benchmark(Description = "10M isolated LPs, bulk double, 1 thread")]
    public double BulkSequential()
    {
        _bulk.ComputeIsolated(_sides, _quantities, _entries, _leverages, _output);
        return _output[Rows - 1];
    }

    [Benchmark(Description = "10M isolated LPs, bulk double, all cores")]
    public double BulkParallel()
    {
        _bulk.ComputeIsolatedParallel(_sides, _quantities, _entries, _leverages, _output);
        return _output[Rows - 1];
    }

    [Benchmark(Description = "100k isolated LPs, exact decimal (reference)")]
    public decimal DecimalReference()
    {
        var sum = 0m;
        for (var i = 0; i < 100_000; i++)
        {
            var side = _sides[i] > 0 ? PositionSide.Long : PositionSide.Short;
            var q = Math.Round((decimal)_quantities[i], 3);
            var lev = Math.Min((int)_leverages[i], 125);
            var entry = Math.Round((decimal)_entries[i], 2);
            if (q * entry > _table.MaxNotionalForLeverage(lev)) continue;
            sum += LiquidationPriceCalculator.Isolated(_table, side, q, entry, lev).LiquidationPrice;
        }
        return sum;
    }
}
