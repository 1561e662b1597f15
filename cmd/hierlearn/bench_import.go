package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/internal/atomicfile"
	"github.com/hierlearn/hierlearn/internal/crosscheck"
)

func init() { registerSub("bench", newBenchImportCmd) }

func newBenchImportCmd() *cobra.Command {
	var (
		cfg crosscheck.BenchConfig
		out string
	)
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Latency of imported ResNets and BERT encoders: native executor vs onnxruntime-node (and onnx-go)",
		Long: `bench import exports the ResNets with tools/export_resnets.py (cached under
$HIERLEARN_CACHE or the user cache dir), then for every thread count and
batch size times our executor and onnxruntime-node on the same model and
inputs in the same run, with the same thread count (our GOMAXPROCS, with
one OpenBLAS thread since the importer splits GEMMs over its own
goroutines = onnxruntime's intra-op threads), and onnx-go v0.5.0 at
batch 1 where it loads. It prints median milliseconds, the ratio
native/onnxruntime (targets: <= 1.5 on resnet18, <= 2 on ResNet-20) and
onnx-go/native, each side's median CPU time per run (user+system, all
threads of its process: on a shared machine this ratio moves much less
than the wall-clock one), and peak memory (Go process max RSS,
onnxruntime-node RSS).
bert-tiny and bert-base (tools/export_transformers.py: a BERT-style
encoder of 4 layers at hidden 64, and BERT-base's 12 layers at hidden
768, 12 heads, random weights) run at sequence length 32 and 128 with token ids,
an all-ones attention mask and token_type_ids. lstm
(tools/export_recurrent.py: embedding 128 wide, two LSTM layers of hidden
256, linear to 32 tags, random weights) runs at sequence length 128.
vit_b_16 and swin_t (tools/export_vit.py: torchvision's, random weights)
run on 224x224 images. mobilenet_v2, mobilenet_v3_small, mobilenet_v3_large and
efficientnet_b0 (tools/export_torchvision.py: depthwise convolutions,
HardSwish, SiLU; random weights, opset 17 whatever --opset says) run on
224x224 images.
Half of our timed runs come before onnxruntime's and half after, so that a
machine drifting over the minute biases neither side. --path runs our
executor on one kernel path (avx512, avx2 or generic on amd64; neon or
generic on arm64, as HIERLEARN_KERNEL would; generic runs convolutions
through BLAS), so that
every path can be measured on one machine; onnxruntime keeps its own
kernels. Timings on a shared
machine are noisy: run it alone.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfg.Repeat < 1 || cfg.Warmup < 0 {
				return fmt.Errorf("--repeat must be >= 1 and --warmup >= 0")
			}
			rep, err := crosscheck.BenchImport(cmd.OutOrStdout(), cfg)
			if err != nil {
				return err
			}
			if out != "" {
				b, err := json.MarshalIndent(rep, "", "  ")
				if err != nil {
					return err
				}
				return atomicfile.WriteBytes(out, append(b, '\n'))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&cfg.Models, "models", []string{"resnet18", "resnet20a", "resnet20b"}, "models (tools/export_resnets.py names, or bert-tiny, bert-base, lstm, vit_b_16, swin_t, mobilenet_v2, mobilenet_v3_small, mobilenet_v3_large, efficientnet_b0)")
	f.IntVar(&cfg.Opset, "opset", 13, "export opset")
	f.StringVar(&cfg.BN, "bn", "folded", "folded or kept")
	f.IntSliceVar(&cfg.Threads, "thread-counts", []int{1, 2}, "thread counts to compare at")
	f.IntSliceVar(&cfg.Batches, "batches", []int{1, 8}, "batch sizes")
	f.IntVar(&cfg.Repeat, "repeat", 10, "timed runs per engine and setting, at least (fast models get 0.3 s of runs, up to 200)")
	f.IntVar(&cfg.Warmup, "warmup", 2, "untimed warm-up runs")
	f.StringVar(&cfg.Path, "path", "", "kernel path of our executor: avx512, avx2, neon or generic (default: HIERLEARN_KERNEL, else the best this CPU runs)")
	f.BoolVar(&cfg.OnnxGo, "onnx-go", true, "also time onnx-go v0.5.0 at batch 1")
	f.StringVarP(&out, "out", "o", "", "also write the report as JSON")
	return cmd
}
