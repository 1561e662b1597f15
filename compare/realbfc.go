package compare

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/importer/analysis"
	"github.com/hierlearn/hierlearn/internal/ortrun"
	"github.com/hierlearn/hierlearn/internal/reftools"
	"github.com/hierlearn/hierlearn/internal/version"
	"github.com/hierlearn/hierlearn/train"
	"github.com/hierlearn/hierlearn/train/kernel"
)

// Staged training of an imported network on real data (issue 15; the
// real-bfc preset): a CIFAR-style ResNet exported at random
// initialisation by tools/export_staged_resnet.py, trained in Go
// (analysis.StagedFit) on Fashion-MNIST end to end, layerwise and
// progressively, with test accuracy after each stage, the similarity of
// each lower stage's features between the end of its own stage and the
// end of training, and the conjugate kernel of the trained network.

// stagedConfig are the settings of a "staged:MODE" cell (cell options,
// defaults below).
type stagedConfig struct {
	Widths         []int   `json:"widths"`           // channels of the three stages
	Blocks         int     `json:"blocks"`           // basic blocks per stage (1: ResNet-8)
	EpochsPerStage int     `json:"epochs_per_stage"` // passes over the training set per stage
	Batch          int     `json:"batch"`
	LR             float64 `json:"lr"` // SGD peak learning rate, cosine to 0 in every stage
	Momentum       float64 `json:"momentum"`
	WeightDecay    float64 `json:"weight_decay"`
	CKAN           int     `json:"cka_n"`    // held-out test images for CKA and the feature error
	KernelN        int     `json:"kernel_n"` // training images of the conjugate kernel's ridge regression
	Opset          int     `json:"opset"`
	ORTCheck       int     `json:"ort_check"` // test images run in onnxruntime against Go (0: no check)
}

func newStagedConfig(c Cell) (stagedConfig, error) {
	cfg := stagedConfig{Widths: []int{8, 16, 32}, Blocks: 1, EpochsPerStage: 2, Batch: 128, LR: 0.05, Momentum: 0.9,
		WeightDecay: 5e-4, CKAN: 500, KernelN: 4000, Opset: 13, ORTCheck: 64}
	if err := c.DecodeOptions(&cfg); err != nil {
		return cfg, err
	}
	if len(cfg.Widths) != 3 || cfg.Blocks < 1 || cfg.EpochsPerStage < 1 || cfg.Batch < 2 || !(cfg.LR > 0) || cfg.CKAN < 3 || cfg.KernelN < 10 {
		return cfg, fmt.Errorf("options of %s: %+v: want three widths, blocks, epochs_per_stage >= 1, batch >= 2, lr > 0, cka_n >= 3, kernel_n >= 10", c.Learner, cfg)
	}
	return cfg, nil
}

// stagedStages are the stages of tools/export_staged_resnet.py's
// network: each residual stage (the stem with the first) with its own
// head, the last with the network's output.
var stagedStages = []analysis.Stage{
	{Name: "stage1", Prefixes: []string{"stage1"}, Output: "head1"},
	{Name: "stage2", Prefixes: []string{"stage2"}, Output: "head2"},
	{Name: "stage3", Prefixes: []string{"stage3"}},
}

// stagedPenultimate names the block whose output the conjugate kernel
// uses: the top head's pooled, flattened features.
const stagedPenultimate = "head3/Flatten"

// stagedResNet exports (once per architecture and seed, cached under
// root) the network at PyTorch's initialisation and returns its path.
func stagedResNet(ctx context.Context, root string, cfg stagedConfig, seed uint64) (string, error) {
	widths := strings.Trim(strings.ReplaceAll(fmt.Sprint(cfg.Widths), " ", ","), "[]")
	args := []string{"--widths", widths, "--blocks", fmt.Sprint(cfg.Blocks), "--seed", fmt.Sprint(seed), "--opset", fmt.Sprint(cfg.Opset)}
	h := sha256.Sum256([]byte(strings.Join(args, " ")))
	path := filepath.Join(root, "staged-resnet", hex.EncodeToString(h[:8]), "model.onnx")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	py, err := reftools.Python("torch", "onnx")
	if err != nil {
		return "", err
	}
	script, err := reftools.Tool("export_staged_resnet.py")
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, py, append([]string{script, "--out", path}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s: %w\n%s", filepath.Base(script), err, out)
	}
	return path, nil
}

// runStaged is the runner of "staged:MODE" (analysis.StagedFit's modes)
// on Fashion-MNIST.
func runStaged(ctx context.Context, c Cell, d Data) (map[string]any, error) {
	mode, ok := strings.CutPrefix(c.Learner, "staged:")
	if !ok || mode == "" {
		return nil, fmt.Errorf("learner %q: want staged:MODE (layerwise, progressive, bfc-K or e2e)", c.Learner)
	}
	if c.Dataset != FashionMNIST {
		return nil, fmt.Errorf("learner %s runs on dataset %q, not %q", c.Learner, FashionMNIST, c.Dataset)
	}
	cfg, err := newStagedConfig(c)
	if err != nil {
		return nil, err
	}
	if c.NTest < cfg.CKAN || c.N < cfg.KernelN {
		return nil, fmt.Errorf("%s: cka_n %d and kernel_n %d need n_test >= cka_n and n_train >= kernel_n (have %d, %d)", c.Learner, cfg.CKAN, cfg.KernelN, c.NTest, c.N)
	}
	t0, cpu0 := time.Now(), processCPU()
	path, err := stagedResNet(ctx, d.Root, cfg, c.Seed)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m0, err := importer.LoadBytesWith(b, importer.LoadOptions{NoFold: true})
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	blocks := make([]string, len(stagedStages))
	for i, st := range stagedStages {
		if blocks[i], err = m0.PrefixOutput(st.Prefixes[0]); err != nil {
			return nil, err
		}
	}
	pen, err := m0.PrefixOutput(stagedPenultimate)
	if err != nil {
		return nil, err
	}
	md0, err := analysis.New(m0, "", nil)
	if err != nil {
		return nil, err
	}
	held, err := md0.InputRows(d.Test, seq(cfg.CKAN))
	if err != nil {
		return nil, err
	}
	// snap[j]: stage j's features on the held-out images at the end of
	// its own stage (for e2e: after as many epochs).
	snap := make([]kernel.Matrix, len(stagedStages))
	pooled := make([]kernel.Matrix, len(stagedStages))
	opt := analysis.StagedOptions{Mode: mode, Stages: stagedStages,
		Fit: analysis.FitOptions{Optimizer: "sgd", LR: cfg.LR, Momentum: cfg.Momentum, WeightDecay: cfg.WeightDecay,
			Schedule: "cosine", Epochs: cfg.EpochsPerStage, Batch: cfg.Batch, Seed: c.Seed, Test: d.Test},
		AtStage: func(s int, m *importer.Model) error {
			f, p, err := stageFeatures(m, held, blocks[s])
			snap[s], pooled[s] = f, p
			return err
		}}
	res, err := analysis.StagedFit(b, d.Train, opt)
	if err != nil {
		return nil, err
	}
	trainS := time.Since(t0).Seconds()
	out := filepath.Join(d.Dir, "trained.onnx")
	meta := map[string]string{"hierlearn.version": version.Full(), "hierlearn.staged": c.Learner}
	if res.Model, err = importer.ReplaceInitializers(res.Model, nil, meta); err != nil {
		return nil, err
	}
	if err := os.WriteFile(out, res.Model, 0o644); err != nil {
		return nil, err
	}
	m, err := importer.LoadBytesWith(res.Model, importer.LoadOptions{NoFold: true})
	if err != nil {
		return nil, err
	}
	met := map[string]any{"learner": c.Learner, "mode": mode, "config": cfg, "seed": c.Seed, "n_train": c.N, "n_test": c.NTest,
		"onnx": out, "initial_onnx": path, "stages": res.Stages, "steps": res.Steps, "input_note": res.InputNote,
		"train_seconds": trainS, "version": version.Full()}
	last := res.Stages[len(res.Stages)-1]
	met["test_accuracy"] = last.TestAccuracy
	met["test_error"] = 1 - last.TestAccuracy
	met["test_loss"] = last.TestLoss
	cka, fe := map[string]float64{}, map[string]float64{}
	for j := 0; j < len(stagedStages)-1; j++ {
		f, p, err := stageFeatures(m, held, blocks[j])
		if err != nil {
			return nil, err
		}
		name := stagedStages[j].Name
		if cka[name], err = kernel.LinearCKA(snap[j], f); err != nil {
			return nil, fmt.Errorf("CKA of %s: %w", name, err)
		}
		if fe[name], err = train.FeatureError(p.Data, p.Cols, pooled[j].Data, pooled[j].Cols); err != nil {
			return nil, fmt.Errorf("feature error of %s: %w", name, err)
		}
	}
	met["cka"], met["feature_error"] = cka, fe
	if err := conjugateKernel(m, d, cfg, c.Seed, pen, met); err != nil {
		return nil, fmt.Errorf("conjugate kernel: %w", err)
	}
	if cfg.ORTCheck > 0 {
		if err := stagedORT(m, out, d.Test, cfg.ORTCheck, met); err != nil {
			return nil, err
		}
	}
	met["cpu_seconds"] = processCPU() - cpu0
	return met, nil
}

// stageFeatures returns a block's output on the rows x, flattened, and
// averaged over its spatial positions (one value per channel).
func stageFeatures(m *importer.Model, x kernel.Matrix, block string) (flat, pooled kernel.Matrix, err error) {
	md, err := analysis.New(m, "", nil)
	if err != nil {
		return flat, pooled, err
	}
	vs, shapes, err := md.Values(x, []string{block}, 250)
	if err != nil {
		return flat, pooled, err
	}
	flat, shape := vs[block], shapes[block]
	if len(shape) < 1 {
		return flat, pooled, fmt.Errorf("block output %q has per-example shape %v: want channels first", block, shape)
	}
	C := shape[0]
	plane := flat.Cols / C
	pooled = kernel.NewMatrix(flat.Rows, C)
	for i := 0; i < flat.Rows; i++ {
		row := flat.Row(i)
		for c := 0; c < C; c++ {
			var s float64
			for _, v := range row[c*plane : (c+1)*plane] {
				s += v
			}
			pooled.Data[i*C+c] = s / float64(plane)
		}
	}
	return flat, pooled, nil
}

// conjugateKernel fits kernel ridge regression with the linear kernel on
// the trained network's penultimate features (its conjugate kernel) of
// the first KernelN training images, ridge chosen on validation data, and
// records its test error next to the network's.
func conjugateKernel(m *importer.Model, d Data, cfg stagedConfig, seed uint64, pen string, met map[string]any) error {
	md, err := analysis.New(m, "", nil)
	if err != nil {
		return err
	}
	feats := func(ds *concept.Dataset, n int) (*concept.Dataset, error) {
		x, err := md.InputRows(ds, seq(n))
		if err != nil {
			return nil, err
		}
		vs, _, err := md.Values(x, []string{pen}, 250)
		if err != nil {
			return nil, err
		}
		f := vs[pen]
		return &concept.Dataset{Task: concept.TaskMulticlass, N: n, D: f.Cols, X: f.Data, Labels: ds.Labels[:n]}, nil
	}
	tr, err := feats(d.Train, cfg.KernelN)
	if err != nil {
		return err
	}
	te, err := feats(d.Test, d.Test.N)
	if err != nil {
		return err
	}
	k, err := kernel.Parse("linear", seed)
	if err != nil {
		return err
	}
	t0 := time.Now()
	res, err := kernel.Fit(k, tr, kernel.Options{Seed: seed})
	if err != nil {
		return err
	}
	pred, err := res.Predictor.Predict(kernel.Inputs(te))
	if err != nil {
		return err
	}
	score, err := kernel.Score(pred, te)
	if err != nil {
		return err
	}
	if score.Error == nil {
		return fmt.Errorf("no 0-1 error for %d classes", len(pred.Data)/max(pred.Rows, 1))
	}
	met["ck"] = map[string]any{"kernel": "linear on " + pen, "features": tr.D, "n_train": tr.N, "ridge": res.Ridge,
		"test_error": *score.Error, "test_accuracy": 1 - *score.Error, "seconds": time.Since(t0).Seconds()}
	return nil
}

// stagedORT runs the first n test images through the trained file in
// onnxruntime and records the largest difference from Go's logits,
// relative to their largest magnitude.
func stagedORT(m *importer.Model, path string, test *concept.Dataset, n int, met map[string]any) error {
	md, err := analysis.New(m, "logits", nil)
	if err != nil {
		return err
	}
	x, err := md.InputRows(test, seq(min(n, test.N)))
	if err != nil {
		return err
	}
	in, err := md.Rows(x)
	if err != nil {
		return err
	}
	want, err := md.Predict(in)
	if err != nil {
		return err
	}
	ort, _, err := ortrun.Run(path, map[string]*importer.Tensor{md.Input: in}, 1, 0, 0)
	if err != nil {
		return fmt.Errorf("onnxruntime: %w", err)
	}
	got, ok := ort["logits"]
	if !ok {
		return fmt.Errorf("onnxruntime gave no output logits")
	}
	w := make([]float64, len(want.F))
	for i, v := range want.F {
		w[i] = float64(v)
	}
	met["onnx_ort_max_rel_diff"] = maxRelDiff(got.Float32s(), w)
	return nil
}
