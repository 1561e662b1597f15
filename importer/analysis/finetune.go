package analysis

import (
	"fmt"
	"os"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/atomicfile"
)

// FinetuneOptions configures Finetune.
type FinetuneOptions struct {
	Optimizer string  // sgd (default) or adam
	LR        float64 // learning rate (0: 0.01 for sgd, 0.001 for adam)
	Momentum  float64 // sgd momentum
	Epochs    int     // passes over the data (0: 1)
	Batch     int     // examples per step (0: 32; always the model's own for a model whose batch dim is fixed)
	Seed      uint64  // shuffling
}

// FinetuneResult reports a fine-tuning run.
type FinetuneResult struct {
	Params      []string
	Steps       int
	EpochLosses []float64 // mean training loss of each epoch (before its updates)
	FinalLoss   float64   // mean loss over the data after training
}

// Finetune trains the Model's params (its GradSession's; the rest of the
// model is frozen, BatchNormalization in inference form) on ds with
// mini-batch SGD or Adam: Fit with FrozenBN. The session's params hold
// the result.
func (md *Model) Finetune(ds *concept.Dataset, opt FinetuneOptions) (*FinetuneResult, error) {
	if opt.Optimizer != "" && opt.Optimizer != "sgd" && opt.Optimizer != "adam" {
		return nil, fmt.Errorf("analysis: optimizer %q (want sgd or adam)", opt.Optimizer)
	}
	if opt.LR == 0 && opt.Optimizer != "adam" {
		opt.LR = 0.01
	}
	fr, err := md.Fit(ds, FitOptions{Optimizer: opt.Optimizer, LR: opt.LR, Momentum: opt.Momentum,
		Epochs: opt.Epochs, Batch: opt.Batch, Seed: opt.Seed, FrozenBN: true})
	if err != nil {
		return nil, err
	}
	res := &FinetuneResult{Params: fr.Params, Steps: fr.Steps}
	for _, e := range fr.Epochs {
		res.EpochLosses = append(res.EpochLosses, e.TrainLoss)
	}
	if res.FinalLoss, err = md.Loss(ds); err != nil {
		return nil, err
	}
	return res, nil
}

// Loss is the mean loss over ds with the current params (for a model
// whose batch is fixed above 1, over the examples that fill whole
// batches).
func (md *Model) Loss(ds *concept.Dataset) (float64, error) {
	l, _, err := md.Evaluate(ds, 64)
	return l, err
}

// lossGrad returns the mean loss of a batch (examples idx of ds, outputs
// y) and its gradient with respect to y: cross-entropy on the logits for
// class labels, mean squared error for float targets (compared in
// float32, the model's precision).
func lossGrad(ds *concept.Dataset, y *importer.Tensor, idx []int) (float64, *importer.Tensor, error) {
	b := len(idx)
	per := len(y.F) / b
	g := &importer.Tensor{DType: importer.Float32, Shape: y.Shape, F: make([]float32, len(y.F))}
	var loss float64
	for k, i := range idx {
		yk := y.F[k*per : (k+1)*per]
		if ds.Labels != nil {
			l := int(ds.Labels[i])
			if l < 0 || l >= per {
				return 0, nil, fmt.Errorf("analysis: label %d of example %d outside [0, %d)", l, i, per)
			}
			loss += crossEntropy(yk, l)
			for j, v := range ceGrad(yk, l) {
				g.F[k*per+j] = v / float32(b)
			}
			continue
		}
		tper := len(ds.Y) / ds.N
		if tper != per {
			return 0, nil, fmt.Errorf("analysis: targets have %d values per example, the output %d", tper, per)
		}
		tk := ds.Y[i*per : (i+1)*per]
		for j := range yk {
			dv := float64(yk[j] - float32(tk[j]))
			loss += dv * dv / float64(per)
			g.F[k*per+j] = float32(2 * dv / float64(per*b))
		}
	}
	return loss / float64(b), g, nil
}

// WriteModel writes the model file src with the session's params (and
// the BatchNormalization running statistics that training-mode forward
// passes updated, GradSession.RunningStats) as its initializers to dst
// (atomically), adding meta to metadata_props.
func (md *Model) WriteModel(src, dst string, meta map[string]string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("analysis: %w", err)
	}
	vals := map[string]*importer.Tensor{}
	for _, p := range md.GS.Params() {
		vals[p] = md.GS.Param(p)
	}
	for name, t := range md.GS.RunningStats() {
		vals[name] = t // BatchNormalization statistics updated in training mode
	}
	out, err := importer.ReplaceInitializers(b, vals, meta)
	if err != nil {
		return fmt.Errorf("analysis: %w", err)
	}
	if err := atomicfile.WriteBytes(dst, out); err != nil {
		return fmt.Errorf("analysis: writing %s: %w", dst, err)
	}
	return nil
}
