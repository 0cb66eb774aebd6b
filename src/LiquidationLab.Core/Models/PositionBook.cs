using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Heatmaps;
using LiquidationLab.Core.Margin;

namespace LiquidationLab.Core.Models;

/// <summary>
/// Open positions of the time-evolving family (<see cref="TimeEvolvingModel"/>, <see cref="TurnoverModel"/>): two heaps by
/// liquidation price, unscaled notionals, a global scale (so removing the same fraction of every position — an OI decrease,
/// or a cohort decay — is O(1)) and a per-bin density maintained incrementally.
/// </summary>
internal sealed class PositionBook(int binCount)
{
    private readonly PriorityQueue<int, double> _longs = new();   // priority −LP: highest LP first
    private readonly PriorityQueue<int, double> _shorts = new();  // priority LP: lowest LP first
    private List<double> _notional = [];                  // unscaled
    private List<double> _price = [];
    private List<double> _entry = [];
    private List<int> _bin = [];
    private List<int> _tier = [];
    private List<PositionSide> _side = [];
    private readonly double[] _density = new double[binCount];    // unscaled notional per bin
    private double _scale = 1.0;
    private double _openUnscaled;

    public Action<int, PositionSide, double>? OnConsumed { get; init; }

    public int CandleIndex { get; set; }

    public double OpenUsd => _openUnscaled * _scale;

    public void Add(PositionSide side, int tier, double liquidationPrice, double notionalUsd, PriceBins bins, double entryPrice)
    {
        if (!(notionalUsd > 0)) return;
        var id = _notional.Count;
        var unscaled = notionalUsd / _scale;
        var bin = bins.IndexOf(liquidationPrice);
        _notional.Add(unscaled);
        _price.Add(liquidationPrice);
        _bin.Add(bin);
        _tier.Add(tier);
        _side.Add(side);
        _entry.Add(entryPrice);
        if (bin >= 0) _density[bin] += unscaled;
        _openUnscaled += unscaled;
        if (side == PositionSide.Long) _longs.Enqueue(id, -liquidationPrice);
        else _shorts.Enqueue(id, liquidationPrice);
    }

    /// <summary>Liquidates longs with LP ≥ low and shorts with LP ≤ high; returns the consumed USD per side.</summary>
    public (double Long, double Short) Consume(double low, double high)
    {
        double l = 0, s = 0;
        while (_longs.TryPeek(out var id, out var p) && -p >= low)
        {
            _longs.Dequeue();
            l += Remove(id);
        }
        while (_shorts.TryPeek(out var id, out var p) && p <= high)
        {
            _shorts.Dequeue();
            s += Remove(id);
        }
        return (l * _scale, s * _scale);
    }

    private double Remove(int id)
    {
        OnConsumed?.Invoke(CandleIndex, _side[id], _price[id]);
        var n = _notional[id];
        if (_bin[id] >= 0) _density[_bin[id]] -= n;
        _openUnscaled -= n;
        _notional[id] = 0;
        return n;
    }

    /// <summary>Removes the same fraction of every open position; returns the USD removed.</summary>
    public double ScaleAll(double fraction)
    {
        var removed = OpenUsd * fraction;
        _scale *= 1 - fraction;
        if (_scale < 1e-150) Renormalise();
        return removed;
    }

    private void Renormalise()
    {
        for (var i = 0; i < _notional.Count; i++) _notional[i] *= _scale;
        for (var b = 0; b < _density.Length; b++) _density[b] *= _scale;
        _openUnscaled *= _scale;
        _scale = 1.0;
    }

    /// <summary>Entries held (open, consumed or faded); <see cref="Compact"/> drops the ones that no longer count.</summary>
    public int Count => _notional.Count;

    /// <summary>
    /// Drops consumed positions and those whose notional has decayed below <paramref name="relativeFloor"/> × the open notional
    /// (their notional leaves the book and is returned), and rebuilds the heaps: O(n log n), called when the entry count has
    /// doubled, so amortised O(log n) per position. Changes the book by at most <paramref name="relativeFloor"/> × open × entries.
    /// </summary>
    public double Compact(double relativeFloor)
    {
        var floor = _openUnscaled * relativeFloor;
        var keep = new List<int>(_notional.Count);
        double dropped = 0;
        for (var i = 0; i < _notional.Count; i++)
        {
            var n = _notional[i];
            if (n <= 0) continue;
            if (n < floor)
            {
                if (_bin[i] >= 0) _density[_bin[i]] -= n;
                _openUnscaled -= n;
                dropped += n;
                continue;
            }
            keep.Add(i);
        }
        _longs.Clear();
        _shorts.Clear();
        var (notional, price, entry, bin, tier, side) = (new List<double>(keep.Count), new List<double>(keep.Count), new List<double>(keep.Count),
            new List<int>(keep.Count), new List<int>(keep.Count), new List<PositionSide>(keep.Count));
        foreach (var i in keep)
        {
            var id = notional.Count;
            notional.Add(_notional[i]);
            price.Add(_price[i]);
            entry.Add(_entry[i]);
            bin.Add(_bin[i]);
            tier.Add(_tier[i]);
            side.Add(_side[i]);
            if (_side[i] == PositionSide.Long) _longs.Enqueue(id, -_price[i]);
            else _shorts.Enqueue(id, _price[i]);
        }
        (_notional, _price, _entry, _bin, _tier, _side) = (notional, price, entry, bin, tier, side);
        return dropped * _scale;
    }

    public void Snapshot(double[,] grid, int column)
    {
        for (var b = 0; b < _density.Length; b++)
        {
            var v = _density[b] * _scale;
            grid[b, column] = v > 1e-9 ? v : 0; // clears floating-point residue of removed positions
        }
    }

    public void AddOpenTo(LiquidationMap map)
    {
        for (var i = 0; i < _notional.Count; i++)
        {
            if (_notional[i] <= 0) continue;
            map.Add(_side[i], _tier[i], _price[i], _notional[i] * _scale, _entry[i]);
        }
    }
}
