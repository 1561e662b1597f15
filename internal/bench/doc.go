// Package bench holds hierlearn's benchmarks, which time our code against
// the reference tools (PyTorch, scikit-learn) in the same run:
//
//	rep, err := bench.Train(ctx, bench.DefaultTrain(), python, "tools/hnet_ref.py")
//	fmt.Printf("Go %.2f s, torch %.2f s\n", rep.GoSeconds, rep.TorchSeconds)
//
// They run Python (through internal/reftools) and are used by `hierlearn
// bench` and the tests only, so that no library package links os/exec.
// `hierlearn bench import` lives in internal/crosscheck, beside the engines
// it compares.
package bench
