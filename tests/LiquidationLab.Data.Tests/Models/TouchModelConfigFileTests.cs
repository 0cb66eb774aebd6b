using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.Models;
using LiquidationLab.Data.Models;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Data.Tests.Models;

public sealed class TouchModelConfigFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-touchcfg-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Write(string json)
    {
        var path = Path.Combine(_dir, "touch-model.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void The_repositorys_frozen_configuration_reads()
    {
        var config = TouchModelConfigFile.Read(Path.Combine(RealSnapshot.RepositoryRoot, "data", "models", "touch-model.json"));
        Assert.Equal(new TouchModelConfig(OpenInterestDecreaseRule.Absolute, TouchCalibration.Stacked, 1), config);
    }

    [Fact]
    public void A_custom_mix_and_every_bad_field_are_read_or_named()
    {
        var ok = TouchModelConfigFile.Read(Write("""{"version":1,"decreaseRule":"proportional","calibration":"log-linear","volatilityHalfLifeDays":3,"mix":"10:0.5,25:0.5"}"""));
        Assert.Equal((OpenInterestDecreaseRule.Proportional, TouchCalibration.LogLinear, 3.0, 2), (ok.DecreaseRule, ok.Calibration, ok.VolatilityHalfLifeDays, ok.Mix!.Tiers.Count));
        foreach (var (json, field) in new[]
                 {
                     ("""{"version":2,"decreaseRule":"absolute","calibration":"stacked","volatilityHalfLifeDays":1}""", "'version'"),
                     ("""{"version":1,"decreaseRule":"half","calibration":"stacked","volatilityHalfLifeDays":1}""", "'decreaseRule' is 'half'"),
                     ("""{"version":1,"decreaseRule":"absolute","calibration":"neural","volatilityHalfLifeDays":1}""", "'calibration' is 'neural'"),
                     ("""{"version":1,"decreaseRule":"absolute","calibration":"stacked","volatilityHalfLifeDays":0}""", "'volatilityHalfLifeDays'"),
                     ("""{"version":1,"decreaseRule":"absolute","calibration":"stacked"}""", "'volatilityHalfLifeDays'"),
                     ("""{"version":1,"calibration":"stacked","volatilityHalfLifeDays":1}""", "'decreaseRule' is missing"),
                     ("""{"version":1,"decreaseRule":"absolute","calibration":"stacked","volatilityHalfLifeDays":1,"mix":"ten"}""", "'mix'"),
                     ("""{"version":1,""", "not valid JSON"),
                 })
        {
            var e = Assert.Throws<FormatException>(() => TouchModelConfigFile.Read(Write(json)));
            Assert.Contains(field, e.Message, StringComparison.Ordinal);
            Assert.StartsWith(Path.Combine(_dir, "touch-model.json"), e.Message, StringComparison.Ordinal);
        }
    }
}
