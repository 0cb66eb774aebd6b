using LiquidationLab.Cli;

return await LiqlabApp.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
