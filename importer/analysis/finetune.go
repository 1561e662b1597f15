package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"
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
	Batch     int     // examples per step (0: 32; always 1 for a model whose batch dim is fixed at 1)
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
// mini-batch SGD or Adam. The session's params hold the result.
func (md *Model) Finetune(ds *concept.Dataset, opt FinetuneOptions) (*FinetuneResult, error) {
	params := md.GS.Params()
	if len(params) == 0 {
		return nil, fmt.Errorf("analysis: no params to fine-tune")
	}
	if ds.Labels == nil && ds.Y == nil {
		return nil, fmt.Errorf("analysis: the training data has no y")
	}
	x := Inputs(ds)
	if err := md.checkBatch(x, "x"); err != nil {
		return nil, err
	}
	if opt.Optimizer == "" {
		opt.Optimizer = "sgd"
	}
	if opt.Optimizer != "sgd" && opt.Optimizer != "adam" {
		return nil, fmt.Errorf("analysis: optimizer %q (want sgd or adam)", opt.Optimizer)
	}
	if opt.LR == 0 {
		opt.LR = 0.01
		if opt.Optimizer == "adam" {
			opt.LR = 0.001
		}
	}
	if !(opt.LR > 0) || math.IsInf(opt.LR, 0) {
		return nil, fmt.Errorf("analysis: learning rate %v", opt.LR)
	}
	if opt.Epochs <= 0 {
		opt.Epochs = 1
	}
	if opt.Batch <= 0 {
		opt.Batch = 32
	}
	if md.perExample {
		opt.Batch = 1 // the model's batch is fixed at 1
	}
	n, d := ds.N, md.Dim()
	r := rand.New(rand.NewPCG(opt.Seed, 0xf1e7))
	vel := map[string][]float64{}
	sq := map[string][]float64{}
	res := &FinetuneResult{Params: params}
	for ep := 0; ep < opt.Epochs; ep++ {
		perm := r.Perm(n)
		var total float64
		for b0 := 0; b0 < n; b0 += opt.Batch {
			idx := perm[b0:min(b0+opt.Batch, n)]
			xb := make([]float32, len(idx)*d)
			for k, i := range idx {
				copy(xb[k*d:(k+1)*d], x.F[i*d:(i+1)*d])
			}
			tape, y, err := md.Forward(md.batch(xb, len(idx)))
			if err != nil {
				return nil, err
			}
			loss, seed, err := lossGrad(ds, y, idx)
			if err != nil {
				tape.Release()
				return nil, err
			}
			total += loss * float64(len(idx))
			g, err := tape.Backward(map[string]*importer.Tensor{md.Output: seed})
			tape.Release()
			if err != nil {
				return nil, fmt.Errorf("analysis: %w", err)
			}
			res.Steps++
			for _, p := range params {
				w := md.GS.Param(p).Clone()
				gp := g.Params[p].F
				switch opt.Optimizer {
				case "sgd":
					v := vel[p]
					if v == nil {
						v = make([]float64, len(gp))
						vel[p] = v
					}
					for i, gv := range gp {
						v[i] = opt.Momentum*v[i] + float64(gv)
						w.F[i] -= float32(opt.LR * v[i])
					}
				case "adam":
					const b1, b2, eps = 0.9, 0.999, 1e-8
					m, s := vel[p], sq[p]
					if m == nil {
						m, s = make([]float64, len(gp)), make([]float64, len(gp))
						vel[p], sq[p] = m, s
					}
					t := float64(res.Steps)
					c1, c2 := 1-math.Pow(b1, t), 1-math.Pow(b2, t)
					for i, gv := range gp {
						m[i] = b1*m[i] + (1-b1)*float64(gv)
						s[i] = b2*s[i] + (1-b2)*float64(gv)*float64(gv)
						w.F[i] -= float32(opt.LR * (m[i] / c1) / (math.Sqrt(s[i]/c2) + eps))
					}
				}
				if err := md.GS.SetParam(p, w); err != nil {
					return nil, err
				}
			}
		}
		res.EpochLosses = append(res.EpochLosses, total/float64(n))
	}
	loss, err := md.Loss(ds)
	if err != nil {
		return nil, err
	}
	res.FinalLoss = loss
	return res, nil
}

// Loss is the mean loss over ds with the current params.
func (md *Model) Loss(ds *concept.Dataset) (float64, error) {
	x := Inputs(ds)
	if err := md.checkBatch(x, "x"); err != nil {
		return 0, err
	}
	n, d := ds.N, md.Dim()
	var total float64
	for b0 := 0; b0 < n; b0 += 64 {
		b1 := min(b0+64, n) // Predict runs fixed-batch models per example
		idx := make([]int, b1-b0)
		for i := range idx {
			idx[i] = b0 + i
		}
		y, err := md.Predict(md.batch(x.F[b0*d:b1*d], b1-b0))
		if err != nil {
			return 0, err
		}
		l, _, err := lossGrad(ds, y, idx)
		if err != nil {
			return 0, err
		}
		total += l * float64(len(idx))
	}
	return total / float64(n), nil
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
