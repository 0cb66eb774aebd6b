using LiquidationLab.TestSupport;

namespace LiquidationLab.Cli.Tests.Commands;

/// <summary>
/// <c>liqlab backtest</c> with hostile options (issue 30): every bad value is a usage error naming the option, in one line,
/// before any data is read — never a run with NaN results, a silently changed protocol or a stack trace.
/// </summary>
public sealed class BacktestOptionTests
{
    [Theory]
    [InlineData("--test-from", "", "expected a time")] // '' was read as 0001-01-01
    [InlineData("--from", "", "expected a time")]      // '' was accepted
    [InlineData("--test-from", "01/06/2026", "ISO 8601")]
    [InlineData("--block-days", "1000000000", "expected a whole number of days from 1 to 3650")]
    [InlineData("--block-days", "0", "expected a whole number of days from 1 to 3650")]
    [InlineData("--block-days", "-3", "expected a whole number of days from 1 to 3650")]
    [InlineData("--block-days", "NaN", "expected a whole number of days from 1 to 3650")]
    [InlineData("--refit-days", "0", "expected a whole number of days from 1 to 3650")]
    [InlineData("--refit-days", "-1", "expected a whole number of days from 1 to 3650")]
    [InlineData("--refit-days", "1.5", "expected a whole number of days from 1 to 3650")]
    [InlineData("--event-quantile", "2", "expected a number strictly between 0 and 1")]
    [InlineData("--event-quantile", "-0.5", "expected a number strictly between 0 and 1")]
    [InlineData("--event-quantile", "NaN", "expected a number strictly between 0 and 1")]
    [InlineData("--event-quantile", "1", "expected a number strictly between 0 and 1")]
    [InlineData("--test-from", "2026-13-45", "expected ISO 8601")]
    [InlineData("--train-until", "soon", "expected ISO 8601")]
    [InlineData("--test-to", "yesterday", "expected ISO 8601")]
    [InlineData("--from", "x", "expected ISO 8601")]
    [InlineData("--model", "", "--model: empty")]
    [InlineData("--model", " , ", "--model: empty")]
    [InlineData("--model", "sideways:scale", "--model: sideways:scale")]
    public async Task A_bad_option_value_is_a_usage_error_naming_the_option(string option, string value, string expected)
    {
        var r = await CliRunner.Run("backtest", "--db", RealSnapshot.StorePath, "--interval", "1h", "--json", option, value);
        Assert.Equal(LiqlabApp.ErrorExitCode, r.Exit);
        Assert.DoesNotContain("\"exAnte\"", r.Out, StringComparison.Ordinal); // nothing was scored
        Assert.Contains(option, r.Err, StringComparison.Ordinal);
        Assert.Contains(expected, r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_test_to_before_from_is_refused_naming_both()
    {
        var r = await CliRunner.Run("backtest", "--db", RealSnapshot.StorePath, "--from", "2026-03-01", "--test-to", "2026-01-01", "--model", "none");
        Assert.Equal(LiqlabApp.ErrorExitCode, r.Exit);
        Assert.Equal("liqlab: --test-to: 2026-01-01 must be after --from (2026-03-01).", r.Err.Trim());
    }

    [Theory]
    [InlineData("--market", "moon", "--market: expected spot or perp, found 'moon'.")]
    [InlineData("--side", "both", "--side: expected total, long or short, found 'both'.")]
    public async Task An_unknown_choice_is_a_usage_error_naming_the_option_and_the_choices(string option, string value, string expected)
    {
        var r = await CliRunner.Run("backtest", "--db", RealSnapshot.StorePath, option, value);
        Assert.Equal(LiqlabApp.ErrorExitCode, r.Exit);
        Assert.Contains(expected, r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_test_from_is_reported_as_test_from_not_from()
    {
        var r = await CliRunner.Run("backtest", "--db", RealSnapshot.StorePath, "--test-from", "2026-02-30");
        Assert.Equal(LiqlabApp.ErrorExitCode, r.Exit);
        Assert.Contains("--test-from", r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("--from:", r.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_unrecognised_data_file_is_refused_and_leaves_no_temporary_folder(bool inAFolder)
    {
        var dir = Directory.CreateTempSubdirectory("liqlab-backtest-test-").FullName;
        var temp = Path.Combine(dir, "tmp");
        Directory.CreateDirectory(temp);
        var previous = Environment.GetEnvironmentVariable("TMPDIR");
        try
        {
            var folder = Path.Combine(dir, "data");
            Directory.CreateDirectory(folder);
            var file = Path.Combine(folder, "notes.txt");
            await File.WriteAllTextAsync(file, "not market data\n");
            Environment.SetEnvironmentVariable("TMPDIR", temp + "/"); // the scratch store goes here, so the test sees exactly its own
            Assert.Equal(temp, Path.TrimEndingDirectorySeparator(Path.GetTempPath()));
            var r = await CliRunner.Run("backtest", "--data", inAFolder ? folder : file, "--model", "none");
            Assert.Equal(LiqlabApp.ErrorExitCode, r.Exit);
            Assert.Contains(inAFolder ? $"--data {folder}: no data file LiquidationLab knows" : file, r.Err, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", r.Err, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(temp));
        }
        finally
        {
            Environment.SetEnvironmentVariable("TMPDIR", previous);
            Directory.Delete(dir, true);
        }
    }
}
