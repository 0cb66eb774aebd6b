using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Validation;
using LiquidationLab.TestSupport;
using Xunit.Abstractions;

namespace LiquidationLab.Data.Tests.Hostile;

/// <summary>
/// The hostile-input suite (issue 14): inputs generated from the real-data snapshot, one test per class of attack, each
/// holding the invariant "either the whole file is ingested correctly, or the command fails naming file + line (or record)
/// + field, and every table's row count and contents are unchanged". Each test prints how many inputs it tried.
/// </summary>
public sealed partial class HostileInputSuiteTests(ITestOutputHelper output)
{
    /// <summary>Values a field of each kind must refuse (each is written into one real row).</summary>
    internal static IReadOnlyList<string> BadValues(CheckedField f, string original)
    {
        var list = new List<string>();
        switch (f.Kind)
        {
            case FieldKind.Positive:
                list.AddRange(["NaN", "inf", "-inf", "1e400", "123456789012345678901234567890123456789012345678901", "-1", "0", "abc"]);
                break;
            case FieldKind.NonNegative:
                list.AddRange(["NaN", "inf", "-inf", "1e400", "123456789012345678901234567890123456789012345678901", "-1", "abc"]);
                break;
            case FieldKind.Rate:
                list.AddRange(["NaN", "inf", "1e400", "-1", "1.5", "abc"]);
                break;
            case FieldKind.Probability:
                list.AddRange(["NaN", "1e400", "0", "1", "1.5", "-0.2", "abc"]);
                break;
            case FieldKind.EpochMs:
                var ms = long.Parse(original, CultureInfo.InvariantCulture);
                list.AddRange([(ms / 1000).ToString(CultureInfo.InvariantCulture), "32503680000000", "253402300799000", "-5", "abc",
                    (ms * 1_000_000).ToString(CultureInfo.InvariantCulture)]);
                break;
            case FieldKind.IsoTime:
                list.AddRange(["3000-01-01 00:00:00", "9999-12-31 23:59:59", "1970-01-01 00:00:00", "garbage"]);
                break;
        }
        if (f.Required) list.Add("");
        return list;
    }

    /// <summary>Class 4 and 7: every impossible value in every checked field of every format fails naming file, line and field.</summary>
    [Fact]
    public void Impossible_values_are_refused_naming_file_line_and_field_and_the_store_is_unchanged()
    {
        var tried = 0;
        var failures = new List<string>();
        foreach (var format in RealFormats.All)
        {
            using var t = new TempStore();
            var ingestor = format.Ingestor(t.Store);
            var rng = new Random(format.Name.Length * 7919);
            foreach (var field in format.Fields)
            {
                foreach (var bad in BadValues(field, format.Rows[1][field.Index]))
                {
                    // Row 0 decides a file's epoch unit: mutate a later one.
                    var i = 1 + rng.Next(format.Rows.Count - 1);
                    var rows = format.Rows.Select(r => (string[])r.Clone()).ToList();
                    rows[i][field.Index] = bad;
                    var path = format.Write(t.Directory, rows);
                    var before = t.Fingerprint();
                    tried++;
                    try
                    {
                        ingestor.IngestFile(path);
                        failures.Add($"{format}: {field.Name} = '{bad}' at row {i} was ingested");
                        IngestRevert.Revert(t.Store, path);
                        continue;
                    }
                    catch (IngestException e)
                    {
                        var where = format.Location(i, new Variant());
                        if (!e.Message.StartsWith(path, StringComparison.Ordinal)) failures.Add($"{format}: '{bad}': the message does not start with the file: {e.Message}");
                        else if (!e.Message.Contains(where, StringComparison.OrdinalIgnoreCase)) failures.Add($"{format}: {field.Name} = '{bad}': no '{where}' in: {e.Message}");
                        else if (!FieldNamed(e.Message, field.Name)) failures.Add($"{format}: {field.Name} = '{bad}': the field is not named in: {e.Message}");
                    }
                    if (t.Fingerprint() != before) failures.Add($"{format}: {field.Name} = '{bad}': the store changed");
                }
            }
        }
        output.WriteLine($"class 4/7: {tried} generated inputs (impossible values in {RealFormats.All.Sum(f => f.Fields.Count)} fields of {RealFormats.All.Count} formats)");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(tried >= 150, $"only {tried} inputs");
    }

    private static bool FieldNamed(string message, string field) =>
        Regex.IsMatch(message, $@"(field|column) ""?{Regex.Escape(field)}\b", RegexOptions.IgnoreCase)
        || Regex.IsMatch(message, $@"\b{Regex.Escape(field)}\b[ :]", RegexOptions.None);

    /// <summary>The generated formats are real data that ingest whole: the control for every other test.</summary>
    [Fact]
    public void Every_generated_format_ingests_whole()
    {
        foreach (var format in RealFormats.All)
        {
            using var t = new TempStore();
            var r = format.Ingestor(t.Store).IngestFile(format.Write(t.Directory, format.Rows));
            Assert.Equal(IngestStatus.Ingested, r.Status);
            Assert.Equal(format.Lands.Rows, t.Count(format.Lands.Table));
        }
    }

    /// <summary>Class 3: the same rows in other bytes (no header, CRLF, quoted, repeated 2× and 15×, zipped or re-gzipped) are never counted twice.</summary>
    [Fact]
    public void The_same_rows_in_other_bytes_are_never_counted_twice()
    {
        var tried = 0;
        var failures = new List<string>();
        foreach (var format in RealFormats.All)
        {
            using var t = new TempStore();
            var ingestor = format.Ingestor(t.Store);
            ingestor.IngestFile(format.Write(t.Directory, format.Rows));
            var variants = new List<Variant> { new(Crlf: true), new(Repeat: 2), new(Repeat: 15), new(Packed: true), new(Crlf: true, Repeat: 3) };
            if (format.Csv) variants.AddRange([new(Header: false), new(Quoted: true), new(Header: false, Crlf: true, Repeat: 2)]);
            foreach (var v in variants)
            {
                tried++;
                var path = format.Write(t.Directory, format.Rows, v);
                try
                {
                    ingestor.IngestFile(path);
                }
                catch (IngestException e)
                {
                    failures.Add($"{format} {v}: {e.Message}");
                    continue;
                }
                var n = t.Count(format.Lands.Table);
                if (n != format.Lands.Rows) failures.Add($"{format} {v}: {format.Lands.Table} holds {n} rows, expected {format.Lands.Rows}");
            }
            // Fresh store: one file repeating its rows 15× is stored once.
            using var fresh = new TempStore();
            tried++;
            format.Ingestor(fresh.Store).IngestFile(format.Write(fresh.Directory, format.Rows, new Variant(Repeat: 15)));
            if (fresh.Count(format.Lands.Table) != format.Lands.Rows) failures.Add($"{format}: a file repeating its rows 15× stored {fresh.Count(format.Lands.Table)} rows");
            var counted = StoreValidator.Validate(t.Store).Where(f => f.Severity == FindingSeverity.Error).ToList();
            failures.AddRange(counted.Select(f => $"{format}: validate: {f.Table} {f.Check} {f.Count} {f.Example}"));
        }
        output.WriteLine($"class 3: {tried} generated inputs");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>A trade id re-delivered with another price is a corrupt file: refused, naming both values and the stored file.</summary>
    [Fact]
    public void An_exchange_id_with_different_values_is_refused_naming_both()
    {
        var tried = 0;
        foreach (var format in RealFormats.All.Where(f => f.Lands.Table is "agg_trades" or "trades" or "book_trades"))
        {
            using var t = new TempStore();
            var ingestor = format.Ingestor(t.Store);
            var first = format.Write(t.Directory, format.Rows);
            ingestor.IngestFile(first);
            var rows = format.Rows.Select(r => (string[])r.Clone()).ToList();
            var priceField = format.Fields.First(f => f.Kind is FieldKind.Positive or FieldKind.Probability);
            rows[5][priceField.Index] = format.Name == "polymarket-trades" ? "0.0123" : "12345.5";
            var path = format.Write(t.Directory, rows, new Variant(Crlf: true));
            var before = t.Fingerprint();
            tried++;
            var e = Assert.Throws<IngestException>(() => ingestor.IngestFile(path));
            Assert.Contains("already stored with different values", e.Message, StringComparison.Ordinal);
            Assert.Contains(first, e.Message, StringComparison.Ordinal);
            Assert.Equal(before, t.Fingerprint());
        }
        output.WriteLine($"class 3 (conflicting ids): {tried} generated inputs");
    }

    /// <summary>Class 2: a file that rescales every value and adds a row far in the future is refused; without that row its values are kept out, never silently replacing the stored ones.</summary>
    [Fact]
    public void Keyed_series_are_never_overwritten_silently()
    {
        var tried = 0;
        foreach (var format in RealFormats.All.Where(f => f.Lands.Table is "klines" or "funding_rates" or "liquidation_totals" or "open_interest"))
        {
            using var t = new TempStore();
            var ingestor = format.Ingestor(t.Store);
            ingestor.IngestFile(format.Write(t.Directory, format.Rows));
            var stored = t.Fingerprint();
            var value = format.Fields.First(f => f.Kind is FieldKind.NonNegative or FieldKind.Positive or FieldKind.Rate);
            var time = format.Fields.First(f => f.Kind is FieldKind.EpochMs or FieldKind.IsoTime);
            var scaled = format.Rows.Select(r =>
            {
                var c = (string[])r.Clone();
                if (double.TryParse(c[value.Index], CultureInfo.InvariantCulture, out var x))
                    c[value.Index] = (value.Kind == FieldKind.Rate ? x / 1000 + 1e-6 : x * 1000 + 1).ToString("R", CultureInfo.InvariantCulture);
                return c;
            }).ToList();
            foreach (var future in new[] { "2099-01-01 00:00:00", "9999-12-31 00:00:00" })
            {
                var pinned = scaled.Select(r => (string[])r.Clone()).ToList();
                var extra = (string[])pinned[^1].Clone();
                extra[time.Index] = time.Kind == FieldKind.IsoTime ? future
                    : new DateTimeOffset(DateTime.Parse(future, CultureInfo.InvariantCulture), TimeSpan.Zero).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
                pinned.Add(extra);
                tried++;
                var path = format.Write(t.Directory, pinned);
                var e = Assert.Throws<IngestException>(() => ingestor.IngestFile(path));
                Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"line {pinned.Count + 1}"), e.Message, StringComparison.Ordinal);
                Assert.Equal(stored, t.Fingerprint());
            }
            tried++;
            var r = ingestor.IngestFile(format.Write(t.Directory, scaled));
            Assert.Equal(0, r.Rows);
            Assert.True(r.Conflicts > 0, $"{format}: no conflicts counted");
            var kept = t.Count(format.Lands.Table + "_revisions", "status = 'kept'");
            Assert.Equal(r.Conflicts, kept);
            Assert.Contains(StoreValidator.Validate(t.Store), f => f.Check.StartsWith("conflicts kept", StringComparison.Ordinal) && f.Count == kept);
        }
        output.WriteLine($"class 2: {tried} generated inputs");
    }

    /// <summary>Class 1: header names and series names carrying SQL are data, never SQL.</summary>
    [Fact]
    public void Sql_in_headers_and_names_is_data()
    {
        string[] payloads =
        [
            "z':'VARCHAR'});DROP TABLE klines;--", "a\"b", "x'); COPY (SELECT 1) TO '{0}' (FORMAT csv); --", "'; DELETE FROM ingest_log; --",
            "\"; DROP TABLE open_interest; --", "time\\", "ts' || (SELECT count(*) FROM ingest_log) || '", "$1", "ts/*", "t;VACUUM",
        ];
        var tried = 0;
        var format = RealFormats.Get("mapped-open-interest");
        foreach (var payload in payloads)
        {
            using var t = new TempStore();
            var marker = Path.Combine(t.Directory, "pwned.csv");
            var name = payload.Replace("{0}", marker, StringComparison.Ordinal);
            foreach (var (timeName, symbol) in new[] { (name, "BTC"), ("ts", name) })
            {
                tried++;
                var header = $"\"{timeName.Replace("\"", "\"\"", StringComparison.Ordinal)}\",oi";
                var path = Path.Combine(t.Directory, $"oi_{tried}.csv");
                File.WriteAllText(path, header + "\n" + string.Join("\n", format.Rows.Select(r => string.Join(',', r))) + "\n");
                var mapping = new BarMapping(new Dictionary<string, string> { [timeName] = "time", ["oi"] = "oi_usd" }, symbol, "all-exchanges", Source: "mapped", Interval: "4h");
                var before = t.Fingerprint();
                try
                {
                    new Ingestor(t.Store, [new MappedBarImporter(mapping)]).IngestFile(path, "mapped");
                    Assert.Equal(format.Rows.Count, t.Count("open_interest", $"symbol = {Data.Store.Sql.Literal(symbol)}"));
                }
                catch (IngestException e)
                {
                    Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
                    Assert.Equal(before, t.Fingerprint());
                }
                Assert.False(File.Exists(marker), $"'{payload}' wrote a file");
                foreach (var table in Data.Store.Schema.DataTables) t.Count(table); // every table still exists
            }
        }
        output.WriteLine($"class 1: {tried} generated inputs");
    }

    /// <summary>Class 5: open interest frozen at one value (a source that stopped updating) is flagged by validate, with its span.</summary>
    [Fact]
    public void A_frozen_open_interest_run_is_flagged_with_its_span()
    {
        var format = RealFormats.Get("mapped-open-interest");
        var tried = 0;
        foreach (var (start, length) in new[] { (10, 12), (40, 30), (90, 20) })
        {
            using var t = new TempStore();
            var rows = format.Rows.Select(r => (string[])r.Clone()).ToList();
            for (var i = start; i < start + length; i++) rows[i][1] = rows[start][1];
            tried++;
            format.Ingestor(t.Store).IngestFile(format.Write(t.Directory, rows));
            var frozen = Assert.Single(StoreValidator.Validate(t.Store), f => f.Check.StartsWith("frozen", StringComparison.Ordinal));
            Assert.Equal(1, frozen.Count);
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{length} identical values"), frozen.Example, StringComparison.Ordinal);
        }
        output.WriteLine($"class 5: {tried} generated inputs");
    }

    /// <summary>Class 6: archives that expand too far, or are truncated, corrupt or empty, are refused and leave no temporary file.</summary>
    [Fact]
    public void Hostile_archives_are_refused_and_leave_nothing_behind()
    {
        var format = RealFormats.Get("binance-vision-aggTrades");
        using var t = new TempStore();
        var limits = new ArchiveLimits(MaxBytes: 4L << 20, MaxRatio: 50, RatioFloorBytes: 1L << 20);
        var ingestor = new Ingestor(t.Store) { ArchiveLimits = limits };
        var good = format.Write(t.Directory, format.Rows, new Variant(Packed: true));
        var bytes = File.ReadAllBytes(good);
        var inputs = new List<(string Name, Action<string> Write)>
        {
            ("truncated", p => File.WriteAllBytes(p, bytes[..(bytes.Length / 2)])),
            ("corrupt", p => { var b = (byte[])bytes.Clone(); for (var i = 40; i < b.Length - 40; i += 7) b[i] ^= 0x5A; File.WriteAllBytes(p, b); }),
            ("no csv inside", p => { using var z = ZipFile.Open(p, ZipArchiveMode.Create); using var s = z.CreateEntry("readme.txt").Open(); s.Write("x"u8); }),
            ("ratio bomb", p => Bomb(p, 3L << 20, 0)),
            ("size bomb", p => Bomb(p, 6L << 20, 251)),
        };
        foreach (var (name, write) in inputs)
        {
            var path = Path.Combine(t.Directory, name.Replace(' ', '_'), "BTCUSDT-aggTrades-2024-07-18.zip");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            write(path);
            var before = t.Fingerprint();
            var e = Assert.Throws<IngestException>(() => ingestor.IngestFile(path));
            Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
            Assert.Equal(before, t.Fingerprint());
            Assert.Empty(Directory.Exists(ImportFiles.TempFolder)
                ? Directory.EnumerateFiles(ImportFiles.TempFolder, $"{Environment.ProcessId}-*") : []);
        }
        output.WriteLine($"class 6: {inputs.Count} generated inputs");

        // A CSV entry of `size` bytes: one valid row repeated (compresses ~1000×), or with random digits when noise > 0.
        void Bomb(string path, long size, int noise)
        {
            using var z = ZipFile.Open(path, ZipArchiveMode.Create);
            using var s = z.CreateEntry("BTCUSDT-aggTrades-2024-07-18.csv").Open();
            var row = Encoding.ASCII.GetBytes(string.Join(',', format.Rows[0]) + "\n");
            var rng = new Random(noise);
            for (long n = 0; n < size; n += row.Length)
            {
                if (noise > 0) row[0] = (byte)('1' + rng.Next(9));
                s.Write(row);
            }
        }
    }
}
