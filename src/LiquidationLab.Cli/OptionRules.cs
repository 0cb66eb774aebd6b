using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using LiquidationLab.Analysis;

namespace LiquidationLab.Cli;

/// <summary>
/// Rules several options share, checked by System.CommandLine while it parses: a bad value is a usage error naming the
/// option (e.g. <c>--block-days: expected a whole number of days from 1 to 3650, found '0'.</c>), never a run with a
/// silently changed setting, a NaN result or a stack trace.
/// </summary>
internal static class OptionRules
{
    /// <summary>The most days a day-count option takes: 3650 (ten years, longer than any stored history).</summary>
    public const int MaxDays = 3650;

    /// <summary>An option holding a whole number of days, 1 to <see cref="MaxDays"/>.</summary>
    /// <param name="name">The option's name, e.g. <c>--block-days</c>.</param>
    /// <param name="defaultDays">The value when the option is absent.</param>
    /// <param name="description">Help text.</param>
    public static Option<int> Days(string name, int defaultDays, string description) => new(name)
    {
        DefaultValueFactory = _ => defaultDays,
        Description = $"{description} Whole days, 1–{MaxDays}.",
        CustomParser = r =>
        {
            var text = Token(r);
            if (int.TryParse(text, NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var days) && days is >= 1 and <= MaxDays)
                return days;
            r.AddError($"{name}: expected a whole number of days from 1 to {MaxDays}, found '{text}'.");
            return defaultDays;
        },
    };

    /// <summary>An option holding a duration in seconds within [<paramref name="min"/>, <paramref name="max"/>] (NaN, ∞ and
    /// anything out of range refused naming the option); <paramref name="zeroMeans"/> allows 0 as "off".</summary>
    /// <param name="name">The option's name, e.g. <c>--batch-seconds</c>.</param>
    /// <param name="defaultSeconds">The value when the option is absent (null: absent stays null).</param>
    /// <param name="min">Least seconds (other than 0 with <paramref name="zeroMeans"/>).</param>
    /// <param name="max">Most seconds.</param>
    /// <param name="description">Help text.</param>
    /// <param name="zeroMeans">What 0 means, when 0 is allowed (e.g. "never").</param>
    public static Option<double?> Seconds(string name, double? defaultSeconds, double min, double max, string description, string? zeroMeans = null) => new(name)
    {
        DefaultValueFactory = _ => defaultSeconds,
        Description = $"{description} Seconds, {min.ToString(CultureInfo.InvariantCulture)}–{max.ToString("N0", CultureInfo.InvariantCulture)}" + (zeroMeans is null ? "." : $"; 0: {zeroMeans}."),
        CustomParser = r =>
        {
            var text = Token(r);
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && ((s >= min && s <= max) || (zeroMeans is not null && s == 0)))
                return s;
            r.AddError($"{name}: expected seconds from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString("N0", CultureInfo.InvariantCulture)}" +
                       (zeroMeans is null ? "" : $" (or 0: {zeroMeans})") + $", found '{text}'.");
            return defaultSeconds;
        },
    };

    /// <summary>An option holding a finite number within [<paramref name="min"/>, <paramref name="max"/>], refused naming the option.</summary>
    /// <param name="name">The option's name.</param>
    /// <param name="defaultValue">The value when the option is absent.</param>
    /// <param name="min">Least value.</param>
    /// <param name="max">Most value.</param>
    /// <param name="description">Help text.</param>
    public static Option<double> Number(string name, double defaultValue, double min, double max, string description) => new(name)
    {
        DefaultValueFactory = _ => defaultValue,
        Description = $"{description} {min.ToString(CultureInfo.InvariantCulture)}–{max.ToString(CultureInfo.InvariantCulture)}.",
        CustomParser = r =>
        {
            var text = Token(r);
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max) return v; // false for NaN
            r.AddError($"{name}: expected a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, found '{text}'.");
            return defaultValue;
        },
    };

    /// <summary>An absolute http(s) or ws(s) URL, refused naming the option otherwise.</summary>
    /// <param name="name">The option's name, e.g. <c>--ws-url</c>.</param>
    /// <param name="defaultUrl">The value when the option is absent.</param>
    /// <param name="description">Help text.</param>
    /// <param name="schemes">The schemes accepted.</param>
    public static Option<Uri> Url(string name, string defaultUrl, string description, params string[] schemes) => new(name)
    {
        DefaultValueFactory = _ => new Uri(defaultUrl),
        Description = description,
        CustomParser = r =>
        {
            var text = Token(r);
            if (Uri.TryCreate(text, UriKind.Absolute, out var u) && schemes.Contains(u.Scheme, StringComparer.Ordinal)) return u;
            r.AddError($"{name}: expected an absolute {string.Join(" or ", schemes)} URL, found '{text}'.");
            return new Uri(defaultUrl);
        },
    };

    /// <summary>An option holding a probability strictly between 0 and 1 (a quantile, a level).</summary>
    /// <param name="name">The option's name, e.g. <c>--event-quantile</c>.</param>
    /// <param name="defaultValue">The value when the option is absent, in (0, 1).</param>
    /// <param name="description">Help text.</param>
    public static Option<double> OpenProbability(string name, double defaultValue, string description) => new(name)
    {
        DefaultValueFactory = _ => defaultValue,
        Description = $"{description} Strictly between 0 and 1.",
        CustomParser = r =>
        {
            var text = Token(r);
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) && p > 0 && p < 1) // false for NaN
                return p;
            r.AddError($"{name}: expected a number strictly between 0 and 1, found '{text}'.");
            return defaultValue;
        },
    };

    /// <summary>
    /// Checks a time option as the application layer reads it (<see cref="TimeWindow.Parse"/>: <c>yyyy-MM-dd</c> or an ISO
    /// date-time, UTC), with the error naming this option.
    /// </summary>
    /// <param name="option">The option; returned for chaining.</param>
    public static Option<string?> IsTime(this Option<string?> option)
    {
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count == 0) return;
            if (string.IsNullOrWhiteSpace(r.Tokens[^1].Value))
            {
                r.AddError($"{option.Name}: expected a time (yyyy-MM-dd or yyyy-MM-ddTHH:mm with Z or an offset), found nothing."); // '' read as 0001-01-01
                return;
            }
            try
            {
                Time(r.Tokens[^1].Value, option.Name);
            }
            catch (QueryParameterException e)
            {
                r.AddError(CommandErrors.Describe(e));
            }
        });
        return option;
    }

    /// <summary>Restricts a text option to <paramref name="values"/> (exact, as typed), the error naming the option and the choices.</summary>
    /// <param name="option">The option; returned for chaining.</param>
    /// <param name="values">The accepted values.</param>
    public static Option<T> OneOf<T>(this Option<T> option, params string[] values)
    {
        option.CompletionSources.Add(values);
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count == 0) return;
            var value = r.Tokens[^1].Value;
            if (!values.Contains(value, StringComparer.Ordinal))
                r.AddError($"{option.Name}: expected {string.Join(", ", values.SkipLast(1))} or {values[^1]}, found '{value}'.");
        });
        return option;
    }

    /// <summary>The start time <paramref name="text"/> means (a date is its midnight UTC).</summary>
    /// <exception cref="QueryParameterException">Not a date or ISO time; the message names <paramref name="name"/>.</exception>
    public static DateTime Time(string text, string name) => TimeWindow.Parse(text, null, name).Start;

    private static string Token(ArgumentResult r) => r.Tokens.Count == 0 ? "" : r.Tokens[^1].Value;
}
