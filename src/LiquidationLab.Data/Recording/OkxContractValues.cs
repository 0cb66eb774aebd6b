namespace LiquidationLab.Data.Recording;

/// <summary>
/// OKX USDT swaps' contract values (<c>ctVal</c>: base units per contract), which turn OKX's contract counts into base
/// quantities. A checked table, not a number in code: each entry names where it comes from, the OKX recorder refuses an
/// instrument that is not here before it connects, and it checks every <c>open-interest</c> message against the table
/// (<c>oiCcy</c> must equal <c>oi</c> × <c>ctVal</c>), so a contract value OKX changed is noticed at once.
/// </summary>
/// <remarks>
/// Sources: OKX v5 documentation, <c>GET /api/v5/public/instruments</c> ("ctVal … for linear contracts, ctVal is in the base
/// currency (e.g., ctVal=0.01 BTC for BTC-USDT-SWAP)", https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments,
/// read 2026-12-08); the ratio <c>oiCcy ÷ oi</c> of OKX's own open-interest answer saved on 2026-01-19 (BTC-USDT-SWAP
/// 26,602.3959 ÷ 2,660,239.59 = 0.01; ETH-USDT-SWAP 593,293.553 ÷ 5,932,935.53 = 0.1; SOL-USDT-SWAP 3,140,536.76 ÷
/// 3,140,536.76 = 1); and the project's own tier table <c>data/tiers/okx-swap/BTC-USDT-SWAP.json</c>
/// (<c>contractValue</c> 0.01), which a test compares with this table.
/// </remarks>
public static class OkxContractValues
{
    /// <summary>The table: instrument id → base units per contract.</summary>
    public static IReadOnlyDictionary<string, decimal> All { get; } = new Dictionary<string, decimal>(StringComparer.Ordinal)
    {
        ["BTC-USDT-SWAP"] = 0.01m,
        ["ETH-USDT-SWAP"] = 0.1m,
        ["SOL-USDT-SWAP"] = 1m,
    };

    /// <summary>The contract value of <paramref name="instrument"/>.</summary>
    /// <exception cref="ArgumentException">The instrument is not in the table (the message lists those that are).</exception>
    public static decimal Of(string instrument) => All.TryGetValue(instrument, out var v) ? v
        : throw new ArgumentException($"No contract value is known for '{(instrument is { Length: > 40 } ? instrument[..40] + "…" : instrument)}' (base units per contract, OKX's ctVal); " +
                                      $"known: {string.Join(", ", All.Keys.Order(StringComparer.Ordinal))}. Add it to OkxContractValues with its source.", nameof(instrument));
}
