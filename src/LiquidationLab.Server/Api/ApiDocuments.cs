using System.Globalization;
using System.Text;
using System.Text.Json;
using LiquidationLab.Analysis;
using LiquidationLab.Charts;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Models;

namespace LiquidationLab.Server.Api;

/// <summary>The API's JSON documents built from the application layer's results (snake_case, UTC ISO times, USD).</summary>
internal static class ApiDocuments
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Time(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string? Time(DateTime? t) => t is { } v ? Time(v) : null;

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    private static string Side(PositionSide s) => s == PositionSide.Long ? "long" : "short";

    public static object Levels(LevelsResult r) => r.Document();

    public static object Heatmap(HeatmapResult r)
    {
        var g = r.Grid;
        var z = new double[g.Price.Count][];
        for (var b = 0; b < g.Price.Count; b++)
        {
            var row = new double[g.Times.Count];
            for (var t = 0; t < row.Length; t++) row[t] = Math.Round(g.Values[b, t]);
            z[b] = row;
        }
        return new
        {
            r.Symbol,
            r.Query.Interval,
            r.Query.Market,
            Model = r.Result.Model,
            Venues = r.VenueNames,
            r.VenueSet,
            From = Time(r.Candles[0].OpenTime),
            To = Time(r.Candles[^1].OpenTime),
            Candles = r.Candles.Length,
            r.OpenInterestCandles,
            r.CandlesPerColumn,
            LeverageMix = r.Mix.Tiers.Select(t => new { t.Leverage, t.Weight }),
            Units = new
            {
                Values = "USD of open liquidation notional per price bin (model notional: a scale of created open interest, not of real liquidations)",
                Price = "USDT",
                Times = "UTC start time of each column (the column shows the book after its last candle)",
            },
            PriceBins = new { g.Price.LowerEdge, g.Price.Width, g.Price.Count, Centers = g.Price.Centers() },
            Times = g.Times.Select(Time),
            Values = z,
            PricePath = new
            {
                Times = r.Candles.Select(c => Time(c.OpenTime)),
                Open = r.Candles.Select(c => c.Open),
                High = r.Candles.Select(c => c.High),
                Low = r.Candles.Select(c => c.Low),
                Close = r.Candles.Select(c => c.Close),
            },
            FrozenOpenInterest = r.FrozenOpenInterest.Select(f => new { From = Time(f.From), To = Time(f.To), f.Samples, ValueUsd = f.Value }),
            Totals = new { r.Totals.CreatedUsd, r.Totals.ConsumedUsd, r.Totals.ClosedUsd, r.Totals.OpenUsd },
            PerVenue = r.VenueMaps?.Select(v => new
            {
                Venue = v.Name,
                v.Instrument,
                TierTable = new { Source = v.Margin.Tiers.Source, EffectiveDate = v.Margin.Tiers.EffectiveDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) },
                OpenInterest = Series(v.OpenInterest),
                Candles = Series(v.Candles),
                Totals = new { v.Totals.CreatedUsd, v.Totals.ConsumedUsd, v.Totals.ClosedUsd, v.Totals.OpenUsd },
                Values = Rounded(v.Grid),
            }),
            LeftOut = r.LeftOut?.Select(l => new { Venue = Core.Margin.Venues.VenueInfo.Name(l.Venue), l.Reason }),
            r.Summary,
        };
    }

    private static object Series(SeriesUsed s) => new { StoreVenue = s.Venue, s.Symbol, s.Source, s.Interval, s.Rows };

    private static double[][] Rounded(Core.Heatmaps.TimePriceGrid g)
    {
        var z = new double[g.Price.Count][];
        for (var b = 0; b < g.Price.Count; b++)
        {
            var row = new double[g.Times.Count];
            for (var t = 0; t < row.Length; t++) row[t] = Math.Round(g.Values[b, t]);
            z[b] = row;
        }
        return z;
    }

    public static object Map(MapResult r)
    {
        var m = r.Map;
        double[][] Rows(double[,] a) => Enumerable.Range(0, m.Leverages.Count).Select(t => Enumerable.Range(0, m.Bins.Count).Select(b => Math.Round(a[t, b], 2)).ToArray()).ToArray();
        return new
        {
            Symbol = r.Table.Symbol,
            From = Time(r.Trades.FirstTime),
            To = Time(r.Trades.LastTime),
            Filter = new { Mode = MapQuery.ModeName(r.Query.Filter.Mode), r.Query.Filter.Threshold },
            TradesInWindow = r.Trades.TradeCount,
            TradesSelected = r.Trades.SelectedCount,
            CurrentPrice = m.CurrentPrice,
            Units = new { Values = "USD of liquidation notional per leverage tier and price bin", Price = "USDT" },
            PriceBins = new { m.Bins.LowerEdge, m.Bins.Width, m.Bins.Count, Centers = m.Bins.Centers() },
            m.Leverages,
            LongUsd = Rows(m.LongUsd),
            ShortUsd = Rows(m.ShortUsd),
            CumulativeLongUsd = m.CumulativeLongUsd,
            CumulativeShortUsd = m.CumulativeShortUsd,
            OutOfRangeUsd = m.OutOfRangeUsd,
            r.Title,
        };
    }

    public static object Compare(CompareResult r) => new
    {
        r.Query.Symbol,
        TradeWindow = r.TradeWindow is { } tw ? new { From = Time(tw.Start), To = Time(tw.End) } : null,
        CandleWindow = r.CandleWindow is { } cw ? new { From = Time(cw.Start), To = Time(cw.End) } : null,
        r.Query.Interval,
        r.Trades,
        r.Candles,
        r.FundingObservations,
        Models = r.Models.Select(m =>
        {
            var rel = m.Relative();
            var total = rel?.Levels.Sum(l => l.NotionalUsd) ?? 0;
            double? Mean(PositionSide side)
            {
                if (rel is null) return null;
                var ls = rel.Levels.Where(l => l.Side == side).ToArray();
                var n = ls.Sum(l => l.NotionalUsd);
                return n == 0 ? null : Math.Round(ls.Sum(l => l.Price * l.NotionalUsd) / n, 3);
            }
            return new
            {
                m.Model,
                m.Window,
                Ran = m.Result is not null,
                Reason = m.NotRun,
                CurrentPrice = m.CurrentPrice,
                Levels = m.Result?.Levels.Count,
                LongUsd = m.Result?.TotalUsd(PositionSide.Long),
                ShortUsd = m.Result?.TotalUsd(PositionSide.Short),
                LongSharePercent = total > 0 ? Math.Round(100 * rel!.Levels.Where(l => l.Side == PositionSide.Long).Sum(l => l.NotionalUsd) / total, 2) : (double?)null,
                MeanLongDistancePercent = Mean(PositionSide.Long),
                MeanShortDistancePercent = Mean(PositionSide.Short),
                Within5PercentShare = total > 0 ? Math.Round(100 * rel!.Levels.Where(l => Math.Abs(l.Price) <= 5).Sum(l => l.NotionalUsd) / total, 2) : (double?)null,
            };
        }),
        r.EnsembleSkipped,
    };

    public static object History(HistoryResult r) => new
    {
        r.Query.Symbol,
        r.Query.Interval,
        r.Query.Market,
        r.Scope,
        r.CandleSource,
        r.TotalsSource,
        Units = new
        {
            Real = "USD liquidated (the source's totals for the scope)",
            Model = "USD the time-evolving model liquidates in the period, given its range: model notional, comparable in rank and shape, not in level",
        },
        Spearman = Finite(r.Spearman),
        r.OpenInterestPeriods,
        r.Note,
        Periods = r.Periods.Select(p => new
        {
            PeriodStart = Time(p.PeriodStart),
            p.Close,
            RealLongUsd = p.RealLongUsd,
            RealShortUsd = p.RealShortUsd,
            ModelLongUsd = Math.Round(p.ModelLongUsd, 2),
            ModelShortUsd = Math.Round(p.ModelShortUsd, 2),
        }),
        Prints = r.Prints.Select(p => new
        {
            Time = Time(p.Time),
            p.OrderSide,
            p.LiquidatedSide,
            OrderPrice = p.Price,
            p.AveragePrice,
            Quantity = p.QuantityBase,
            p.NotionalUsd,
            p.Venue,
            p.Source,
        }),
    };

    /// <summary><c>{"title", "summary", "figures": [{data, layout}, …]}</c> — Plotly figures as the notebooks draw them.</summary>
    public static byte[] Figures(string title, string? summary, IReadOnlyList<Figure> figures)
    {
        var sb = new StringBuilder();
        sb.Append("{\"title\":").Append(JsonSerializer.Serialize(title, Json))
          .Append(",\"summary\":").Append(summary is null ? "null" : JsonSerializer.Serialize(summary, Json))
          .Append(",\"figures\":[");
        for (var i = 0; i < figures.Count; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(figures[i].ToJson());
        }
        sb.Append("]}");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }
}
