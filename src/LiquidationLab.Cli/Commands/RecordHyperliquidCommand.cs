using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using LiquidationLab.Data.Recording;
using LiquidationLab.Data.Store;
using Spectre.Console;

namespace LiquidationLab.Cli.Commands;

/// <summary><c>liqlab data record hyperliquid</c>: live capture of Hyperliquid trades, open interest, funding and (with
/// <c>--positions</c>) the open positions of listed accounts into the store. Options map onto
/// <see cref="HyperliquidRecorderOptions"/>; its errors are worded here in the options' names.</summary>
internal static class RecordHyperliquidCommand
{
    public static Command Create()
    {
        var coins = new Option<string[]>("--coins")
        {
            Description = "Perpetual coins as Hyperliquid names them (BTC, ETH, kPEPE), comma-separated or repeated.", DefaultValueFactory = _ => ["BTC"],
            AllowMultipleArgumentsPerToken = true,
        };
        var positions = new Option<bool>("--positions") { Description = "Also poll the open positions (with their liquidation prices) of the accounts given by --accounts or --accounts-file." };
        var accounts = new Option<string[]>("--accounts") { Description = "Account addresses (0x + 40 hex digits), comma-separated or repeated.", AllowMultipleArgumentsPerToken = true };
        var accountsFile = new Option<string?>("--accounts-file") { Description = "A file of account addresses, one per line (# starts a comment)." };
        var every = OptionRules.Seconds("--positions-every", 300, 10, 86_400, "Poll each account's positions this often.");
        var oi = OptionRules.Seconds("--oi-seconds", 60, 1, 86_400, "Poll open interest and funding (metaAndAssetCtxs) this often.", zeroMeans: "never");
        var weight = new Option<int>("--weight-per-minute")
        {
            Description = $"Request weight spent per minute on the info endpoint (Hyperliquid allows {HyperliquidRecorderOptions.DocumentedWeightPerMinute:N0} per IP address; a positions poll weighs 2, a market poll 20). 1–{HyperliquidRecorderOptions.DocumentedWeightPerMinute:N0}.",
            DefaultValueFactory = _ => 600,
            CustomParser = r =>
            {
                var text = r.Tokens.Count == 0 ? "" : r.Tokens[^1].Value;
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var w) && w is >= 1 and <= HyperliquidRecorderOptions.DocumentedWeightPerMinute) return w;
                r.AddError($"--weight-per-minute: expected a whole number from 1 to {HyperliquidRecorderOptions.DocumentedWeightPerMinute:N0}, found '{text}'.");
                return 600;
            },
        };
        var ws = OptionRules.Url("--ws-url", "wss://api.hyperliquid.xyz/ws", "Websocket endpoint.", "ws", "wss");
        var info = OptionRules.Url("--info-url", "https://api.hyperliquid.xyz/info", "Info endpoint (POST).", "http", "https");
        var batch = OptionRules.Seconds("--batch-seconds", 5, 0.2, 3600, "Write a batch at least this often.");
        var duration = OptionRules.Seconds("--duration", null, 1, 31_536_000, "Stop after this long (default: until Ctrl+C or SIGTERM).");
        var db = DataCommand.DbOption();
        var command = new Command("hyperliquid",
            "Hyperliquid: public trades (websocket), open interest and funding (info metaAndAssetCtxs), and with --positions the open positions and liquidation prices of listed accounts (clearinghouseState), written in short batches; reconnects by itself; Ctrl+C flushes and stops.")
        {
            coins, positions, accounts, accountsFile, every, oi, weight, ws, info, batch, duration, db,
        };
        command.SetAction(async (parse, ct) =>
        {
            static string[] Split(string[]? v) => (v ?? []).SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
            var listed = Split(parse.GetValue(accounts));
            var file = parse.GetValue(accountsFile);
            var usePositions = parse.GetValue(positions);
            if (!usePositions && (listed.Length > 0 || file is not null))
                throw new ArgumentException("--positions: --accounts and --accounts-file are read with --positions only; add it to record their positions.");
            IReadOnlyList<string> accountList = [];
            if (usePositions)
            {
                if (listed.Length == 0 && file is null)
                    throw new ArgumentException("--positions: give the accounts with --accounts 0x…,0x… or --accounts-file FILE (Hyperliquid documents no public leaderboard endpoint, so the top accounts cannot be listed for you).");
                var fromFile = new List<string>();
                if (file is not null)
                {
                    try
                    {
                        fromFile.AddRange(HyperliquidAccountList.Read(file));
                    }
                    catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
                    {
                        throw new ArgumentException($"--accounts-file: {e.Message}", e);
                    }
                }
                accountList = [.. listed.Concat(fromFile).Select(a => a.ToLowerInvariant()).Distinct(StringComparer.Ordinal)];
            }
            var weightPerMinute = parse.GetValue(weight);
            var options = new HyperliquidRecorderOptions(Workspace.StorePath(parse.GetValue(db), StoreUse.Create), Split(parse.GetValue(coins)), accountList,
                parse.GetValue(ws), parse.GetValue(info), TimeSpan.FromSeconds(parse.GetValue(batch)!.Value),
                MarketInterval: parse.GetValue(oi) is > 0 and var o ? TimeSpan.FromSeconds(o) : null, PositionsInterval: TimeSpan.FromSeconds(parse.GetValue(every)!.Value),
                WeightPerMinute: weightPerMinute, WeightBurst: Math.Min(100, weightPerMinute));
            try
            {
                options.Validate();
            }
            catch (ArgumentException e)
            {
                var flag = e.ParamName switch
                {
                    nameof(HyperliquidRecorderOptions.Coins) => "--coins",
                    nameof(HyperliquidRecorderOptions.Accounts) => file is not null && listed.Length == 0 ? "--accounts-file" : "--accounts",
                    nameof(HyperliquidRecorderOptions.WeightPerMinute) or nameof(HyperliquidRecorderOptions.WeightBurst) => "--weight-per-minute",
                    nameof(HyperliquidRecorderOptions.PositionsInterval) => "--positions-every",
                    nameof(HyperliquidRecorderOptions.MarketInterval) => "--oi-seconds",
                    nameof(HyperliquidRecorderOptions.BatchInterval) => "--batch-seconds",
                    _ => null,
                };
                var message = CommandErrors.Describe(e);
                throw new ArgumentException(flag is null ? message : $"{flag}: {message}", e);
            }
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (parse.GetValue(duration) is { } seconds) stop.CancelAfter(TimeSpan.FromSeconds(seconds));
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
            {
                c.Cancel = true; // flush and stop like Ctrl+C
                stop.Cancel();
            });
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var recorder = new HyperliquidRecorder(options, http);
            console.MarkupLine(Markup.Escape(
                $"Recording Hyperliquid trades of {string.Join(", ", options.Coins)}{(accountList.Count > 0 ? $" and the positions of {accountList.Count} accounts" : "")} from {options.WebSocketUrl} and {options.InfoUrl} into {options.StorePath} (session {recorder.Session}); Ctrl+C stops."));
            var run = recorder.RunAsync(stop.Token);
            var start = DateTime.UtcNow;
            while (!run.IsCompleted)
            {
                await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false);
                var s = recorder.Stats;
                var perKind = string.Join(" ", s.MessagesByStream.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value:N0}"));
                var elapsed = (DateTime.UtcNow - start).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
                console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                    $"{elapsed} {perKind} · lag {s.LagMs:N0} ms · requests {recorder.RequestsSent} ({recorder.RequestsWaiting} waiting for the budget) · gaps {s.Gaps} · set aside {s.Rejected} · connections {s.Connections} · batches {s.Batches} (+{s.RowsStored:N0} rows)") +
                    (s.LastError is { } e ? $" · last error {e}" : "") + (s.LastReject is { } r ? $" · last set aside {r}" : "")));
            }
            await run.ConfigureAwait(false);
            console.MarkupLine(Markup.Escape($"Stopped: {recorder.Stats.TotalMessages:N0} messages and answers, {recorder.Stats.RowsStored:N0} rows in {recorder.Stats.Batches} batches, {recorder.Stats.Gaps} gaps recorded, {recorder.Stats.Rejected} set aside (recording_rejects)."));
            return 0;
        });
        return command;
    }
}
