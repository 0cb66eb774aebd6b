using System.Text.Json;
using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.Models;

namespace LiquidationLab.Data.Models;

/// <summary>
/// A frozen touch-model configuration on disk (<c>data/models/touch-model.json</c>): the choices made on data before any
/// scored span, versioned with the repository, so a held-out run scores exactly what was frozen. Fields:
/// <c>version</c> (1), <c>decreaseRule</c> (<c>proportional</c> | <c>absolute</c>), <c>calibration</c> (<c>scale</c> |
/// <c>log-linear</c> | <c>stacked</c>), <c>volatilityHalfLifeDays</c> (&gt; 0), optional <c>mix</c> (e.g.
/// <c>"5:0.15,10:0.3,25:0.25,50:0.2,100:0.1"</c>), and free-text <c>chosenOn</c> / <c>frozen</c> / <c>why</c> (provenance).
/// </summary>
public static class TouchModelConfigFile
{
    /// <summary>Reads and validates a configuration.</summary>
    /// <exception cref="FormatException">Invalid JSON or a field missing or out of range, naming the file and the field.</exception>
    public static TouchModelConfig Read(string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            string Text(string field) => root.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!
                : throw new FormatException($"{path}: field '{field}' is missing or not a string.");
            if (!root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number || version.GetInt32() != 1)
                throw new FormatException($"{path}: field 'version' must be 1.");
            var ruleName = Text("decreaseRule");
            var rule = TouchModelConfig.ParseRule(ruleName)
                ?? throw new FormatException($"{path}: field 'decreaseRule' is '{ruleName}'; expected proportional or absolute.");
            var calibrationName = Text("calibration");
            var calibration = TouchModelConfig.ParseCalibration(calibrationName)
                ?? throw new FormatException($"{path}: field 'calibration' is '{calibrationName}'; expected scale, log-linear or stacked.");
            var halfLife = root.TryGetProperty("volatilityHalfLifeDays", out var h) && h.ValueKind == JsonValueKind.Number && h.GetDouble() > 0 ? h.GetDouble()
                : throw new FormatException($"{path}: field 'volatilityHalfLifeDays' must be a number > 0.");
            LeverageMix? mix = null;
            if (root.TryGetProperty("mix", out var m) && m.ValueKind != JsonValueKind.Null)
            {
                try
                {
                    mix = LeverageMix.Parse(m.GetString() ?? "");
                }
                catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
                {
                    throw new FormatException($"{path}: field 'mix': {e.Message}", e);
                }
            }
            return new TouchModelConfig(rule, calibration, halfLife, mix);
        }
    }
}
