using System.Runtime.CompilerServices;

namespace LiquidationLab.Core.Margin;

/// <summary>
/// The <see cref="double"/> bulk path of the Binance liquidation-price formula, for models that compute millions of
/// liquidation prices. Same formula and the same bracket choice (notional at the liquidation price) as the exact
/// <see cref="LiquidationPriceCalculator"/>; agrees with it to about 1e-12 relative. No allocation per row.
/// </summary>
/// <remarks>
/// <para>The decimal table is converted to double once, here — the explicit decimal/double boundary (docs/architecture.md, numbers).</para>
/// <para>Differences from the exact path, by design: the leverage is <b>not</b> checked against the entry bracket
/// (models spread large trades over leverage tiers the exchange would cap; use
/// <see cref="LeverageBracketTable.MaxNotionalForLeverage"/> to filter if that matters), and a short whose
/// notional at liquidation would exceed the table yields <see cref="double.NaN"/> instead of throwing.
/// A long that cannot be liquidated at a positive price yields 0, as in the exact path.</para>
/// <para>Thread-safe: instances are immutable.</para>
/// </remarks>
public sealed class BulkLiquidationPriceCalculator
{
    private readonly double[] _mmr;
    private readonly double[] _cum;
    private readonly double[] _longAtFloor;   // cum_k + floor_k·(1 − MMR_k): f(floor_k) − c for a long
    private readonly double[] _shortAtFloor;  // cum_k + floor_k·(−1 − MMR_k): f(floor_k) − c for a short
    private readonly double _longAtLastCap;
    private readonly double[] _caps;
    private readonly int[] _maxLeverage;
    private readonly double _shortAtLastCap;

    /// <summary>Prepares the bulk path for one symbol's brackets.</summary>
    /// <param name="table">The symbol's validated bracket table.</param>
    public BulkLiquidationPriceCalculator(LeverageBracketTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        Table = table;
        var n = table.Brackets.Count;
        _mmr = new double[n];
        _cum = new double[n];
        _longAtFloor = new double[n];
        _shortAtFloor = new double[n];
        for (var k = 0; k < n; k++)
        {
            var b = table.Brackets[k];
            _mmr[k] = (double)b.MaintenanceMarginRate;
            _cum[k] = (double)b.MaintenanceAmountUsd;
            _longAtFloor[k] = (double)(b.MaintenanceAmountUsd + b.NotionalFloorUsd * (1m - b.MaintenanceMarginRate));
            _shortAtFloor[k] = (double)(b.MaintenanceAmountUsd + b.NotionalFloorUsd * (-1m - b.MaintenanceMarginRate));
        }
        _caps = table.Brackets.Select(b => (double)b.NotionalCapUsd).ToArray();
        _maxLeverage = table.Brackets.Select(b => b.MaxInitialLeverage).ToArray();
        var last = table.Brackets[^1];
        _longAtLastCap = (double)(last.MaintenanceAmountUsd + last.NotionalCapUsd * (1m - last.MaintenanceMarginRate));
        _shortAtLastCap = (double)(last.MaintenanceAmountUsd + last.NotionalCapUsd * (-1m - last.MaintenanceMarginRate));
    }

    /// <summary>
    /// Highest initial leverage allowed for a position of <paramref name="notionalUsd"/> (the bracket of that notional;
    /// a notional equal to a cap may use that bracket's leverage). Beyond the table: 1.
    /// </summary>
    public int MaxLeverageFor(double notionalUsd)
    {
        for (var k = 0; k < _caps.Length; k++)
            if (notionalUsd <= _caps[k]) return _maxLeverage[k];
        return 1;
    }

    /// <summary>The table the calculator was built from.</summary>
    public LeverageBracketTable Table { get; }

    /// <summary>
    /// Isolated-margin liquidation price of one position (wallet balance = quantity × entry ÷ leverage). Inputs are not
    /// validated here; see <see cref="ComputeIsolated"/> for the checked span version.
    /// </summary>
    /// <param name="side">+1 long, −1 short.</param>
    /// <param name="quantityBase">Position size in base units, &gt; 0.</param>
    /// <param name="entryPrice">Entry price, USDT, &gt; 0.</param>
    /// <param name="leverage">Initial leverage, ≥ 1.</param>
    /// <returns>Liquidation price in USDT; 0 for a long that cannot be liquidated; NaN beyond the table.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Isolated(int side, double quantityBase, double entryPrice, double leverage)
    {
        var notional = quantityBase * entryPrice;
        return Solve(side, quantityBase, notional, notional / leverage);
    }

    /// <summary>
    /// Liquidation price for a given margin balance term <c>W = WB − TMM1 + UPNL1</c> (cross margin; for isolated
    /// margin W is the isolated wallet balance).
    /// </summary>
    /// <param name="side">+1 long, −1 short.</param>
    /// <param name="quantityBase">Position size in base units, &gt; 0.</param>
    /// <param name="entryPrice">Entry price, USDT, &gt; 0.</param>
    /// <param name="marginBalanceTermUsd">W in USDT.</param>
    /// <returns>Liquidation price in USDT; 0 for a long that cannot be liquidated; NaN beyond the table or when a
    /// short is below maintenance at every price.</returns>
    public double WithMarginBalance(int side, double quantityBase, double entryPrice, double marginBalanceTermUsd) =>
        Solve(side, quantityBase, quantityBase * entryPrice, marginBalanceTermUsd);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private double Solve(int side, double q, double notionalAtEntry, double w)
    {
        // f(N) = c + cum_k + N·(side − MMR_k), c = W − side·Q·EP; root N* = Q·LP.
        var c = w - side * notionalAtEntry;
        var minusC = -c;
        var k = 0;
        var last = _mmr.Length - 1;
        if (side > 0)
        {
            if (c >= 0) return 0d;
            while (k < last && _longAtFloor[k + 1] <= minusC) k++;
            if (k == last && _longAtLastCap < minusC) return double.NaN;
        }
        else
        {
            if (c <= 0) return double.NaN;
            while (k < last && _shortAtFloor[k + 1] >= minusC) k++;
            if (k == last && _shortAtLastCap > minusC) return double.NaN;
        }
        return (c + _cum[k]) / (q * (_mmr[k] - side));
    }

    /// <summary>
    /// Isolated-margin liquidation prices for many positions (struct-of-arrays), writing into
    /// <paramref name="liquidationPrices"/>. Allocation-free.
    /// </summary>
    /// <param name="sides">+1 long, −1 short, per row.</param>
    /// <param name="quantitiesBase">Sizes in base units, &gt; 0, per row.</param>
    /// <param name="entryPrices">Entry prices, USDT, &gt; 0, per row.</param>
    /// <param name="leverages">Leverages, ≥ 1, per row.</param>
    /// <param name="liquidationPrices">Output, one per row (same semantics as <see cref="Isolated"/>).</param>
    /// <exception cref="ArgumentException">The spans differ in length, or a row has a side other than ±1, a
    /// non-positive (or NaN) size or price, or a leverage below 1; the message names the row index.</exception>
    public void ComputeIsolated(ReadOnlySpan<sbyte> sides, ReadOnlySpan<double> quantitiesBase, ReadOnlySpan<double> entryPrices, ReadOnlySpan<double> leverages, Span<double> liquidationPrices)
    {
        CheckLengths(sides.Length, quantitiesBase.Length, entryPrices.Length, leverages.Length, liquidationPrices.Length);
        ComputeRange(sides, quantitiesBase, entryPrices, leverages, liquidationPrices, 0);
    }

    /// <summary>
    /// Parallel version of <see cref="ComputeIsolated"/> over arrays, split into contiguous chunks, one per core.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="ComputeIsolated"/> (the first failing chunk's row).</exception>
    public void ComputeIsolatedParallel(sbyte[] sides, double[] quantitiesBase, double[] entryPrices, double[] leverages, double[] liquidationPrices)
    {
        ArgumentNullException.ThrowIfNull(sides);
        ArgumentNullException.ThrowIfNull(quantitiesBase);
        ArgumentNullException.ThrowIfNull(entryPrices);
        ArgumentNullException.ThrowIfNull(leverages);
        ArgumentNullException.ThrowIfNull(liquidationPrices);
        var n = sides.Length;
        CheckLengths(n, quantitiesBase.Length, entryPrices.Length, leverages.Length, liquidationPrices.Length);
        var chunks = Math.Max(1, Math.Min(Environment.ProcessorCount, n / 65_536));
        try
        {
            Parallel.For(0, chunks, c =>
            {
                var start = (int)((long)n * c / chunks);
                var len = (int)((long)n * (c + 1) / chunks) - start;
                ComputeRange(sides.AsSpan(start, len), quantitiesBase.AsSpan(start, len), entryPrices.AsSpan(start, len),
                    leverages.AsSpan(start, len), liquidationPrices.AsSpan(start, len), start);
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0 && e.InnerExceptions[0] is ArgumentException first)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }
    }

    private void ComputeRange(ReadOnlySpan<sbyte> sides, ReadOnlySpan<double> quantitiesBase, ReadOnlySpan<double> entryPrices, ReadOnlySpan<double> leverages, Span<double> liquidationPrices, int rowOffset)
    {
        for (var i = 0; i < sides.Length; i++)
        {
            int s = sides[i];
            double q = quantitiesBase[i], ep = entryPrices[i], lev = leverages[i];
            if ((s != 1 && s != -1) || !(q > 0) || !(ep > 0) || !(lev >= 1))
                throw new ArgumentException(
                    $"Row {rowOffset + i}: side must be ±1, quantity and entry price > 0, leverage ≥ 1 (side {s}, quantity {q}, entry {ep}, leverage {lev}).");
            liquidationPrices[i] = Isolated(s, q, ep, lev);
        }
    }

    private static void CheckLengths(int sides, int quantities, int entries, int leverages, int output)
    {
        if (quantities != sides || entries != sides || leverages != sides || output != sides)
            throw new ArgumentException(
                $"All spans must have the same length: sides {sides}, quantities {quantities}, entry prices {entries}, leverages {leverages}, output {output}.");
    }
}
