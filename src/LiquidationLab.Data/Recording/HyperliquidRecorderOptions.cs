using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace LiquidationLab.Data.Recording;

/// <summary>Settings of <see cref="HyperliquidRecorder"/> (<c>liqlab data record hyperliquid</c>).</summary>
/// <remarks>
/// Every limit is checked by <see cref="Validate"/> before the recorder allocates or connects anything. Errors are
/// <see cref="ArgumentException"/>s whose <see cref="ArgumentException.ParamName"/> is the property's name (front ends map it
/// to their own option names; Data never names a CLI flag).
/// </remarks>
/// <param name="StorePath">The DuckDB store rows go to.</param>
/// <param name="Coins">Perpetual coins whose public trades are recorded and whose open interest and funding are polled, as
/// Hyperliquid names them (<c>BTC</c>, <c>ETH</c>, <c>kPEPE</c>: 1–20 letters or digits, case as listed by
/// <c>metaAndAssetCtxs</c>); at most <see cref="MaxCoins"/>. May be empty when only positions are recorded.</param>
/// <param name="Accounts">Accounts whose open positions are polled (<c>clearinghouseState</c>): addresses <c>0x</c> + 40 hex
/// digits, at most <see cref="MaxAccounts"/>; empty: positions are not recorded.</param>
/// <param name="WebSocketUrl">Websocket endpoint, default <c>wss://api.hyperliquid.xyz/ws</c>.</param>
/// <param name="InfoUrl">Info endpoint (POST, JSON), default <c>https://api.hyperliquid.xyz/info</c>.</param>
/// <param name="BatchInterval">Batches are written at least this often; default 5 s.</param>
/// <param name="BatchRows">…or when this many rows wait; default 20,000.</param>
/// <param name="MarketInterval"><c>metaAndAssetCtxs</c> (open interest, funding, mark price) is polled this often; null (the
/// default here; the CLI's default is 60 s): not polled.</param>
/// <param name="PositionsInterval">Each account's <c>clearinghouseState</c> is polled this often; default 5 min; from
/// <see cref="MinPositionsInterval"/> to <see cref="MaxPositionsInterval"/>.</param>
/// <param name="WeightPerMinute">Request weight the recorder spends per minute on the info endpoint (token bucket): default
/// 600, at most 1,200 — Hyperliquid's documented budget per IP address, shared by every request of that address
/// ("REST requests share an aggregated weight limit of 1200 per minute"; <c>clearinghouseState</c> weighs 2,
/// <c>metaAndAssetCtxs</c> 20: https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/rate-limits, read
/// 2026-12-08). The default leaves half for other tools on the same address.</param>
/// <param name="WeightBurst">Most weight spent at once (the bucket's size); default 100; at least the heaviest request the
/// settings make (20 with market polling, else 2).</param>
/// <param name="BackoffBase">First reconnect delay (doubled per failed attempt, with jitter); default 1 s.</param>
/// <param name="BackoffMax">Longest reconnect delay; default 60 s.</param>
public sealed partial record HyperliquidRecorderOptions(
    string StorePath, IReadOnlyList<string> Coins, IReadOnlyList<string>? Accounts = null, Uri? WebSocketUrl = null, Uri? InfoUrl = null,
    TimeSpan? BatchInterval = null, int BatchRows = 20_000, TimeSpan? MarketInterval = null, TimeSpan? PositionsInterval = null,
    int WeightPerMinute = 600, int WeightBurst = 100, TimeSpan? BackoffBase = null, TimeSpan? BackoffMax = null)
{
    /// <summary>Most coins: 100 (Hyperliquid allows 1,000 websocket subscriptions per IP address).</summary>
    public const int MaxCoins = 100;

    /// <summary>Most accounts: 1,000.</summary>
    public const int MaxAccounts = 1_000;

    /// <summary>Hyperliquid's documented weight budget per IP address and minute: 1,200.</summary>
    public const int DocumentedWeightPerMinute = 1_200;

    /// <summary>Weight of one <c>clearinghouseState</c> request: 2 (Hyperliquid's rate-limit page).</summary>
    public const int ClearinghouseStateWeight = 2;

    /// <summary>Weight of one <c>metaAndAssetCtxs</c> request: 20 ("all other documented info requests").</summary>
    public const int MetaAndAssetCtxsWeight = 20;

    /// <summary>Shortest positions interval: 10 s.</summary>
    public static readonly TimeSpan MinPositionsInterval = TimeSpan.FromSeconds(10);

    /// <summary>Longest positions interval: 1 day.</summary>
    public static readonly TimeSpan MaxPositionsInterval = TimeSpan.FromDays(1);

    /// <summary>Largest websocket message kept, bytes; default 1 MiB (a trades message is a few hundred bytes per trade). A
    /// larger one is set aside (its first <see cref="RecorderOptions.KeptRawBytes"/> kept) and the connection reopened.</summary>
    public int MaxMessageBytes { get; init; } = 1 << 20;

    /// <summary>Largest info response read, bytes; default 8 MiB (<c>metaAndAssetCtxs</c> for ~200 coins is about 100 KB; an
    /// account with a few hundred positions about as much). A larger one is set aside, its first bytes kept.</summary>
    public int MaxInfoBytes { get; init; } = 8 << 20;

    /// <summary>Most positions read from one <c>clearinghouseState</c>; default 2,000 (Hyperliquid lists ~200 perpetuals).</summary>
    public int MaxPositionsPerAccount { get; init; } = 2_000;

    /// <summary>Longest wait for the websocket handshake; default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait for one info response; default 15 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>A <c>{"method":"ping"}</c> heartbeat is sent this often; default 50 s. Hyperliquid closes a connection that
    /// has not sent it a message for 60 s (https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/websocket/timeouts-and-heartbeats).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(50);

    /// <summary>A connection that delivers nothing — not even the <c>pong</c> answering a heartbeat — for this long is dead:
    /// dropped, its gap recorded and opened again; default 90 s (longer than <see cref="HeartbeatInterval"/>).</summary>
    public TimeSpan SilenceTimeout { get; init; } = TimeSpan.FromSeconds(90);

    internal Uri Ws => WebSocketUrl ?? new Uri("wss://api.hyperliquid.xyz/ws");
    internal Uri Info => InfoUrl ?? new Uri("https://api.hyperliquid.xyz/info");
    internal TimeSpan Batch => BatchInterval ?? TimeSpan.FromSeconds(5);
    internal TimeSpan Positions => PositionsInterval ?? TimeSpan.FromMinutes(5);
    internal TimeSpan Backoff0 => BackoffBase ?? TimeSpan.FromSeconds(1);
    internal TimeSpan BackoffCap => BackoffMax ?? TimeSpan.FromSeconds(60);
    internal IReadOnlyList<string> AccountList => Accounts ?? [];

    /// <summary>The heaviest single request these settings make (the bucket must hold it).</summary>
    internal int HeaviestRequest => MarketInterval is not null && Coins.Count > 0 ? MetaAndAssetCtxsWeight : ClearinghouseStateWeight;

    /// <summary>Checks every setting before anything is allocated or connected.</summary>
    /// <exception cref="ArgumentException">A coin outside the grammar, an address that is not <c>0x</c> + 40 hex digits,
    /// too many coins or accounts, nothing to record, a non-positive size or time, a weight budget over Hyperliquid's
    /// documented one, or accounts that the budget cannot poll within the positions interval. The parameter name is the
    /// property's.</exception>
    public void Validate()
    {
        if (Coins.Count == 0 && AccountList.Count == 0) throw new ArgumentException("Give at least one coin, or accounts whose positions to record.", nameof(Coins));
        if (Coins.Count > MaxCoins) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"At most {MaxCoins} coins, got {Coins.Count}."), nameof(Coins));
        foreach (var c in Coins)
            if (!CoinGrammar().IsMatch(c))
                throw new ArgumentException($"'{Cut(c)}' is not a Hyperliquid coin (1–20 letters or digits, e.g. BTC, kPEPE).", nameof(Coins));
        if (Coins.Distinct(StringComparer.Ordinal).Count() != Coins.Count) throw new ArgumentException("A coin is listed twice.", nameof(Coins));
        if (AccountList.Count > MaxAccounts)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"At most {MaxAccounts:N0} accounts, got {AccountList.Count:N0}."), nameof(Accounts));
        foreach (var a in AccountList)
            if (!IsAddress(a)) throw new ArgumentException($"'{Cut(a)}' is not an account address (0x followed by 40 hexadecimal digits).", nameof(Accounts));
        if (AccountList.Select(a => a.ToLowerInvariant()).Distinct(StringComparer.Ordinal).Count() != AccountList.Count)
            throw new ArgumentException("An account is listed twice.", nameof(Accounts));
        if (BatchRows < 1) throw new ArgumentException("At least one row per batch.", nameof(BatchRows));
        if (MaxMessageBytes < 1024) throw new ArgumentException("The message-size cap must be at least 1 KiB.", nameof(MaxMessageBytes));
        if (MaxInfoBytes < 1024) throw new ArgumentException("The info response cap must be at least 1 KiB.", nameof(MaxInfoBytes));
        if (MaxPositionsPerAccount < 1) throw new ArgumentException("At least one position per account.", nameof(MaxPositionsPerAccount));
        if (WeightPerMinute is < 1 or > DocumentedWeightPerMinute)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The request weight per minute must be 1 to {DocumentedWeightPerMinute:N0} (Hyperliquid's documented budget per IP address), got {WeightPerMinute:N0}."), nameof(WeightPerMinute));
        if (WeightBurst < HeaviestRequest || WeightBurst > WeightPerMinute)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The weight burst must be from {HeaviestRequest} (the heaviest request these settings make) to the weight per minute ({WeightPerMinute:N0}), got {WeightBurst:N0}."), nameof(WeightBurst));
        if (Positions < MinPositionsInterval || Positions > MaxPositionsInterval)
            throw new ArgumentException($"The positions interval must be from {MinPositionsInterval.TotalSeconds:0} s to {MaxPositionsInterval.TotalDays:0} day.", nameof(PositionsInterval));
        foreach (var (name, value) in new (string, TimeSpan)[]
                 {
                     (nameof(BatchInterval), Batch), (nameof(BackoffBase), Backoff0), (nameof(BackoffMax), BackoffCap), (nameof(ConnectTimeout), ConnectTimeout),
                     (nameof(RequestTimeout), RequestTimeout), (nameof(HeartbeatInterval), HeartbeatInterval), (nameof(SilenceTimeout), SilenceTimeout),
                     (nameof(MarketInterval), MarketInterval ?? TimeSpan.FromSeconds(1)),
                 })
            if (value <= TimeSpan.Zero) throw new ArgumentException($"{name} must be positive.", name);
        // The budget must poll every account within the interval, with the market polls of the same span.
        var budget = WeightPerMinute * Positions.TotalMinutes;
        var needed = AccountList.Count * (double)ClearinghouseStateWeight
                     + (MarketInterval is { } m && Coins.Count > 0 ? MetaAndAssetCtxsWeight * Positions.TotalSeconds / m.TotalSeconds : 0);
        if (AccountList.Count > 0 && needed > budget)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{AccountList.Count:N0} accounts (weight {ClearinghouseStateWeight} each) and the market polls need weight {needed:N0} per positions interval of {Positions.TotalSeconds:N0} s, more than the {WeightPerMinute:N0} per minute allows ({budget:N0}): poll less often, raise the weight per minute, or list fewer accounts."),
                nameof(Accounts));
    }

    /// <summary>True when <paramref name="text"/> is an account address: <c>0x</c> and 40 hexadecimal digits (either case).</summary>
    public static bool IsAddress(string? text) => text is not null && AddressGrammar().IsMatch(text);

    /// <summary>
    /// The stored form of an account: lower-case hex SHA-256 of the lower-cased address (64 characters). It keeps addresses
    /// out of the store, but it is a pseudonym, not anonymity: whoever holds an address can compute its hash and find its rows.
    /// </summary>
    /// <exception cref="ArgumentException">Not an address.</exception>
    public static string AccountHash(string address)
    {
        if (!IsAddress(address)) throw new ArgumentException("Not an account address (0x followed by 40 hexadecimal digits).", nameof(address));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(address.ToLowerInvariant())));
    }

    /// <summary>True when <paramref name="coin"/> matches Hyperliquid's coin grammar as this recorder accepts it (1–20 letters or digits).</summary>
    public static bool IsCoin(string? coin) => coin is not null && CoinGrammar().IsMatch(coin);

    private static string Cut(string s) => s.Length > 50 ? s[..50] + "…" : s;

    [GeneratedRegex("^[A-Za-z0-9]{1,20}$")]
    private static partial Regex CoinGrammar();

    [GeneratedRegex("^0x[0-9a-fA-F]{40}$")]
    private static partial Regex AddressGrammar();
}

/// <summary>Reads a list of account addresses (<c>--accounts-file</c>): one per line; blank lines and lines starting with
/// <c>#</c> are skipped; a line may hold several addresses separated by commas.</summary>
public static class HyperliquidAccountList
{
    /// <summary>Largest list file read: 1 MiB (1,000 addresses are 43 KB).</summary>
    public const long MaxFileBytes = 1 << 20;

    /// <summary>The addresses of the file, lower-cased, in file order.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="FormatException">A line holds something other than an address (the message names the file and line),
    /// the file is larger than <see cref="MaxFileBytes"/>, or lists more than <see cref="HyperliquidRecorderOptions.MaxAccounts"/>.</exception>
    public static IReadOnlyList<string> Read(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"The accounts file {path} does not exist.", path);
        if (info.Length > MaxFileBytes)
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{path}: {info.Length:N0} bytes, more than an accounts list can be ({MaxFileBytes:N0})."));
        var list = new List<string>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            var text = line.Trim();
            if (text.Length == 0 || text.StartsWith('#')) continue;
            foreach (var item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!HyperliquidRecorderOptions.IsAddress(item))
                    throw new FormatException(string.Create(CultureInfo.InvariantCulture,
                        $"{path} line {number}: '{(item.Length > 50 ? item[..50] + "…" : item)}' is not an account address (0x followed by 40 hexadecimal digits)."));
                list.Add(item.ToLowerInvariant());
                if (list.Count > HyperliquidRecorderOptions.MaxAccounts)
                    throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{path} line {number}: more than {HyperliquidRecorderOptions.MaxAccounts:N0} accounts."));
            }
        }
        return list;
    }
}
