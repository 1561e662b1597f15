package analysis

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/atomicfile"
	"github.com/hierlearn/hierlearn/internal/npy"
)

// FitOptions configures Fit. The update rules are PyTorch's (torch.optim
// SGD, Adam and AdamW with their defaults otherwise), so that a torch run
// from the same weights on the same batches follows the same path.
type FitOptions struct {
	Optimizer   string  // sgd (default), nesterov, adam or adamw
	LR          float64 // base learning rate (0: 0.1 for sgd and nesterov, 0.001 for adam and adamw)
	Momentum    float64 // sgd and nesterov: v = momentum*v + g, step lr*v (nesterov: lr*(g + momentum*v))
	WeightDecay float64 // sgd, nesterov, adam: wd*w added to the gradient; adamw: w shrunk by lr*wd each step
	Schedule    string  // constant (default) or cosine: lr*(1+cos(pi*t/T))/2 at step t of T
	Epochs      int     // passes over the data (0: 1)
	MaxSteps    int     // stop after this many steps (0: run every epoch)
	Batch       int     // examples per step (0: 32; a fixed-batch model's own batch)
	Seed        uint64  // the batch order: a fresh permutation per epoch from this seed
	// FrozenBN keeps BatchNormalization in inference form (its running
	// statistics normalise, nothing updates them). By default the session
	// trains as torch's train() does: batch statistics, running
	// statistics updated with each node's momentum.
	FrozenBN bool
	// Test, when set, is evaluated (loss and accuracy, inference form)
	// after every epoch.
	Test *concept.Dataset
	// Progress, when set, is called after every step.
	Progress func(step, steps int, loss float64)
}

// FitEpoch is the summary of one epoch of Fit.
type FitEpoch struct {
	Epoch        int     `json:"epoch"`
	Steps        int     `json:"steps"`
	TrainLoss    float64 `json:"train_loss"` // mean over the epoch's examples of the loss before each step's update
	TestLoss     float64 `json:"test_loss,omitempty"`
	TestAccuracy float64 `json:"test_accuracy,omitempty"`
}

// FitResult reports a Fit run. The trained values are the session's
// params (and, in training mode, its running statistics).
type FitResult struct {
	Params    []string
	Steps     int
	StepLoss  []float64  // the loss of each step's batch, before its update
	StepLR    []float64  // the learning rate of each step
	Batches   [][]int    // the example indices of each step
	Epochs    []FitEpoch // one per epoch begun
	InputNote string     // how the data's inputs were adapted to the model ("" when used as they are)
}

// Fit trains the Model's params (its GradSession's) on ds: mini-batches
// in a seeded order (a permutation of the examples per epoch, the last
// batch of an epoch shorter when the batch does not divide the data),
// cross-entropy on the logits for int64 labels or mean squared error for
// float targets, and the optimizer and schedule of opt. BatchNormalization
// runs in training mode unless opt.FrozenBN (the model must have been
// loaded with importer.LoadOptions{NoFold: true} when it has any). Inputs
// are adapted as examplesFor describes.
func (md *Model) Fit(ds *concept.Dataset, opt FitOptions) (*FitResult, error) {
	params := md.GS.Params()
	if len(params) == 0 {
		return nil, fmt.Errorf("analysis: no params to train")
	}
	if ds.Labels == nil && ds.Y == nil {
		return nil, fmt.Errorf("analysis: the training data has no y")
	}
	if err := opt.normalise(md); err != nil {
		return nil, err
	}
	ex, err := md.examplesFor(ds)
	if err != nil {
		return nil, err
	}
	if err := md.GS.SetTraining(!opt.FrozenBN); err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	defer md.GS.SetTraining(false)
	n := ds.N
	perEpoch := n / opt.Batch
	if md.fixedBatch == 0 && n%opt.Batch != 0 {
		perEpoch++ // a shorter last batch; a fixed-batch model drops it
	}
	if perEpoch == 0 {
		return nil, fmt.Errorf("analysis: %d examples, fewer than the model's fixed batch of %d", n, opt.Batch)
	}
	total := perEpoch * opt.Epochs
	if opt.MaxSteps > 0 {
		total = min(total, opt.MaxSteps)
	}
	r := rand.New(rand.NewPCG(opt.Seed, 0xf1e7))
	st := newOptimizer(opt)
	res := &FitResult{Params: params, InputNote: ex.Note}
	xb := make([]float32, opt.Batch*ex.out)
	for ep := 0; ep < opt.Epochs && res.Steps < total; ep++ {
		perm := r.Perm(n)
		var sum float64
		var seen int
		for b := 0; b < perEpoch && res.Steps < total; b++ {
			idx := perm[b*opt.Batch : min((b+1)*opt.Batch, n)]
			ex.batch(idx, xb)
			x := md.batch(xb[:len(idx)*ex.out], len(idx))
			lr := opt.lr(res.Steps, total)
			loss, err := md.step(ds, x, idx, st, lr)
			if err != nil {
				return nil, fmt.Errorf("analysis: step %d: %w", res.Steps+1, err)
			}
			res.Steps++
			res.StepLoss = append(res.StepLoss, loss)
			res.StepLR = append(res.StepLR, lr)
			res.Batches = append(res.Batches, append([]int(nil), idx...))
			sum += loss * float64(len(idx))
			seen += len(idx)
			if opt.Progress != nil {
				opt.Progress(res.Steps, total, loss)
			}
		}
		e := FitEpoch{Epoch: ep + 1, Steps: res.Steps, TrainLoss: sum / float64(seen)}
		if opt.Test != nil {
			if err := md.GS.SetTraining(false); err != nil {
				return nil, fmt.Errorf("analysis: %w", err)
			}
			if e.TestLoss, e.TestAccuracy, err = md.Evaluate(opt.Test, opt.Batch); err != nil {
				return nil, err
			}
			if err := md.GS.SetTraining(!opt.FrozenBN); err != nil {
				return nil, fmt.Errorf("analysis: %w", err)
			}
		}
		res.Epochs = append(res.Epochs, e)
	}
	return res, nil
}

// normalise checks opt and fills in its defaults.
func (opt *FitOptions) normalise(md *Model) error {
	if opt.Optimizer == "" {
		opt.Optimizer = "sgd"
	}
	switch opt.Optimizer {
	case "sgd", "nesterov":
		if opt.LR == 0 {
			opt.LR = 0.1
		}
	case "adam", "adamw":
		if opt.LR == 0 {
			opt.LR = 0.001
		}
	default:
		return fmt.Errorf("analysis: optimizer %q (want sgd, nesterov, adam or adamw)", opt.Optimizer)
	}
	if opt.Optimizer == "nesterov" && !(opt.Momentum > 0) {
		return fmt.Errorf("analysis: nesterov needs a momentum > 0, got %v", opt.Momentum)
	}
	if opt.Schedule == "" {
		opt.Schedule = "constant"
	}
	if opt.Schedule != "constant" && opt.Schedule != "cosine" {
		return fmt.Errorf("analysis: schedule %q (want constant or cosine)", opt.Schedule)
	}
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) || v < 0 }
	if !(opt.LR > 0) || bad(opt.LR) || bad(opt.Momentum) || opt.Momentum >= 1 || bad(opt.WeightDecay) {
		return fmt.Errorf("analysis: learning rate %v, momentum %v, weight decay %v: need lr > 0, 0 <= momentum < 1, weight decay >= 0",
			opt.LR, opt.Momentum, opt.WeightDecay)
	}
	if opt.Epochs < 0 || opt.MaxSteps < 0 || opt.Batch < 0 {
		return fmt.Errorf("analysis: epochs %d, max steps %d, batch %d: none may be negative", opt.Epochs, opt.MaxSteps, opt.Batch)
	}
	if opt.Epochs == 0 {
		opt.Epochs = 1
	}
	switch {
	case md.fixedBatch > 0 && opt.Batch != 0 && opt.Batch != md.fixedBatch:
		return fmt.Errorf("analysis: the model's batch is fixed at %d; a batch of %d cannot run", md.fixedBatch, opt.Batch)
	case md.fixedBatch > 0:
		opt.Batch = md.fixedBatch
	case opt.Batch == 0:
		opt.Batch = 32
	}
	return nil
}

// lr is the learning rate of step t (from 0) of total.
func (opt *FitOptions) lr(t, total int) float64 {
	if opt.Schedule == "cosine" {
		return opt.LR * (1 + math.Cos(math.Pi*float64(t)/float64(total))) / 2
	}
	return opt.LR
}

// step runs one forward and backward pass on the batch x (examples idx
// of ds), updates the params and returns the batch's loss.
func (md *Model) step(ds *concept.Dataset, x *importer.Tensor, idx []int, st *optimizer, lr float64) (float64, error) {
	tape, y, err := md.Forward(x)
	if err != nil {
		return 0, err
	}
	defer tape.Release()
	loss, seed, err := lossGrad(ds, y, idx)
	if err != nil {
		return 0, err
	}
	g, err := tape.BackwardParams(map[string]*importer.Tensor{md.Output: seed})
	if err != nil {
		return 0, fmt.Errorf("analysis: %w", err)
	}
	st.begin()
	for _, p := range md.GS.Params() {
		w := md.GS.Param(p).Clone()
		st.update(p, w.F, g.Params[p].F, lr)
		if err := md.GS.SetParam(p, w); err != nil {
			return 0, fmt.Errorf("analysis: %w", err)
		}
	}
	return loss, nil
}

// Evaluate returns the mean loss over ds and, for labelled data, the
// accuracy (0 for float targets), in batches of batch examples (a
// fixed-batch model's own batch; a last shorter batch is then left out),
// in the session's current mode.
func (md *Model) Evaluate(ds *concept.Dataset, batch int) (loss, acc float64, err error) {
	ex, err := md.examplesFor(ds)
	if err != nil {
		return 0, 0, err
	}
	if md.fixedBatch > 0 {
		batch = md.fixedBatch
	}
	if batch < 1 {
		batch = 64
	}
	xb := make([]float32, batch*ex.out)
	var seen, right int
	for b0 := 0; b0 < ds.N; b0 += batch {
		b1 := min(b0+batch, ds.N)
		if md.fixedBatch > 0 && b1-b0 < md.fixedBatch {
			break
		}
		idx := make([]int, b1-b0)
		for i := range idx {
			idx[i] = b0 + i
		}
		ex.batch(idx, xb)
		x := md.batch(xb[:len(idx)*ex.out], len(idx))
		tape, y, err := md.Forward(x)
		if err != nil {
			return 0, 0, err
		}
		tape.Release()
		l, _, err := lossGrad(ds, y, idx)
		if err != nil {
			return 0, 0, err
		}
		loss += l * float64(len(idx))
		seen += len(idx)
		if ds.Labels != nil {
			per := len(y.F) / len(idx)
			for k, i := range idx {
				if argmax(y.F[k*per:(k+1)*per]) == int(ds.Labels[i]) {
					right++
				}
			}
		}
	}
	if seen == 0 {
		return 0, 0, fmt.Errorf("analysis: %d examples, fewer than the model's fixed batch of %d", ds.N, batch)
	}
	return loss / float64(seen), float64(right) / float64(seen), nil
}

// SelectTrainable is SelectParams without the BatchNormalization running
// statistics (importer.Model.RunningStatInitializers), which training
// updates from batch statistics rather than by gradient.
func SelectTrainable(m *importer.Model, pattern string) ([]string, error) {
	all, err := SelectParams(m, pattern)
	if err != nil {
		return nil, err
	}
	stats := map[string]bool{}
	for _, s := range m.RunningStatInitializers() {
		stats[s] = true
	}
	var out []string
	for _, p := range all {
		if !stats[p] {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("analysis: the initializers matching %q are all BatchNormalization running statistics, which are not trained by gradient", pattern)
	}
	return out, nil
}

// WriteBatches writes the example indices of every step of a Fit run
// (FitResult.Batches) as int64 [steps, batch] to path (.npy, atomically),
// -1 padding shorter batches: the file tools/fit_ref.py replays.
func WriteBatches(path string, batches [][]int) error {
	b := 0
	for _, idx := range batches {
		b = max(b, len(idx))
	}
	data := make([]int64, len(batches)*b)
	for s, idx := range batches {
		for k := range b {
			data[s*b+k] = -1
			if k < len(idx) {
				data[s*b+k] = int64(idx[k])
			}
		}
	}
	err := atomicfile.Write(path, func(w io.Writer) error { return npy.Write(w, npy.NewInt64(data, len(batches), b)) })
	if err != nil {
		return fmt.Errorf("analysis: writing %s: %w", path, err)
	}
	return nil
}
