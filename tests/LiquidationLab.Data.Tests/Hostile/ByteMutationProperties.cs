using System.IO.Compression;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Validation;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Data.Tests.Hostile;

/// <summary>
/// Random byte-level mutations of real files of every generated format (flipped, deleted, duplicated, inserted bytes,
/// truncation; inside the compression for gzip recordings, or of the compressed bytes themselves), with the suite's
/// invariant: the file is ingested whole with every stored value valid and no identifier twice, or it fails with an
/// <see cref="IngestException"/> naming the file and every table is unchanged. Any other exception fails the property.
/// </summary>
public sealed class ByteMutationProperties : IDisposable
{
    private readonly TempStore _t = new();

    public void Dispose() => _t.Dispose();

    private static readonly byte[] Alphabet = Encoding.ASCII.GetBytes(",\n\r\"-.+0123456789eE abcNnIif{}[]:");

    internal static byte[] Mutate(byte[] data, Random rng)
    {
        var bytes = new List<byte>(data);
        var ops = 1 + rng.Next(3);
        for (var k = 0; k < ops && bytes.Count > 1; k++)
        {
            var at = rng.Next(bytes.Count);
            switch (rng.Next(6))
            {
                case 0: bytes[at] = (byte)rng.Next(256); break;
                case 1: bytes[at] = Alphabet[rng.Next(Alphabet.Length)]; break;
                case 2: bytes.RemoveRange(at, Math.Min(1 + rng.Next(20), bytes.Count - at)); break;
                case 3:
                    var len = Math.Min(1 + rng.Next(200), bytes.Count - at);
                    bytes.InsertRange(rng.Next(bytes.Count), bytes.GetRange(at, len));
                    break;
                case 4: bytes.RemoveRange(at, bytes.Count - at); break;
                default: bytes.Insert(at, Alphabet[rng.Next(Alphabet.Length)]); break;
            }
        }
        return bytes.ToArray();
    }

    private static byte[] Gunzip(byte[] gz)
    {
        using var input = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    private static byte[] Gzip(byte[] raw)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest)) gz.Write(raw);
        return ms.ToArray();
    }

    [Property(MaxTest = 120)]
    public Property A_mutated_real_file_is_ingested_whole_or_refused_leaving_the_store_unchanged(int seed, NonNegativeInt which)
    {
        var format = RealFormats.All[which.Get % RealFormats.All.Count];
        var rng = new Random(seed);
        var original = format.Serialize(format.Rows, new Variant());
        var gzipped = format.FileName.EndsWith(".gz", StringComparison.Ordinal);
        var mutated = gzipped && rng.Next(4) > 0 ? Gzip(Mutate(Gunzip(original), rng)) : Mutate(original, rng);
        var dir = Directory.CreateDirectory(Path.Combine(_t.Directory, "m" + Guid.NewGuid().ToString("N")[..10])).FullName;
        var path = Path.Combine(dir, format.FileName);
        File.WriteAllBytes(path, mutated);
        var before = _t.Fingerprint();
        string? problem;
        try
        {
            var r = format.Ingestor(_t.Store).IngestFile(path);
            // Ingested: every stored value obeys the rules and no identifier is stored twice; then undo it for the next case.
            problem = RowRules.RuledTables.Select(t => RowRules.FirstViolation(_t.Store, t, "true")).FirstOrDefault(v => v is not null)?.ToString()
                      ?? StoreValidator.Validate(_t.Store).Where(f => f.Check.StartsWith("counted twice", StringComparison.Ordinal)).Select(f => f.Check).FirstOrDefault();
            if (r.Status == IngestStatus.Ingested) IngestRevert.Revert(_t.Store, path);
            if (problem is null && _t.Fingerprint() != before) problem = "revert did not restore the store";
        }
        catch (IngestException e)
        {
            problem = !e.Message.StartsWith(path, StringComparison.Ordinal) ? "message without the file: " + e.Message
                : _t.Fingerprint() != before ? "store changed by a refused file: " + e.Message : null;
        }
        var ok = problem is null;
        return ok.Label($"{format} seed {seed}: {problem}");
    }
}
