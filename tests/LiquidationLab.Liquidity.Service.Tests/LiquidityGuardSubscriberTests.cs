using System.Diagnostics;
using LiquidationLab.Liquidity;
using LiquidationLab.Liquidity.Service;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Liquidity.Service.Tests;

[Collection("liquidity-service")]
[Trait(RequiredTools.Trait, "redis-server")]
public class LiquidityGuardSubscriberTests
{
    [Fact]
    public async Task The_guard_receives_the_service_reports_and_clamps_an_order_to_the_forecast()
    {
        await using var h = await WatchHarness.StartAsync();
        await using var guard = await LiquidityGuardSubscriber.SubscribeAsync(h.State, clock: h.Clock.Now);
        await h.StepUntil(() => guard.Received >= 3, "reports received by the guard");
        var decision = guard.Check(WatchHarness.Btc, 1_000_000, 60);
        Assert.Equal(GuardAction.Reduce, decision.Action);
        Assert.NotNull(decision.Report);
        Assert.Equal(WatchHarness.Btc, decision.Report.ConditionId);
        Assert.Equal(3600, decision.Report.HorizonSeconds); // horizon_s travels with forecast_pusd
        Assert.Equal(Math.Floor(0.8 * decision.Report.ForecastPusd), decision.AllowedPusd);
        Assert.Equal(GuardAction.Reject, guard.Check("unknown-market", 10, 60).Action);
        Assert.Equal(0, guard.Malformed);
    }
}

[Trait(RequiredTools.Trait, "prometheus")]
public class AlertRulesTests
{
    private static (int Exit, string Output) Promtool(params string[] args)
    {
        var promtool = RequiredTools.Promtool();
        var psi = new ProcessStartInfo(promtool, args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.Combine(RealSnapshot.RepositoryRoot, "deploy", "prometheus") };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output.Result + error);
    }

    [Fact]
    public void The_spec_alert_rules_pass_promtool_check_and_their_unit_tests()
    {
        var check = Promtool("check", "rules", "liquidityforecastmodel.rules.yml");
        Assert.True(check.Exit == 0, check.Output);
        Assert.Contains("SUCCESS: 2 rules found", check.Output, StringComparison.Ordinal);
        // Input series through the rules: the low-forecast alert fires below 1000 pUSD, the stale alert after 15 min without a report.
        var test = Promtool("test", "rules", "liquidityforecastmodel.rules.test.yml");
        Assert.True(test.Exit == 0, test.Output);
        Assert.Contains("SUCCESS", test.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_rules_name_the_metrics_the_service_exports()
    {
        var rules = File.ReadAllText(Path.Combine(RealSnapshot.RepositoryRoot, "deploy", "prometheus", "liquidityforecastmodel.rules.yml"));
        Assert.Contains("polytraders_intel_liquidityforecastmodel_forecast_pusd < 1000", rules, StringComparison.Ordinal);
        Assert.Contains("rate(polytraders_intel_liquidityforecastmodel_observations_emitted_total[15m]) == 0", rules, StringComparison.Ordinal);
    }
}
