using Spectre.Console;

namespace LiquidationLab.Cli;

/// <summary>Spectre.Console over a command's output writer: colours on a real terminal, plain text when redirected.</summary>
internal static class Terminal
{
    public static IAnsiConsole Console(TextWriter output)
    {
        var interactive = ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        if (!interactive) console.Profile.Width = 160;
        return console;
    }
}
