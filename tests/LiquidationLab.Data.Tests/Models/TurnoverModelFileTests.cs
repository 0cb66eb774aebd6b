using LiquidationLab.Core.Backtesting;
using LiquidationLab.Data.Models;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Data.Tests.Models;

public sealed class TurnoverModelFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-turnovercfg-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Write(string json)
    {
        var path = Path.Combine(_dir, "turnover-model.json");
        File.WriteAllText(path, json);
        return path;
    }

    private const string Parameters = "\"parameters\":{\"leverageExponent\":0.5,\"turnoverShare\":2,\"hazardPerBar\":0.1,\"longTilt\":0.2,\"floorUsd\":5000}";

    [Fact]
    public void The_repositorys_frozen_turnover_model_reads_beside_the_touch_models_file()
    {
        var config = TurnoverModelFile.Read(Path.Combine(RealSnapshot.RepositoryRoot, "data", "models", "turnover-model.json"));
        Assert.Contains("2025-09-30", config.ChosenOn, StringComparison.Ordinal);
        Assert.InRange(config.Parameters.HazardPerBar, 0.001, 0.9);
        // The touch model's file stays readable.
        _ = TouchModelConfigFile.Read(Path.Combine(RealSnapshot.RepositoryRoot, "data", "models", "touch-model.json"));
    }

    [Fact]
    public void A_valid_file_reads_and_every_bad_field_is_named()
    {
        var ok = TurnoverModelFile.Read(Write($$"""{"version":1,"model":"time-evolving-turnover",{{Parameters}},"barInterval":"4h","chosenOn":"span","frozen":"2026-12-08"}"""));
        Assert.Equal(new TurnoverParameters(0.5, 2, 0.1, 0.2, 5000), ok.Parameters);
        Assert.Equal(TimeSpan.FromHours(4), ok.BarInterval);
        // The hazard is per 4h bar: an hourly bar keeps a position's survival over 4 h, (1 − h')⁴ = 1 − h.
        Assert.Equal(1 - Math.Pow(0.9, 0.25), ok.ParametersFor(TimeSpan.FromHours(1)).HazardPerBar, 12);
        Assert.Equal(ok.Parameters, ok.ParametersFor(TimeSpan.FromHours(4)));
        Assert.Equal(0.9, ok.ParametersFor(TimeSpan.FromDays(30)).HazardPerBar, 12); // clamped to the fit's range
        foreach (var (json, field) in new[]
                 {
                     ($$"""{"version":2,"model":"time-evolving-turnover",{{Parameters}},"barInterval":"4h","chosenOn":"s","frozen":"d"}""", "'version'"),
                     ($$"""{"version":1,"model":"touch",{{Parameters}},"barInterval":"4h","chosenOn":"s","frozen":"d"}""", "'model' is 'touch'"),
                     ("""{"version":1,"model":"time-evolving-turnover","barInterval":"4h","chosenOn":"s","frozen":"d"}""", "'parameters'"),
                     ($$"""{"version":1,"model":"time-evolving-turnover",{{Parameters.Replace("0.1,", "1.5,", StringComparison.Ordinal)}},"barInterval":"4h","chosenOn":"s","frozen":"d"}""", "'parameters.hazardPerBar'"),
                     ($$"""{"version":1,"model":"time-evolving-turnover",{{Parameters.Replace("\"longTilt\":0.2,", "", StringComparison.Ordinal)}},"barInterval":"4h","chosenOn":"s","frozen":"d"}""", "'parameters.longTilt'"),
                     ($$"""{"version":1,"model":"time-evolving-turnover",{{Parameters}},"barInterval":"4h","frozen":"d"}""", "'chosenOn'"),
                     ($$"""{"version":1,"model":"time-evolving-turnover",{{Parameters}},"barInterval":"7x","chosenOn":"s","frozen":"d"}""", "'barInterval' is '7x'"),
                     ($$"""{"version":1,"model":"time-evolving-turnover",{{Parameters}},"chosenOn":"s","frozen":"d"}""", "'barInterval'"),
                     ("""{"version":1,""", "not valid JSON"),
                 })
        {
            var e = Assert.Throws<FormatException>(() => TurnoverModelFile.Read(Write(json)));
            Assert.Contains(field, e.Message, StringComparison.Ordinal);
            Assert.StartsWith("turnover-model.json", e.Message, StringComparison.Ordinal);
        }
    }
}
