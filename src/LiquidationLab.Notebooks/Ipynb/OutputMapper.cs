using System.Text.Json.Nodes;
using LiquidationLab.Formatting;
using LiquidationLab.Notebooks.Engine;

namespace LiquidationLab.Notebooks.Ipynb;

/// <summary>
/// The one mapping from engine events to Jupyter's output shapes. nbformat outputs and iopub message contents have
/// the same structure (text as plain strings, which both accept), so the runner stores these objects in cells and the
/// kernel sends them (with <see cref="IopubMessageType"/> as the message type; <c>output_type</c> is dropped there).
/// </summary>
public static class OutputMapper
{
    /// <summary>The nbformat output (and iopub content) of an event.</summary>
    /// <param name="e">The event.</param>
    /// <param name="executionCount">Execution count for results.</param>
    public static JsonObject ToOutput(CellEvent e, int executionCount) => e switch
    {
        StreamEvent s => new JsonObject { ["output_type"] = "stream", ["name"] = s.Name, ["text"] = s.Text },
        DisplayEvent d => Display("display_data", d.Bundle, d.DisplayId),
        UpdateDisplayEvent u => Display("update_display_data", u.Bundle, u.DisplayId),
        ResultEvent r => new JsonObject
        {
            ["output_type"] = "execute_result", ["execution_count"] = executionCount, ["data"] = Data(r.Bundle), ["metadata"] = r.Bundle.Metadata.DeepClone(),
        },
        ErrorEvent err => new JsonObject
        {
            ["output_type"] = "error", ["ename"] = err.Name, ["evalue"] = err.Value,
            ["traceback"] = new JsonArray(err.Traceback.Select(t => (JsonNode?)t).ToArray()),
        },
        _ => throw new ArgumentOutOfRangeException(nameof(e), e, "Unknown event."),
    };

    /// <summary>The iopub message type for an output (its <c>output_type</c>; <c>error</c> stays <c>error</c>).</summary>
    public static string IopubMessageType(JsonObject output) => output["output_type"]!.GetValue<string>();

    private static JsonObject Display(string type, MimeBundle bundle, string? displayId)
    {
        var o = new JsonObject { ["output_type"] = type, ["data"] = Data(bundle), ["metadata"] = bundle.Metadata.DeepClone() };
        if (displayId is not null) o["transient"] = new JsonObject { ["display_id"] = displayId };
        return o;
    }

    /// <summary>Text stays a single string (valid in nbformat files, required in iopub messages); JSON MIME types stay objects.</summary>
    private static JsonObject Data(MimeBundle bundle) => bundle.DataJson();

    /// <summary>
    /// Converts outputs for storing in a file: nbformat forbids <c>update_display_data</c> and <c>transient</c> in files,
    /// so updates replace the data of earlier outputs with the same display id (in any cell) and ids are dropped.
    /// </summary>
    /// <param name="outputs">This cell's outputs, in order (may contain updates).</param>
    /// <param name="displayIds">display id → the stored output object, across the notebook (maintained by the caller).</param>
    public static JsonArray ForFile(IReadOnlyList<JsonObject> outputs, Dictionary<string, JsonObject> displayIds)
    {
        var result = new JsonArray();
        foreach (var o in outputs)
        {
            var type = o["output_type"]!.GetValue<string>();
            var id = o["transient"]?["display_id"]?.GetValue<string>();
            if (type == "update_display_data")
            {
                if (id is not null && displayIds.TryGetValue(id, out var target))
                {
                    target["data"] = o["data"]!.DeepClone();
                    target["metadata"] = o["metadata"]!.DeepClone();
                }
                continue;
            }
            var stored = o.DeepClone().AsObject();
            stored.Remove("transient");
            if (type == "display_data" && id is not null) displayIds[id] = stored;
            result.Add(stored);
        }
        return result;
    }
}
