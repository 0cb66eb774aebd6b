using System.Text.Json.Nodes;

namespace LiquidationLab.Notebooks.Engine;

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

/// <summary>Something a cell produced, in order.</summary>
public abstract record CellEvent;

/// <summary>Text written to standard output or error (consecutive writes are merged).</summary>
/// <param name="Name"><c>stdout</c> or <c>stderr</c>.</param>
/// <param name="Text">The text.</param>
public sealed record StreamEvent(string Name, string Text) : CellEvent;

/// <summary>A value shown with <c>display(…)</c>; <paramref name="DisplayId"/> allows later updates.</summary>
public sealed record DisplayEvent(MimeBundle Bundle, string? DisplayId) : CellEvent;

/// <summary>A new rendering for an earlier display with the same id.</summary>
public sealed record UpdateDisplayEvent(MimeBundle Bundle, string DisplayId) : CellEvent;

/// <summary>The value of the cell's trailing expression.</summary>
public sealed record ResultEvent(MimeBundle Bundle) : CellEvent;

/// <summary>A compile error or an exception.</summary>
/// <param name="Name">Exception type name, or <c>CompilationError</c>.</param>
/// <param name="Value">Message.</param>
/// <param name="Traceback">Lines to show: the error first, then the cell frames (with cell line numbers).</param>
public sealed record ErrorEvent(string Name, string Value, IReadOnlyList<string> Traceback) : CellEvent;

/// <summary>The outcome of running one cell.</summary>
/// <param name="Events">Everything the cell produced, in order.</param>
/// <param name="Succeeded">False when the cell ended with an <see cref="ErrorEvent"/>.</param>
/// <param name="Elapsed">Wall time.</param>
public sealed record CellResult(IReadOnlyList<CellEvent> Events, bool Succeeded, TimeSpan Elapsed);
