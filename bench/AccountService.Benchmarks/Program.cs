using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(AccountService.Benchmarks.AuthenticationBenchmarks).Assembly).Run(args);
