using System.CommandLine;
using System.Globalization;
using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Store;
using LiquidationLab.Data.Validation;
using Spectre.Console;

namespace LiquidationLab.Cli.Commands;

/// <summary><c>liqlab data …</c>: ingest, status, validate.</summary>
internal static class DataCommand
{
    public static Command Create()
    {
        var data = new Command("data", "The DuckDB store: ingest exchange data, inspect and validate it.");
        data.Add(Ingest());
        data.Add(Status());
        data.Add(Validate());
        return data;
    }

    internal static Option<string?> DbOption() => new("--db")
    {
        Description = $"DuckDB file (default: ${LabStore.EnvironmentVariable}, else {LabStore.DefaultRelativePath}).",
    };

    private static Command Ingest()
    {
        var paths = new Argument<string[]>("paths") { Description = "Files or directories (recursive).", Arity = ArgumentArity.OneOrMore };
        var kind = new Option<string?>("--kind") { Description = "Force an importer kind instead of detecting it (see --list-kinds)." };
        var db = DbOption();
        var cmd = new Command("ingest", "Ingest files into the store; each file in one transaction, skipped when its SHA-256 was ingested before.") { paths, kind, db };
        cmd.SetAction((parse, _) =>
        {
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            using var store = LabStore.Open(LabStore.ResolvePath(parse.GetValue(db)));
            var ingestor = new Ingestor(store);
            long rows = 0;
            int ingested = 0, skipped = 0, unknown = 0;
            var results = ingestor.Ingest(parse.GetValue(paths)!, parse.GetValue(kind), r =>
            {
                var name = Markup.Escape(Path.GetRelativePath(Directory.GetCurrentDirectory(), r.Path));
                switch (r.Status)
                {
                    case IngestStatus.Ingested:
                        ingested++;
                        rows += r.Rows;
                        console.MarkupLine($"[green]ingested[/] {name} [grey]({r.Kind}, {r.Rows:N0} rows, {r.Elapsed.TotalSeconds:0.00} s: {Markup.Escape(r.Detail ?? "")})[/]");
                        break;
                    case IngestStatus.AlreadyIngested:
                        skipped++;
                        console.MarkupLine($"[grey]unchanged {name} (already ingested as {r.Kind})[/]");
                        break;
                    default:
                        unknown++;
                        console.MarkupLine($"[grey]skipped   {name} (not a data file LiquidationLab knows)[/]");
                        break;
                }
            });
            console.MarkupLine($"{ingested} files ingested ({rows:N0} rows), {skipped} unchanged, {unknown} not recognised → {Markup.Escape(store.Path)}");
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static Command Status()
    {
        var db = DbOption();
        var cmd = new Command("status", "Per table: rows, symbols, first and last time.") { db };
        cmd.SetAction((parse, _) =>
        {
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            using var store = LabStore.Open(LabStore.ResolvePath(parse.GetValue(db)));
            var t = new Table().Border(TableBorder.Rounded);
            t.AddColumn("Table");
            t.AddColumn("Rows", c => c.RightAligned());
            t.AddColumn("Symbols / instruments");
            t.AddColumn("First (UTC)");
            t.AddColumn("Last (UTC)");
            foreach (var s in StoreStatus.Read(store))
                t.AddRow(s.Table, s.Rows.ToString("N0", CultureInfo.InvariantCulture), Markup.Escape(s.Symbols),
                    s.FirstTime?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-",
                    s.LastTime?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-");
            console.MarkupLine($"Store {Markup.Escape(store.Path)} (schema v{store.SchemaVersion})");
            console.Write(t);
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static Command Validate()
    {
        var db = DbOption();
        var cmd = new Command("validate", "Check the store: gaps, duplicates, non-positive prices or sizes, inconsistent OHLC, non-monotonic time, crossed books. Exit code 1 on errors.") { db };
        cmd.SetAction((parse, _) =>
        {
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            using var store = LabStore.Open(LabStore.ResolvePath(parse.GetValue(db)));
            var findings = StoreValidator.Validate(store);
            if (findings.Count == 0)
            {
                console.MarkupLine("[green]No findings.[/]");
                return Task.FromResult(0);
            }
            var t = new Table().Border(TableBorder.Rounded);
            t.AddColumn("Severity");
            t.AddColumn("Table");
            t.AddColumn("Check");
            t.AddColumn("Count", c => c.RightAligned());
            t.AddColumn("Example");
            foreach (var f in findings)
                t.AddRow(f.Severity == FindingSeverity.Error ? "[red]error[/]" : "[yellow]warning[/]", f.Table, Markup.Escape(f.Check),
                    f.Count.ToString("N0", CultureInfo.InvariantCulture), Markup.Escape(f.Example));
            console.Write(t);
            var errors = findings.Count(f => f.Severity == FindingSeverity.Error);
            console.MarkupLine($"{errors} error(s), {findings.Count - errors} warning(s).");
            return Task.FromResult(errors > 0 ? 1 : 0);
        });
        return cmd;
    }
}
