using System.Text.Json.Nodes;

namespace LiquidationLab.Formatting;

/// <summary>
/// A MIME bundle as Jupyter uses it: <c>data</c> maps MIME types to content (a string for text types, JSON for
/// <c>application/…+json</c>), <c>metadata</c> per type. Always has <c>text/plain</c>.
/// </summary>
public sealed class MimeBundle
{
    /// <summary>Creates a bundle with a plain-text representation.</summary>
    public MimeBundle(string textPlain) => Data["text/plain"] = textPlain;

    /// <summary>MIME type → content.</summary>
    public Dictionary<string, JsonNode> Data { get; } = new(StringComparer.Ordinal);

    /// <summary>Per-type metadata (usually empty).</summary>
    public JsonObject Metadata { get; } = [];

    /// <summary>Adds or replaces a representation; returns the bundle.</summary>
    public MimeBundle With(string mimeType, JsonNode content)
    {
        Data[mimeType] = content;
        return this;
    }

    /// <summary>The <c>data</c> object of Jupyter messages and nbformat outputs.</summary>
    public JsonObject DataJson()
    {
        var o = new JsonObject();
        foreach (var (k, v) in Data) o[k] = v.DeepClone();
        return o;
    }
}
