using LiquidationLab.Data.Store;

namespace LiquidationLab.Data.Tests.Store;

public class LabStoreTests
{
    [Fact]
    public void New_store_is_created_at_the_current_schema_version_and_reopens()
    {
        var dir = Directory.CreateTempSubdirectory("liqlab-").FullName;
        try
        {
            var path = Path.Combine(dir, "nested", "lab.duckdb");
            using (var store = LabStore.Open(path))
            {
                Assert.Equal(Schema.CurrentVersion, store.SchemaVersion);
                store.Execute("INSERT INTO ingest_log (file_path, sha256, kind, rows, ingested_at) VALUES ('x', 'abc', 'k', 1, now())");
            }
            using (var again = LabStore.Open(path))
            {
                Assert.Equal(Schema.CurrentVersion, again.SchemaVersion);
                Assert.Equal(1L, again.Scalar<long>("SELECT count(*) FROM ingest_log"));
                Assert.Equal((long)Schema.CurrentVersion, again.Scalar<long>("SELECT count(*) FROM schema_version")); // a row per migration
                Assert.Equal(0L, again.Scalar<long>("SELECT count(*) FROM liquidity_reports")); // v2
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_store_from_a_newer_build_is_refused()
    {
        var dir = Directory.CreateTempSubdirectory("liqlab-").FullName;
        try
        {
            var path = Path.Combine(dir, "lab.duckdb");
            using (var store = LabStore.Open(path))
                store.Execute($"INSERT INTO schema_version VALUES ({Schema.CurrentVersion + 1}, now())");
            var e = Assert.Throws<InvalidOperationException>(() => LabStore.Open(path));
            Assert.Contains("newer than this build", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Path_resolution_prefers_explicit_then_environment_then_default()
    {
        Assert.Equal(Path.GetFullPath("x/y.duckdb"), LabStore.ResolvePath("x/y.duckdb"));
        Assert.Equal(Path.GetFullPath(Environment.GetEnvironmentVariable(LabStore.EnvironmentVariable) is { Length: > 0 } env ? env : LabStore.DefaultRelativePath),
            LabStore.ResolvePath(null));
    }
}
