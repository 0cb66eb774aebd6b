using System.Text.Json;
using System.Text.Json.Nodes;

namespace LiquidationLab.Notebooks.Ipynb;

/// <summary>A malformed <c>.ipynb</c> file.</summary>
public sealed class NotebookFormatException(string path, string problem, Exception? inner = null)
    : FormatException($"{path}: {problem}", inner)
{
    /// <summary>The notebook file.</summary>
    public string Path { get; } = path;
}

/// <summary>
/// A Jupyter notebook (nbformat 4.5) kept as JSON so unknown fields round-trip untouched. Cells get ids when missing
/// (required since 4.5); writing sets the LiquidationLab kernelspec and C# language_info.
/// </summary>
public sealed class NotebookDocument
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, IndentSize = 1, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private NotebookDocument(JsonObject root) => Root = root;

    /// <summary>The whole notebook JSON.</summary>
    public JsonObject Root { get; }

    /// <summary>The cells, in order.</summary>
    public JsonArray Cells => Root["cells"]!.AsArray();

    /// <summary>Notebook metadata.</summary>
    public JsonObject Metadata => Root["metadata"]!.AsObject();

    /// <summary>The kernelspec written to every notebook.</summary>
    public static JsonObject KernelSpec() => new() { ["name"] = "liquidationlab-csharp", ["display_name"] = "C# (LiquidationLab)", ["language"] = "csharp" };

    /// <summary>language_info for C#.</summary>
    public static JsonObject LanguageInfo() => new()
    {
        ["name"] = "csharp", ["version"] = "13.0", ["mimetype"] = "text/x-csharp", ["file_extension"] = ".cs", ["pygments_lexer"] = "csharp",
        ["codemirror_mode"] = "text/x-csharp",
    };

    /// <summary>An empty notebook.</summary>
    public static NotebookDocument Create() => new(new JsonObject
    {
        ["cells"] = new JsonArray(), ["metadata"] = new JsonObject { ["kernelspec"] = KernelSpec(), ["language_info"] = LanguageInfo() },
        ["nbformat"] = 4, ["nbformat_minor"] = 5,
    });

    /// <summary>Parses a notebook.</summary>
    /// <exception cref="NotebookFormatException">Not JSON, not nbformat 4, or cells of the wrong shape; names the file (and cell).</exception>
    public static NotebookDocument Parse(string json, string path)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new NotebookFormatException(path, $"invalid JSON at line {(e.LineNumber ?? 0) + 1}: {e.Message}", e);
        }
        if (node is not JsonObject root) throw new NotebookFormatException(path, "a notebook is a JSON object.");
        if (root["nbformat"]?.GetValue<int>() is not 4) throw new NotebookFormatException(path, $"only nbformat 4 is supported, found {root["nbformat"]?.ToJsonString() ?? "none"}.");
        if (root["cells"] is not JsonArray cells) throw new NotebookFormatException(path, "'cells' is missing or not an array.");
        root["metadata"] ??= new JsonObject();
        var doc = new NotebookDocument(root);
        var i = 0;
        foreach (var c in cells)
        {
            if (c is not JsonObject cell || cell["cell_type"]?.GetValue<string>() is not ("code" or "markdown" or "raw"))
                throw new NotebookFormatException(path, $"cell {i}: expected an object with cell_type code, markdown or raw.");
            cell["id"] ??= NewId();
            cell["metadata"] ??= new JsonObject();
            if (cell["source"] is null) cell["source"] = "";
            if (cell["cell_type"]!.GetValue<string>() == "code")
            {
                cell["outputs"] ??= new JsonArray();
                if (!cell.ContainsKey("execution_count")) cell["execution_count"] = null;
            }
            i++;
        }
        return doc;
    }

    /// <summary>Reads a notebook file.</summary>
    /// <exception cref="NotebookFormatException">Malformed.</exception>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static NotebookDocument Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>A new random cell id (8 hex digits, valid for nbformat 4.5).</summary>
    public static string NewId() => Guid.NewGuid().ToString("N")[..8];

    /// <summary>The source of a cell as one string (nbformat allows a string or a list of lines).</summary>
    public static string Source(JsonObject cell) => cell["source"] switch
    {
        JsonArray lines => string.Concat(lines.Select(l => l?.GetValue<string>())),
        JsonValue v => v.GetValue<string>(),
        _ => "",
    };

    /// <summary>Splits text into nbformat's list-of-lines form (each line keeps its newline).</summary>
    public static JsonArray Lines(string text)
    {
        var a = new JsonArray();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\n') continue;
            a.Add(text[start..(i + 1)]);
            start = i + 1;
        }
        if (start < text.Length) a.Add(text[start..]);
        return a;
    }

    /// <summary>The tags of a cell.</summary>
    public static IReadOnlyList<string> Tags(JsonObject cell) =>
        cell["metadata"]?["tags"] is JsonArray tags ? tags.Select(t => t?.GetValue<string>() ?? "").ToArray() : [];

    /// <summary>A new code cell.</summary>
    public static JsonObject CodeCell(string source, params string[] tags) => new()
    {
        ["cell_type"] = "code", ["id"] = NewId(), ["metadata"] = new JsonObject { ["tags"] = new JsonArray(tags.Select(t => (JsonNode?)t).ToArray()) },
        ["source"] = Lines(source), ["outputs"] = new JsonArray(), ["execution_count"] = null,
    };

    /// <summary>A new markdown cell.</summary>
    public static JsonObject MarkdownCell(string source) => new()
    {
        ["cell_type"] = "markdown", ["id"] = NewId(), ["metadata"] = new JsonObject(), ["source"] = Lines(source),
    };

    /// <summary>Serialises as nbformat 4.5 (1-space indent, as Jupyter writes), with the LiquidationLab kernelspec.</summary>
    public string ToJson()
    {
        Root["nbformat"] = 4;
        Root["nbformat_minor"] = 5;
        Metadata["kernelspec"] = KernelSpec();
        Metadata["language_info"] = LanguageInfo();
        return Root.ToJsonString(Indented) + "\n";
    }

    /// <summary>Writes the notebook (directories created).</summary>
    public void Save(string path)
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, ToJson());
    }
}
