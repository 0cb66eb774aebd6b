using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using LiquidationLab.Core.Margin.Venues;
using LiquidationLab.Data.Recording;
using LiquidationLab.Data.Store;
using Spectre.Console;

namespace LiquidationLab.Cli.Commands;

/// <summary><c>liqlab data record binance|bybit|okx</c>: live capture of a venue's streams into the store (and <c>record hyperliquid</c>,
/// <see cref="RecordHyperliquidCommand"/>).</summary>
internal static class RecordCommand
{
    public static Command Create()
    {
        var record = new Command("record", "Record live exchange streams into the store.");
        var symbols = new Option<string[]>("--symbols")
        {
            Description = "Symbols, comma-separated or repeated.", DefaultValueFactory = _ => ["BTCUSDT"], AllowMultipleArgumentsPerToken = true,
        };
        var streams = new Option<string[]>("--streams")
        {
            Description = $"Per-symbol streams: {string.Join(", ", RecorderOptions.KnownStreams)} (markPrice at 1 s, depth diffs at 100 ms with REST snapshots).",
            DefaultValueFactory = _ => ["forceOrder", "aggTrade", "markPrice", "depth"], AllowMultipleArgumentsPerToken = true,
        };
        var all = new Option<bool>("--all-liquidations") { Description = "Also record !forceOrder@arr: every symbol's liquidations." };
        var ws = OptionRules.Url("--ws-url", "wss://fstream.binance.com", "Websocket base.", "ws", "wss");
        var rest = OptionRules.Url("--rest-url", "https://fapi.binance.com", "REST base (depth snapshots, open interest).", "http", "https");
        var raw = new Option<string?>("--raw-dir") { Description = "Also keep every batch as a gzip recording (the format 'data ingest' reads) under this folder." };
        var batch = OptionRules.Seconds("--batch-seconds", 5, 0.2, 3600, "Write a batch at least this often.");
        var oi = OptionRules.Seconds("--oi-seconds", 60, 1, 86_400, "Poll open interest this often per symbol.", zeroMeans: "never");
        var duration = OptionRules.Seconds("--duration", null, 1, 31_536_000, "Stop after this long (default: until Ctrl+C or SIGTERM).");
        var db = DataCommand.DbOption();
        var binance = new Command("binance", "Binance USDⓈ-M: forceOrder, aggTrade, markPrice, depth (+ REST snapshots) and polled open interest, written in short batches; reconnects by itself; Ctrl+C flushes and stops.")
        {
            symbols, streams, all, ws, rest, raw, batch, oi, duration, db,
        };
        binance.SetAction(async (parse, ct) =>
        {
            static string[] Split(string[]? v) => (v ?? []).SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
            var options = new RecorderOptions(Workspace.StorePath(parse.GetValue(db), StoreUse.Create), Split(parse.GetValue(symbols)).Select(s => s.ToUpperInvariant()).ToArray(),
                Split(parse.GetValue(streams)), parse.GetValue(all), parse.GetValue(ws), parse.GetValue(rest), parse.GetValue(raw),
                TimeSpan.FromSeconds(parse.GetValue(batch)!.Value), OpenInterestInterval: parse.GetValue(oi) is > 0 and var every ? TimeSpan.FromSeconds(every) : null);
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (parse.GetValue(duration) is { } seconds) stop.CancelAfter(TimeSpan.FromSeconds(seconds));
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
            {
                c.Cancel = true; // flush and stop like Ctrl+C
                stop.Cancel();
            });
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
            var recorder = new BinanceRecorder(options, http);
            console.MarkupLine(Markup.Escape($"Recording {string.Join(", ", options.StreamNames())} from {options.WebSocketBase} into {options.StorePath} (session {recorder.Session}); Ctrl+C stops."));
            var run = recorder.RunAsync(stop.Token);
            var start = DateTime.UtcNow;
            long lastTotal = 0;
            while (!run.IsCompleted)
            {
                await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false);
                var s = recorder.Stats;
                var total = s.TotalMessages;
                var perStream = string.Join(" ", s.MessagesByStream.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value:N0}"));
                var elapsed = (DateTime.UtcNow - start).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
                console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                    $"{elapsed} {(total - lastTotal) / 5.0:N0} msg/s · {perStream} · lag {s.LagMs:N0} ms · gaps {s.Gaps} · set aside {s.Rejected} · connections {s.Connections} · batches {s.Batches} (+{s.RowsStored:N0} rows)") +
                    (s.LastError is { } e ? $" · last error {e}" : "") + (s.LastReject is { } r ? $" · last set aside {r}" : "")));
                lastTotal = total;
            }
            await run.ConfigureAwait(false);
            console.MarkupLine(Markup.Escape($"Stopped: {recorder.Stats.TotalMessages:N0} messages, {recorder.Stats.RowsStored:N0} rows in {recorder.Stats.Batches} batches, {recorder.Stats.Gaps} gaps recorded, {recorder.Stats.Rejected} messages set aside (recording_rejects)."));
            return 0;
        });
        record.Add(binance);
        record.Add(VenueCommand(Core.Margin.Venues.Venue.BybitLinear, "BTCUSDT", BybitRecorder.KnownStreams, "wss://stream.bybit.com/v5/public/linear",
            "Bybit linear USDT perpetuals: allLiquidation (every liquidation), publicTrade, tickers (open interest, funding; snapshot then deltas), written in short batches; reconnects by itself; Ctrl+C flushes and stops.",
            o => new BybitRecorder(o)));
        record.Add(VenueCommand(Core.Margin.Venues.Venue.OkxSwap, "BTC-USDT-SWAP", OkxRecorder.KnownStreams, "wss://ws.okx.com:8443/ws/v5/public",
            "OKX USDT swaps: liquidation-orders, trades, open-interest, funding-rate (contracts converted to base units with the contract value), written in short batches; reconnects by itself; Ctrl+C flushes and stops.",
            o => new OkxRecorder(o)));
        record.Add(RecordHyperliquidCommand.Create());
        return record;
    }

    /// <summary><c>data record bybit</c> / <c>data record okx</c>: the same options and errors as <c>binance</c> where they apply.</summary>
    private static Command VenueCommand(Venue venue, string defaultSymbol, IReadOnlyList<string> known, string defaultUrl, string description,
        Func<VenueRecorderOptions, VenueRecorder> create)
    {
        var name = VenueInfo.Name(venue);
        var symbols = new Option<string[]>("--symbols")
        {
            Description = $"Instruments, comma-separated or repeated ({VenueRecorderOptions.Grammar(venue)}).", DefaultValueFactory = _ => [defaultSymbol],
            AllowMultipleArgumentsPerToken = true,
        };
        var streams = new Option<string[]>("--streams")
        {
            Description = $"Streams: {string.Join(", ", known)} (default: all).", DefaultValueFactory = _ => [.. known], AllowMultipleArgumentsPerToken = true,
        };
        var ws = OptionRules.Url("--ws-url", defaultUrl, "Public websocket.", "ws", "wss");
        var batch = OptionRules.Seconds("--batch-seconds", 5, 0.2, 3600, "Write a batch at least this often.");
        var duration = OptionRules.Seconds("--duration", null, 1, 31_536_000, "Stop after this long (default: until Ctrl+C or SIGTERM).");
        var db = DataCommand.DbOption();
        var command = new Command(name, description) { symbols, streams, ws, batch, duration, db };
        command.SetAction(async (parse, ct) =>
        {
            static string[] Split(string[]? v) => (v ?? []).SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
            var given = Split(parse.GetValue(symbols)).Select(s => s.ToUpperInvariant()).ToArray();
            var requested = Split(parse.GetValue(streams));
            var requestedOptions = new VenueRecorderOptions("-", given, requested, parse.GetValue(ws), TimeSpan.FromSeconds(parse.GetValue(batch)!.Value));
            // Checked before the store is touched: a bad symbol or stream is refused naming the option, and nothing is created.
            try
            {
                requestedOptions.Validate(venue, known);
                if (venue == Core.Margin.Venues.Venue.OkxSwap) foreach (var s in given) OkxContractValues.Of(s);
            }
            catch (ArgumentException e)
            {
                var option = e.ParamName switch { "Streams" => "--streams", "BatchInterval" => "--batch-seconds", _ => "--symbols" };
                throw new ArgumentException($"{option}: {e.Message.Split(" (Parameter", 2)[0]}", e);
            }
            var options = requestedOptions with { StorePath = Workspace.StorePath(parse.GetValue(db), StoreUse.Create) };
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (parse.GetValue(duration) is { } seconds) stop.CancelAfter(TimeSpan.FromSeconds(seconds));
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
            {
                c.Cancel = true; // flush and stop like Ctrl+C
                stop.Cancel();
            });
            var recorder = create(options);
            console.MarkupLine(Markup.Escape($"Recording {name} {string.Join(", ", requested)} of {string.Join(", ", given)} from {options.WebSocketUrl} into {options.StorePath} (session {recorder.Session}); Ctrl+C stops."));
            var run = recorder.RunAsync(stop.Token);
            await Progress(console, recorder.Stats, run).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    // A progress line every 5 s until the recorder returns, then the totals.
    private static async Task Progress(IAnsiConsole console, RecorderStats s, Task run)
    {
        var start = DateTime.UtcNow;
        long lastTotal = 0;
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false);
            var total = s.TotalMessages;
            var perStream = string.Join(" ", s.MessagesByStream.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value:N0}"));
            var elapsed = (DateTime.UtcNow - start).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
            console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"{elapsed} {(total - lastTotal) / 5.0:N0} msg/s · {perStream} · lag {s.LagMs:N0} ms · gaps {s.Gaps} · set aside {s.Rejected} · connections {s.Connections} · batches {s.Batches} (+{s.RowsStored:N0} rows)") +
                (s.LastError is { } e ? $" · last error {e}" : "") + (s.LastReject is { } r ? $" · last set aside {r}" : "")));
            lastTotal = total;
        }
        await run.ConfigureAwait(false);
        console.MarkupLine(Markup.Escape($"Stopped: {s.TotalMessages:N0} messages, {s.RowsStored:N0} rows in {s.Batches} batches, {s.Gaps} gaps recorded, {s.Rejected} messages set aside (recording_rejects)."));
    }
}
