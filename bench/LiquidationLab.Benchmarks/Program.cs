using BenchmarkDotNet.Running;

// Each benchmark class declares its own job (iterations, run strategy). Run with --filter '*' or a class name.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
