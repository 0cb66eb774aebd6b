using System.Text.Json.Nodes;
using PuppeteerSharp;

namespace LiquidationLab.Charts;

/// <summary>
/// Renders figures to static PNG images offline, with plotly.js's own <c>Plotly.toImage</c> in a headless Chromium (the
/// Debian <c>chromium</c> package; driven over the DevTools protocol by PuppeteerSharp). One browser and one page serve
/// the whole process; renders are serialised. The images go beside the interactive chart in notebook outputs, so that
/// front ends that run no JavaScript (GitHub, untrusted notebooks, nbconvert without scripts) still show every chart.
/// </summary>
public sealed class ChartImageRenderer : IDisposable
{
    /// <summary>Environment variable with the browser's path (default: <c>chromium</c>, <c>chromium-browser</c>,
    /// <c>google-chrome</c> or <c>google-chrome-stable</c> on <c>PATH</c>).</summary>
    public const string BrowserVariable = "LIQLAB_CHROMIUM";

    /// <summary>Environment variable that turns static images off when set to <c>0</c>.</summary>
    public const string EnabledVariable = "LIQLAB_CHART_IMAGES";

    /// <summary>Default image size when the figure's layout gives none, CSS pixels.</summary>
    public const int DefaultWidth = 960, DefaultHeight = 520;

    private static readonly Lazy<ChartImageRenderer?> SharedInstance = new(CreateShared, LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _browserPath;
    private IBrowser? _browser;
    private IPage? _page;
    private bool _disposed;

    /// <summary>A renderer driving the browser at <paramref name="browserPath"/> (started on the first render).</summary>
    /// <param name="browserPath">Chromium or Chrome executable.</param>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public ChartImageRenderer(string browserPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(browserPath);
        if (!File.Exists(browserPath)) throw new FileNotFoundException($"No browser at {browserPath} (set {BrowserVariable} to a Chromium executable).", browserPath);
        _browserPath = browserPath;
    }

    /// <summary>The process-wide renderer, or null when static images are off (<see cref="EnabledVariable"/> = 0) or no
    /// browser is installed (<see cref="UnavailableReason"/> says which). Closed when the process exits.</summary>
    public static ChartImageRenderer? Shared => SharedInstance.Value;

    /// <summary>Why <see cref="Shared"/> is null (null when it is not).</summary>
    public static string? UnavailableReason { get; private set; }

    /// <summary>The browser executable: <see cref="BrowserVariable"/>, else the first Chromium or Chrome on <c>PATH</c>; null when none.</summary>
    public static string? FindBrowser()
    {
        if (Environment.GetEnvironmentVariable(BrowserVariable) is { Length: > 0 } configured) return File.Exists(configured) ? configured : null;
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome", "google-chrome-stable" })
            foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    private static ChartImageRenderer? CreateShared()
    {
        if (Environment.GetEnvironmentVariable(EnabledVariable) == "0")
        {
            UnavailableReason = $"static chart images are off ({EnabledVariable}=0)";
            return null;
        }
        if (FindBrowser() is not { } browser)
        {
            UnavailableReason = Environment.GetEnvironmentVariable(BrowserVariable) is { Length: > 0 } v
                ? $"no browser at {BrowserVariable}={v}"
                : "no Chromium found for static chart images (install the chromium package or set " + BrowserVariable + ")";
            return null;
        }
        var renderer = new ChartImageRenderer(browser);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => renderer.Dispose();
        return renderer;
    }

    /// <summary>The figure as a PNG, base64-encoded (the form notebook outputs store).</summary>
    /// <param name="figure">The figure.</param>
    /// <param name="scale">Device pixel ratio of the image (1 = CSS pixels; 0.5–4).</param>
    /// <param name="timeout">Time allowed for the browser start and the render (default 60 s).</param>
    /// <exception cref="InvalidOperationException">The browser could not be started or plotly.js failed on the figure.</exception>
    /// <exception cref="TimeoutException">The render took longer than <paramref name="timeout"/>.</exception>
    public string RenderPngBase64(Figure figure, double scale = 1, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(figure);
        return RenderPngBase64(figure.ToJson(), scale, timeout);
    }

    /// <summary>A Plotly figure's JSON (<c>{data, layout}</c>) as a PNG, base64-encoded.</summary>
    /// <param name="figureJson">The figure JSON; its <c>layout.width</c>/<c>height</c> set the size (default <see cref="DefaultWidth"/> × <see cref="DefaultHeight"/>).</param>
    /// <param name="scale">Device pixel ratio (0.5–4).</param>
    /// <param name="timeout">Time allowed (default 60 s).</param>
    /// <exception cref="InvalidOperationException">The browser could not be started or plotly.js failed on the figure.</exception>
    /// <exception cref="TimeoutException">The render took longer than <paramref name="timeout"/>.</exception>
    public string RenderPngBase64(string figureJson, double scale = 1, TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(figureJson);
        if (!(scale >= 0.5 && scale <= 4)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be within 0.5–4.");
        var (width, height) = Size(figureJson);
        var task = RenderAsync(figureJson, width, height, scale);
        try
        {
            return task.WaitAsync(timeout ?? TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
        }
        catch (PuppeteerException e)
        {
            throw new InvalidOperationException($"Static image: the browser failed ({e.Message}).", e);
        }
    }

    /// <summary>The image size of a figure: its layout's width and height, else the defaults.</summary>
    public static (int Width, int Height) Size(string figureJson)
    {
        var layout = JsonNode.Parse(figureJson)?["layout"];
        static int? Px(JsonNode? n) => n is JsonValue v && v.TryGetValue<double>(out var d) && d >= 50 && d <= 8000 ? (int)Math.Round(d) : null;
        return (Px(layout?["width"]) ?? DefaultWidth, Px(layout?["height"]) ?? DefaultHeight);
    }

    /// <summary>Starts the browser and loads plotly.js on the thread pool (about 1–3 s), so the first image does not wait
    /// for it; a host calls this when it knows charts are coming. Failures surface on the first render.</summary>
    public void StartInBackground() => _ = Task.Run(async () =>
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_disposed) _page ??= await OpenPageAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is PuppeteerException or IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Reported by the first render, which tries again.
        }
        finally
        {
            _gate.Release();
        }
    });

    private async Task<string> RenderAsync(string json, int width, int height, double scale)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var page = _page ??= await OpenPageAsync().ConfigureAwait(false);
            var url = await page.EvaluateFunctionAsync<string>(
                "async (json, w, h, s) => { const f = JSON.parse(json); return await Plotly.toImage({ data: f.data, layout: f.layout }, { format: 'png', width: w, height: h, scale: s }); }",
                json, width, height, scale).ConfigureAwait(false);
            const string prefix = "data:image/png;base64,";
            if (url is null || !url.StartsWith(prefix, StringComparison.Ordinal)) throw new InvalidOperationException("Static image: plotly.js returned no PNG.");
            return url[prefix.Length..];
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IPage> OpenPageAsync()
    {
        _browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            Headless = true,
            ExecutablePath = _browserPath,
            // Over a pipe, not a port: the browser also exits when this process dies without closing it.
            Pipe = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage", "--disable-extensions", "--mute-audio"],
        }).ConfigureAwait(false);
        var page = await _browser.NewPageAsync().ConfigureAwait(false);
        await page.SetContentAsync("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body></body></html>").ConfigureAwait(false);
        await page.AddScriptTagAsync(new AddTagOptions { Content = PlotlyJs.Source }).ConfigureAwait(false);
        return page;
    }

    /// <summary>Closes the browser.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            _browser?.CloseAsync().WaitAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is PuppeteerException or TimeoutException or IOException or InvalidOperationException)
        {
            // The browser is going away with this process anyway.
        }
        _browser?.Dispose();
        _gate.Dispose();
    }
}
