using LiquidationLab.Formatting;

namespace LiquidationLab.Notebooks.Engine;

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
