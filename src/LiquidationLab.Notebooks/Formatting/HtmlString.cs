namespace LiquidationLab.Notebooks.Formatting;

/// <summary>Markup to display as HTML (e.g. <c>display(new HtmlString("&lt;b&gt;hi&lt;/b&gt;"))</c>). Under the .NET Interactive
/// kernel the same cell binds to <c>Microsoft.AspNetCore.Html.HtmlString</c>, which that kernel shows as HTML too; that is
/// why this type lives apart from the shared formatters (the extension does not import this namespace).</summary>
/// <param name="Html">Trusted HTML.</param>
public sealed record HtmlString(string Html);
