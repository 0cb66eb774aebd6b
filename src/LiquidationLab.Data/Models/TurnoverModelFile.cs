using System.Text.Json;
using LiquidationLab.Core.Backtesting;

namespace LiquidationLab.Data.Models;

/// <summary>A frozen turnover-model configuration read from disk (<see cref="TurnoverModelFile"/>).</summary>
/// <param name="Path">The file read.</param>
/// <param name="Parameters">The parameters fitted on the choice span: where every walk-forward fit starts, and the heatmap's
/// turnover model.</param>
/// <param name="ChosenOn">The choice span, as free text (provenance).</param>
/// <param name="Frozen">The date the file was frozen (provenance).</param>
/// <param name="BarInterval">The candle interval the parameters were fitted on (the hazard is per bar of it), e.g. 4 hours.</param>
public sealed record TurnoverModelConfig(string Path, TurnoverParameters Parameters, string ChosenOn, string Frozen, TimeSpan BarInterval)
{
    /// <summary>The parameters for candles of <paramref name="bar"/> (<see cref="TurnoverParameters.ForBar"/>).</summary>
    public TurnoverParameters ParametersFor(TimeSpan bar) => Parameters.ForBar(BarInterval, bar);
}

/// <summary>
/// The frozen turnover model (<c>data/models/turnover-model.json</c>), beside the touch model's file (which stays readable:
/// <see cref="TouchModelConfigFile"/>). Fields: <c>version</c> (1), <c>model</c> (<c>time-evolving-turnover</c>),
/// <c>parameters</c> { <c>leverageExponent</c> in [−4, 4], <c>turnoverShare</c> in [0.001, 100], <c>hazardPerBar</c> in
/// [0.001, 0.9], <c>longTilt</c> in [−5, 5], <c>floorUsd</c> in [0.001, 1e8] }, <c>barInterval</c> (the candle interval they were
/// fitted on, e.g. <c>4h</c>: the hazard is per bar of it) and the provenance strings <c>chosenOn</c>, <c>frozen</c>, <c>why</c>.
/// </summary>
public static class TurnoverModelFile
{
    /// <summary>The path inside the repository.</summary>
    public static readonly string RelativePath = System.IO.Path.Combine("data", "models", "turnover-model.json");

    /// <summary>The clone's frozen file, read and validated; null outside a clone or when it is missing.</summary>
    /// <exception cref="FormatException">The file exists but is invalid (naming the field).</exception>
    public static TurnoverModelConfig? Frozen()
    {
        var touch = TouchModelLocation.Frozen();
        if (touch is null) return null;
        var path = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(touch)!, "turnover-model.json");
        return File.Exists(path) ? Read(path) : null;
    }

    /// <summary>Reads and validates a file.</summary>
    /// <exception cref="FormatException">Invalid JSON, or a field missing or out of range, naming the file and the field.</exception>
    public static TurnoverModelConfig Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var name = System.IO.Path.GetFileName(path);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new FormatException($"{name}: not valid JSON (line {e.LineNumber + 1}).", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException($"{name}: expected a JSON object.");
            if (!root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var v) || v != 1)
                throw new FormatException($"{name}: field 'version' must be 1.");
            string Text(JsonElement e, string field) => e.TryGetProperty(field, out var x) && x.ValueKind == JsonValueKind.String ? x.GetString()!
                : throw new FormatException($"{name}: field '{field}' is missing or not a string.");
            var model = Text(root, "model");
            if (model != Core.Models.TurnoverModel.ModelName)
                throw new FormatException($"{name}: field 'model' is '{model}'; expected {Core.Models.TurnoverModel.ModelName}.");
            if (!root.TryGetProperty("parameters", out var p) || p.ValueKind != JsonValueKind.Object)
                throw new FormatException($"{name}: field 'parameters' is missing or not an object.");
            double Number(string field, double lo, double hi) =>
                p.TryGetProperty(field, out var x) && x.ValueKind == JsonValueKind.Number && x.GetDouble() is var d && d >= lo && d <= hi ? d
                    : throw new FormatException($"{name}: field 'parameters.{field}' must be a number from {lo} to {hi}.");
            var parameters = new TurnoverParameters(Number("leverageExponent", -4, 4), Number("turnoverShare", 0.001, 100), Number("hazardPerBar", 0.001, 0.9),
                Number("longTilt", -5, 5), Number("floorUsd", 0.001, 1e8));
            var barText = Text(root, "barInterval");
            var bar = Core.MarketData.BarPeriod.Parse(barText)
                ?? throw new FormatException($"{name}: field 'barInterval' is '{barText}'; expected a candle interval such as 1h or 4h.");
            return new TurnoverModelConfig(path, parameters, Text(root, "chosenOn"), Text(root, "frozen"), bar);
        }
    }
}
