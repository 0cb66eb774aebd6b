using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Data.Recording;

/// <summary>Counters of a running recorder (thread-safe reads).</summary>
public sealed class RecorderStats
{
    internal readonly ConcurrentDictionary<string, long> Messages = new(StringComparer.Ordinal);
    internal long _malformed, _connections, _gaps, _batches, _rowsStored, _rejected;
    internal double _lagMs;

    /// <summary>Messages received per stream kind (aggTrade, depth, …).</summary>
    public IReadOnlyDictionary<string, long> MessagesByStream => Messages;

    /// <summary>All messages received.</summary>
    public long TotalMessages => Messages.Values.Sum();

    /// <summary>Frames that were not a stream message (invalid JSON or no <c>stream</c>/<c>data</c>): set aside and recorded as gaps.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Messages and REST responses set aside (written, or waiting to be written, to <c>recording_rejects</c>): malformed
    /// frames, unexpected streams, impossible values, oversized frames, bad REST bodies. Everything else is stored.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>The last set-aside message's problem, for the progress line.</summary>
    public string? LastReject { get; internal set; }

    /// <summary>Connections opened (the first and every reconnect).</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Gaps written (or waiting to be written) to <c>recording_gaps</c>.</summary>
    public long Gaps => Interlocked.Read(ref _gaps);

    /// <summary>Batches written.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Rows the batches added to the store.</summary>
    public long RowsStored => Interlocked.Read(ref _rowsStored);

    /// <summary>Last local receive time minus the message's event time, ms (the stream's lag).</summary>
    public double LagMs => Volatile.Read(ref _lagMs);

    /// <summary>Error of the last failed connection, poll or batch, for the progress line.</summary>
    public string? LastError { get; internal set; }
}

/// <summary>A connection that must be dropped and opened again: a silent server, an oversized message.</summary>
internal sealed class RecordingConnectionException(string message) : IOException(message);
