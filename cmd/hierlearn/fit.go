package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/importer/analysis"
	"github.com/hierlearn/hierlearn/internal/atomicfile"
	"github.com/hierlearn/hierlearn/internal/version"
)

func init() { register(newFitCmd) }

// fitConfig is the configuration of a fit run, as written to its log and
// to the trained model's metadata.
type fitConfig struct {
	Model       string  `json:"model"`
	Train       string  `json:"train"`
	Test        string  `json:"test,omitempty"`
	Output      string  `json:"output"`
	Params      string  `json:"params"`
	Optimizer   string  `json:"optimizer"`
	LR          float64 `json:"lr"`
	Momentum    float64 `json:"momentum"`
	WeightDecay float64 `json:"weight_decay"`
	Schedule    string  `json:"schedule"`
	Epochs      int     `json:"epochs"`
	Steps       int     `json:"steps,omitempty"`
	Batch       int     `json:"batch"`
	Seed        uint64  `json:"seed"`
	BN          string  `json:"bn"`
	Threads     int     `json:"threads"`
	Stages      string  `json:"stages,omitempty"` // staged training: runStagedFit
	Mode        string  `json:"mode,omitempty"`
}

// fitLog is the JSON log `hierlearn fit` writes.
type fitLog struct {
	Format    string              `json:"format"`
	Version   string              `json:"version"`
	Config    fitConfig           `json:"config"`
	Trained   []string            `json:"trained"`
	InputNote string              `json:"input_note,omitempty"`
	Steps     []fitStep           `json:"steps"`
	Epochs    []analysis.FitEpoch `json:"epochs"`
	WallS     float64             `json:"wall_s"`
}

type fitStep struct {
	Step int     `json:"step"`
	Loss float64 `json:"loss"`
	LR   float64 `json:"lr"`
}

func newFitCmd() *cobra.Command {
	var (
		cfg                  fitConfig
		out, logPath, saveBt string
	)
	cmd := &cobra.Command{
		Use:   "fit --model m.onnx --train d.npz [--test t.npz] -o trained.onnx",
		Short: "Train an imported ONNX model (all or selected initializers) and write it back",
		Long: `fit trains the float initializers of an ONNX model whose names match
--params (a regular expression; default all but the BatchNormalization
running statistics) on d.npz: x [N, ...] and y, int64 class labels
(cross-entropy on the logits) or float targets of the output's shape
(mean squared error). Mini-batches of --batch examples come in a seeded
order (a fresh permutation of the data per epoch from --seed; the last
batch of an epoch is shorter when --batch does not divide N; a model
whose batch is fixed in the file trains at that batch and drops the
remainder). Optimizers follow torch.optim: sgd (momentum, weight decay
added to the gradient), nesterov, adam, adamw; --schedule cosine anneals
the learning rate to 0 over the run, per step.

BatchNormalization trains as in torch's train(): each channel normalised
with its batch statistics, the running statistics updated with the
node's momentum (--bn frozen keeps the inference form instead). The
output is the same graph with the trained initializers and the new
running statistics (inference form), which hierlearn and onnxruntime load
as they load the original; its metadata_props carry the configuration and
version.

Inputs whose size is the model's are used as they are. Grey images
(Fashion-MNIST's 28x28, as [N, 784] or [N, 1, 28, 28]) given to a model
taking [C, H, W] images (a CIFAR ResNet's 3x32x32) are zero-padded evenly
to HxW and copied to each of the C channels, with pixel values as stored
(Fashion-MNIST from hierlearn data: [0, 1]).

--log (default: the output with .json added) receives the loss and
learning rate of every step, the per-epoch training loss and, with
--test, test loss and accuracy, with the configuration, seed and version;
--save-batches writes the example indices of every step as int64
[steps, batch] (.npy; -1 pads a shorter batch), for replaying the run
elsewhere (tools/fit_ref.py does in PyTorch). Every file is written
atomically.

--stages and --mode train stage by stage (analysis.StagedFit): stages are
named by ONNX node-name prefixes ("layer1" covers torch.onnx's
"/layer1/layer1.0/conv1/Conv"), "+" joins the prefixes of one stage and
"=OUTPUT" names the output trained while that stage is the top one (an
auxiliary head; without one the stages above stay at their initial
weights on the way to the model's output). Stage s trains: layerwise,
stage s alone with the stages below frozen (BatchNormalization running
statistics included); progressive, every stage up to s; bfc-K, stages
s-K..s; e2e, every stage on the top output in every stage. Initializers
under no stage's prefix (a head) train with the output they feed;
--epochs is per stage, with a fresh optimizer and schedule each stage.
The log then holds each stage's trained blocks, params, frozen
BatchNormalization nodes and epochs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfg.Model == "" || cfg.Train == "" || out == "" {
				return fmt.Errorf("--model, --train and -o are required")
			}
			if cfg.BN != "train" && cfg.BN != "frozen" {
				return fmt.Errorf("--bn %q: want train or frozen", cfg.BN)
			}
			if logPath == "" {
				logPath = out + ".json"
			}
			cfg.Threads = runtime.GOMAXPROCS(0)
			defer oneBLASThread()()
			t0 := time.Now()
			if cfg.Stages != "" || cfg.Mode != "" {
				if cfg.Stages == "" || cfg.Mode == "" {
					return fmt.Errorf("--stages and --mode go together")
				}
				return runStagedFit(cmd.OutOrStdout(), cfg, out, logPath, t0)
			}
			m, err := importer.LoadWith(cfg.Model, importer.LoadOptions{NoFold: true})
			if err != nil {
				return err
			}
			ps, err := analysis.SelectTrainable(m, cfg.Params)
			if err != nil {
				return err
			}
			md, err := analysis.New(m, cfg.Output, ps)
			if err != nil {
				return err
			}
			cfg.Output = md.Output
			ds, err := concept.LoadExamples(cfg.Train)
			if err != nil {
				return err
			}
			opt := analysis.FitOptions{Optimizer: cfg.Optimizer, LR: cfg.LR, Momentum: cfg.Momentum,
				WeightDecay: cfg.WeightDecay, Schedule: cfg.Schedule, Epochs: cfg.Epochs, MaxSteps: cfg.Steps,
				Batch: cfg.Batch, Seed: cfg.Seed, FrozenBN: cfg.BN == "frozen"}
			if cfg.Test != "" {
				if opt.Test, err = concept.LoadExamples(cfg.Test); err != nil {
					return err
				}
			}
			if w := progressWriter(); w != nil {
				opt.Progress = fitProgress(w)
			}
			res, err := md.Fit(ds, opt)
			if err != nil {
				return err
			}
			lg := fitLog{Format: "hierlearn-fit", Version: version.Full(), Config: cfg, Trained: res.Params,
				InputNote: res.InputNote, Epochs: res.Epochs, WallS: time.Since(t0).Seconds()}
			for i, l := range res.StepLoss {
				lg.Steps = append(lg.Steps, fitStep{Step: i + 1, Loss: l, LR: res.StepLR[i]})
			}
			b, err := json.MarshalIndent(lg, "", " ")
			if err != nil {
				return err
			}
			if err := atomicfile.WriteBytes(logPath, append(b, '\n')); err != nil {
				return fmt.Errorf("fit: writing %s: %w", logPath, err)
			}
			if saveBt != "" {
				if err := analysis.WriteBatches(saveBt, res.Batches); err != nil {
					return err
				}
			}
			cb, err := json.Marshal(cfg)
			if err != nil {
				return err
			}
			meta := map[string]string{"hierlearn.version": version.Full(), "hierlearn.fit": string(cb)}
			if err := md.WriteModel(cfg.Model, out, meta); err != nil {
				return err
			}
			if !global.quiet {
				w := cmd.OutOrStdout()
				if res.InputNote != "" {
					fmt.Fprintf(w, "inputs: %s\n", res.InputNote)
				}
				for _, e := range res.Epochs {
					fmt.Fprintf(w, "epoch %d (step %d): training loss %.5g", e.Epoch, e.Steps, e.TrainLoss)
					if cfg.Test != "" {
						fmt.Fprintf(w, ", test loss %.5g, test accuracy %.4f", e.TestLoss, e.TestAccuracy)
					}
					fmt.Fprintln(w)
				}
				fmt.Fprintf(w, "%d steps on %d param tensors in %.1f s; wrote %s and %s\n", res.Steps, len(res.Params), lg.WallS, out, logPath)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Model, "model", "", "ONNX model file")
	f.StringVar(&cfg.Train, "train", "", ".npz with x [N, ...] and y (int64 labels or float targets)")
	f.StringVar(&cfg.Test, "test", "", ".npz evaluated after every epoch (inference form)")
	f.StringVar(&cfg.Output, "output", "", "model output trained (default: the first)")
	f.StringVar(&cfg.Params, "params", "", "regular expression selecting the initializers to train (default: all but BN running statistics)")
	f.StringVar(&cfg.Optimizer, "optimizer", "sgd", "sgd, nesterov, adam or adamw")
	f.Float64Var(&cfg.LR, "lr", 0, "base learning rate (0 = 0.1 for sgd and nesterov, 0.001 for adam and adamw)")
	f.Float64Var(&cfg.Momentum, "momentum", 0.9, "sgd and nesterov momentum")
	f.Float64Var(&cfg.WeightDecay, "weight-decay", 0, "weight decay (L2 in the gradient; decoupled for adamw)")
	f.StringVar(&cfg.Schedule, "schedule", "constant", "learning-rate schedule: constant or cosine")
	f.IntVar(&cfg.Epochs, "epochs", 1, "passes over the data")
	f.IntVar(&cfg.Steps, "steps", 0, "stop after this many steps (0 = all epochs)")
	f.IntVar(&cfg.Batch, "batch", 128, "examples per step")
	f.Uint64Var(&cfg.Seed, "seed", 1, "batch-order seed")
	f.StringVar(&cfg.BN, "bn", "train", "BatchNormalization: train (batch statistics, running statistics updated) or frozen")
	f.StringVar(&cfg.Stages, "stages", "", "staged training: stages from the input up, by node-name prefix, e.g. 'conv1+layer1=head1,layer2,layer3' (+ joins prefixes, =OUTPUT trains that output while the stage is the top one)")
	f.StringVar(&cfg.Mode, "mode", "", "with --stages: layerwise, progressive, bfc-K or e2e")
	f.StringVarP(&out, "out", "o", "", "trained .onnx")
	f.StringVar(&logPath, "log", "", "JSON log of the run (default: OUT.json)")
	f.StringVar(&saveBt, "save-batches", "", "write every step's example indices here (.npy, int64 [steps, batch])")
	return cmd
}

// fitProgress returns a progress callback drawing a bar on w.
func fitProgress(w io.Writer) func(step, steps int, loss float64) {
	var bar *progressbar.ProgressBar
	return func(step, steps int, loss float64) {
		if bar == nil {
			bar = progressbar.NewOptions(steps, progressbar.OptionSetWriter(w), progressbar.OptionShowIts(),
				progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))
		}
		bar.Describe(fmt.Sprintf("fit loss %.4f", loss))
		bar.Set(step)
	}
}
