using System.Globalization;
using System.Text;
using LiquidationLab.Liquidity;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Liquidity.Service;

/// <summary>Writes books in the Polymarket CLOB's <c>GET /book</c> shape (the replay server and the benchmark serve them).</summary>
public static class ClobBookJson
{
    /// <summary>The JSON arrays of a book's levels (bids ascending, asks descending, as the CLOB serves them), for fast serving.</summary>
    public static (string Bids, string Asks) LevelArrays(OrderBook book)
    {
        static string Arr(IEnumerable<BookLevel> levels)
        {
            var sb = new StringBuilder("[");
            foreach (var l in levels)
            {
                if (sb.Length > 1) sb.Append(',');
                sb.Append(CultureInfo.InvariantCulture, $"{{\"price\":\"{l.Price}\",\"size\":\"{l.Size}\"}}");
            }
            return sb.Append(']').ToString();
        }
        return (Arr(book.Bids.Reverse()), Arr(book.Asks.Reverse()));
    }
}
