using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Heatmaps;

namespace LiquidationLab.Core.Models;

/// <summary>
/// The seed's ensemble: a weighted combination of models on a common price grid. Each component's levels are first
/// normalised to a distribution (its total notional = 1), then weighted, summed per side, leverage tier and price
/// bin, and scaled to a reference total — the window's current open interest when known, else the weighted mean of
/// the components' totals — so models of different scale (trade notional vs open interest) combine fairly.
/// </summary>
/// <remarks>Default components and weights 0.5 / 0.3 / 0.2: open-interest profile (the seed's recommended model),
/// time-evolving, Binance standard. The seed names the weights but not the order here; this order gives the
/// recommended model the largest weight. Components that fail on a window (e.g. no trades) or produce nothing are
/// skipped and the remaining weights renormalised; the result's <see cref="LiquidationModelResult.Skipped"/> says which and why.</remarks>
public sealed class EnsembleModel : ILiquidationModel
{
    /// <summary>The model's name.</summary>
    public const string ModelName = "ensemble";

    /// <summary>Creates the ensemble.</summary>
    /// <exception cref="ArgumentException">No components or a non-positive weight.</exception>
    public EnsembleModel(IReadOnlyList<(ILiquidationModel Model, double Weight)>? components = null, int priceBinCount = 250)
    {
        Components = components ?? [(new OpenInterestProfileModel(), 0.5), (new TimeEvolvingModel(), 0.3), (new BinanceStandardModel(), 0.2)];
        if (Components.Count == 0) throw new ArgumentException("An ensemble needs at least one component.", nameof(components));
        if (Components.Any(c => !(c.Weight > 0))) throw new ArgumentException("Component weights must be > 0.", nameof(components));
        PriceBinCount = priceBinCount;
    }

    /// <summary>Models and weights.</summary>
    public IReadOnlyList<(ILiquidationModel Model, double Weight)> Components { get; }

    /// <summary>Approximate number of bins of the common grid.</summary>
    public int PriceBinCount { get; }


    /// <inheritdoc />
    public string Name => ModelName;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">Every component failed or produced nothing.</exception>
    public LiquidationModelResult Run(MarketWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var results = new List<(LiquidationModelResult Result, double Weight, double Total)>();
        var skipped = new List<string>();
        foreach (var (model, weight) in Components)
        {
            try
            {
                var r = model.Run(window);
                var total = r.Levels.Sum(l => l.NotionalUsd);
                if (total > 0) results.Add((r, weight, total));
                else skipped.Add($"{model.Name}: no levels");
            }
            catch (InvalidOperationException e)
            {
                skipped.Add($"{model.Name}: {e.Message}");
            }
        }
        if (results.Count == 0) throw new InvalidOperationException($"{Name}: every component was skipped ({string.Join("; ", skipped)}).");
        var weightSum = results.Sum(r => r.Weight);
        var oi = window.CurrentOpenInterestUsd;
        var reference = double.IsFinite(oi) && oi > 0 ? oi : results.Sum(r => r.Weight * r.Total) / weightSum;

        var current = window.CurrentPrice;
        var all = results.SelectMany(r => r.Result.Levels).Where(l => l.Price > current * 0.25 && l.Price < current * 4).ToArray();
        var lo = all.Length > 0 ? Math.Min(all.Min(l => l.Price), current) : current * 0.8;
        var hi = all.Length > 0 ? Math.Max(all.Max(l => l.Price), current) : current * 1.2;
        var bins = PriceBins.Nice(lo, hi, PriceBinCount);
        var leverages = results.SelectMany(r => r.Result.Levels).Select(l => l.Leverage).Distinct().Order().ToArray();
        var map = new LiquidationMap(bins, current, leverages);
        foreach (var (r, weight, total) in results)
        {
            var factor = weight / weightSum * reference / total;
            foreach (var l in r.Levels) map.Add(l.Side, map.TierIndex(l.Leverage), l.Price, l.NotionalUsd * factor, l.EntryPrice);
        }
        map.ComputeCumulative();
        var mixWeights = Components.Select(c => c.Model).OfType<OpenInterestProfileModel>().FirstOrDefault()?.Mix ?? LeverageMix.Default;
        return new LiquidationModelResult(Name, map.ToLevels(Name, mixWeights), Skipped: skipped);
    }
}
