using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Validation;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Data.Tests.Ingest;

/// <summary>The overwrite/revision policy for keyed series, and the duplicate rules for exchange identifiers (issue 14, classes 2 and 3).</summary>
public sealed class RevisionPolicyTests : IDisposable
{
    private readonly TempStore _t = new();

    public void Dispose() => _t.Dispose();

    private const string Header = "timestamp,long_usd,short_usd";

    // Coinglass Binance liquidation totals, 4-hour bars; value(i) gives long_usd of bar i.
    private string Liquidations(string folder, int from, int to, Func<int, double>? value = null)
    {
        var lines = Enumerable.Range(from, to - from + 1).Select(i =>
            FormattableString.Invariant($"{new DateTime(2025, 10, 1).AddHours(4 * i):yyyy-MM-dd HH:mm:ss},{(value ?? (k => 1000.0 + k))(i)},{500 + i}"));
        return _t.Write(Path.Combine(folder, "coinglass_liquidation_4h.csv"), Header + "\n" + string.Join("\n", lines) + "\n");
    }

    private double LongUsd(int i) => _t.Store.Scalar<double>(
        "SELECT long_usd FROM liquidation_totals WHERE period_start = $1", new DateTime(2025, 10, 1).AddHours(4 * i));

    [Fact]
    public void A_conflicting_file_keeps_the_stored_values_and_its_own_as_revisions()
    {
        _t.Ingestor.IngestFile(Liquidations("a", 0, 9));
        var r = _t.Ingestor.IngestFile(Liquidations("b", 0, 9, i => (1000.0 + i) * 1000));
        Assert.Equal(0, r.Rows);
        Assert.Equal(10, r.Conflicts);
        Assert.Equal(1003, LongUsd(3));
        Assert.Equal(10, _t.Count("liquidation_totals_revisions", "status = 'kept' AND reason = 'conflict' AND long_usd >= 1000000"));
        var finding = Assert.Single(StoreValidator.Validate(_t.Store), f => f.Check.StartsWith("conflicts kept", StringComparison.Ordinal));
        Assert.Equal(10, finding.Count);
        Assert.Contains("coinglass_liquidation_4h.csv", finding.Example, StringComparison.Ordinal);
    }

    [Fact]
    public void Replace_is_explicit_and_revert_brings_the_old_values_back()
    {
        var original = Liquidations("a", 0, 9);
        _t.Ingestor.IngestFile(original);
        var before = _t.Fingerprint();
        var scaled = Liquidations("b", 0, 9, i => (1000.0 + i) * 1000);
        var replacing = new Ingestor(_t.Store) { ConflictPolicy = ConflictPolicy.Replace };
        var r = replacing.IngestFile(scaled);
        Assert.Equal(10, r.Conflicts);
        Assert.Equal(1_003_000, LongUsd(3));
        Assert.Equal(10, _t.Count("liquidation_totals_revisions", "status = 'replaced' AND reason = '--replace'"));

        var reverted = IngestRevert.Revert(_t.Store, scaled);
        Assert.Equal(10, reverted.RowsRemoved);
        Assert.Equal(10, reverted.RowsRestored);
        Assert.Equal(1003, LongUsd(3));
        Assert.Equal(before, _t.Fingerprint()); // exactly the store before the replacing file
        // The reverted file is forgotten, so the same bytes can come in again.
        Assert.Equal(IngestStatus.Ingested, _t.Ingestor.IngestFile(scaled).Status);
    }

    [Fact]
    public void Reverting_the_stored_file_promotes_the_value_it_kept_out()
    {
        var a = Liquidations("a", 0, 4);
        _t.Ingestor.IngestFile(a);
        _t.Ingestor.IngestFile(Liquidations("b", 0, 4, i => 7.0 + i));
        Assert.Equal(1002, LongUsd(2));
        var r = IngestRevert.Revert(_t.Store, Ingestor.Sha256(a));
        Assert.Equal(5, r.RowsRestored);
        Assert.Equal(9, LongUsd(2));
        Assert.Equal(0, _t.Count("liquidation_totals_revisions"));
    }

    [Fact]
    public void The_unclosed_last_bar_of_an_export_is_superseded_on_record_in_either_order()
    {
        // Export A ends at bar 5 (still open when exported: 1005 then, 1105 once closed); export B runs on to bar 9.
        static double Closed(int i) => i == 5 ? 1105 : 1000.0 + i;
        _t.Ingestor.IngestFile(Liquidations("a", 0, 5));
        var r = _t.Ingestor.IngestFile(Liquidations("b", 3, 9, Closed));
        Assert.Equal(0, r.Conflicts);
        Assert.Equal(1105, LongUsd(5));
        Assert.Equal(1, _t.Count("liquidation_totals_revisions", "status = 'replaced' AND reason = 'unclosed' AND long_usd = 1005"));

        using var other = new TempStore();
        other.Ingestor.IngestFile(other.Write("b/coinglass_liquidation_4h.csv", File.ReadAllText(Path.Combine(_t.Directory, "b", "coinglass_liquidation_4h.csv"))));
        other.Ingestor.IngestFile(other.Write("a/coinglass_liquidation_4h.csv", File.ReadAllText(Path.Combine(_t.Directory, "a", "coinglass_liquidation_4h.csv"))));
        Assert.Equal(1105, other.Store.Scalar<double>("SELECT long_usd FROM liquidation_totals WHERE period_start = TIMESTAMP '2025-10-01 20:00:00'"));
        Assert.Equal(1, other.Count("liquidation_totals_revisions", "status = 'kept' AND reason = 'unclosed' AND long_usd = 1005"));
    }

    [Fact]
    public void A_future_or_absurd_date_fails_the_file_naming_the_line_and_nothing_is_pinned()
    {
        _t.Ingestor.IngestFile(Liquidations("a", 0, 9));
        var before = _t.Fingerprint();
        var path = _t.Write("c/coinglass_liquidation_4h.csv", Header + "\n2025-10-01 00:00:00,1,1\n9999-12-31 00:00:00,1,1\n");
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(path));
        Assert.Contains("line 3: field timestamp: '9999-12-31 00:00:00' is 9999-12-31", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, _t.Fingerprint());
        // A genuinely newer export still comes in.
        Assert.Equal(5, _t.Ingestor.IngestFile(Liquidations("d", 5, 14)).Rows);
    }

    [Fact]
    public void One_key_twice_in_a_file_with_different_values_fails_naming_both_lines()
    {
        var path = _t.Write("e/coinglass_liquidation_4h.csv", Header + "\n2025-10-01 00:00:00,1,1\n2025-10-01 04:00:00,2,2\n2025-10-01 00:00:00,3,1\n");
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(path));
        Assert.Contains("lines 2 and 4 give the same key", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, _t.Count("liquidation_totals"));
    }

    private const string AggHeader = "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker";

    [Fact]
    public void Re_delivered_trades_are_counted_once_and_reverting_the_first_file_names_the_re_delivery()
    {
        var first = _t.Write("BTCUSDT-aggTrades-2024-01-01.csv", AggHeader + "\n1,42000.5,0.1,10,10,1704067200000,true\n2,42000.6,0.2,11,12,1704067200100,false\n");
        var overlap = _t.Write("x/BTCUSDT-aggTrades-2024-01-01.csv", "2,42000.6,0.2,11,12,1704067200100,false\r\n3,42000.7,0.3,13,13,1704067200200,true\r\n");
        _t.Ingestor.IngestFile(first);
        var r = _t.Ingestor.IngestFile(overlap);
        Assert.Equal(1, r.Rows);
        Assert.Equal(1, r.Redelivered);
        Assert.Equal(3, _t.Count("agg_trades"));
        Assert.DoesNotContain(StoreValidator.Validate(_t.Store), f => f.Severity == FindingSeverity.Error);

        var reverted = IngestRevert.Revert(_t.Store, first);
        Assert.Equal(2, reverted.RowsRemoved);
        var (file, rows) = Assert.Single(reverted.RedeliveredBy);
        Assert.Equal(overlap, file);
        Assert.Equal(1, rows);
    }

    [Fact]
    public void A_trade_id_twice_in_one_file_with_different_prices_is_refused()
    {
        var path = _t.Write("BTCUSDT-aggTrades-2024-01-02.csv", AggHeader + "\n1,42000.5,0.1,10,10,1704067200000,true\n1,42999.5,0.1,10,10,1704067200000,true\n");
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(path));
        Assert.Contains("agg_trade_id 1 appears twice in this file with different values", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, _t.Count("agg_trades"));
    }

    [Fact]
    public void Revert_refuses_an_unknown_or_ambiguous_file()
    {
        Assert.Throws<ArgumentException>(() => IngestRevert.Revert(_t.Store, "nothing-like-this.csv"));
        _t.Ingestor.IngestFile(Liquidations("a", 0, 1));
        _t.Ingestor.IngestFile(Liquidations("b", 2, 3));
        var e = Assert.Throws<ArgumentException>(() => IngestRevert.Revert(_t.Store, "coinglass_liquidation_4h.csv"));
        Assert.Contains("matches 2 ingested files", e.Message, StringComparison.Ordinal);
    }
}
