using LiquidationLab.Formatting;

namespace LiquidationLab.Notebooks.Engine;

/// <summary>A handle to an earlier display, for updating it in place.</summary>
public sealed class DisplayHandle
{
    private readonly NotebookContext _context;

    internal DisplayHandle(NotebookContext context, string displayId)
    {
        _context = context;
        DisplayId = displayId;
    }

    /// <summary>The display id.</summary>
    public string DisplayId { get; }

    /// <summary>Replaces what the display shows.</summary>
    public void Update(object? value) => _context.update_display(value, DisplayId);
}

/// <summary>
/// The globals of a notebook session: what cells can call without qualification (<c>display</c>,
/// <c>update_display</c>, <c>CancellationToken</c>).
/// </summary>
public sealed class NotebookContext
{
    private readonly ScriptSession _session;

    internal NotebookContext(ScriptSession session) => _session = session;

    /// <summary>Shows <paramref name="value"/> with the session's formatters; returns a handle for later updates.</summary>
    /// <param name="value">Any value.</param>
    /// <param name="displayId">Id to update later (default: a new one).</param>
#pragma warning disable IDE1006, CA1707 // notebook users expect display(...) as in Jupyter
    public DisplayHandle display(object? value, string? displayId = null)
    {
        var id = displayId ?? Guid.NewGuid().ToString("N");
        _session.Emit(new DisplayEvent(_session.Formatters.Format(value), id));
        return new DisplayHandle(this, id);
    }

    /// <summary>Asks the user for a line of text (Jupyter's <c>input_request</c>), like Python's <c>input()</c>;
    /// <c>Console.ReadLine()</c> does the same with no prompt.</summary>
    /// <param name="prompt">Text shown before the input box.</param>
    /// <param name="password">Whether the front end should hide what is typed.</param>
    /// <exception cref="InvalidOperationException">The front end does not accept input (e.g. nbconvert, the headless runner).</exception>
    public string input(string prompt = "", bool password = false) => _session.ReadInput(prompt, password) ?? "";

    /// <summary>Replaces the display with id <paramref name="displayId"/>.</summary>
    public void update_display(object? value, string displayId) =>
        _session.Emit(new UpdateDisplayEvent(_session.Formatters.Format(value), displayId));
#pragma warning restore IDE1006, CA1707

    /// <summary>The running cell's cancellation token (interrupt or timeout).</summary>
#pragma warning disable CA1822 // an instance member so cells can write CancellationToken unqualified
    public CancellationToken CancellationToken => CellCancellation.Current;
#pragma warning restore CA1822

    /// <summary>The session's formatters, to register more (e.g. <c>Formatters.Register&lt;MyType&gt;(…)</c>).</summary>
    public FormatterRegistry Formatters => _session.Formatters;

    /// <summary>The folder of the notebook being run (relative paths in cells resolve against it).</summary>
    public string NotebookDirectory => _session.WorkingDirectory;
}
