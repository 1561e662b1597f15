package importer

import "fmt"

// SetTraining switches the session between inference mode (the default:
// BatchNormalization normalises with its running statistics) and
// training mode, where, as in PyTorch's train(), BatchNormalization
// normalises each channel with the statistics of the batch (its backward
// goes through the batch mean and variance) and every Forward updates
// the running statistics with the node's momentum:
//
//	running_mean = momentum*running_mean + (1-momentum)*batch_mean
//	running_var  = momentum*running_var  + (1-momentum)*batch_var_unbiased
//
// (PyTorch's convention: the variance written to the running statistics
// is the unbiased one; the batch is normalised with the biased one).
// RunningStats returns the updated values for writing back to the file.
// Training mode needs the BatchNormalization nodes, so the model must
// have been loaded with LoadOptions{NoFold: true}. Tapes already
// recorded keep the mode they were recorded in.
func (g *GradSession) SetTraining(on bool) error {
	if on && !g.m.keepBN {
		return fmt.Errorf("importer: training mode needs BatchNormalization nodes, which were folded at load time: load with LoadOptions{NoFold: true}")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.training != on {
		g.training = on
		g.plans = newPlanCache[*gradPlan]()
	}
	return nil
}

// Training reports whether the session is in training mode.
func (g *GradSession) Training() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.training
}

// RunningStats returns copies of the running statistics (BatchNormalization
// mean and variance initializers) that training-mode Forward calls have
// updated, by initializer name: with the params, the values to write back
// to the model file (ReplaceInitializers).
func (g *GradSession) RunningStats() map[string]*Tensor {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[string]*Tensor, len(g.running))
	for name := range g.running {
		out[name] = g.m.consts[name].Clone()
	}
	return out
}

// bnStats are a BatchNormalization step's batch statistics per channel:
// the mean and 1/sqrt(var + eps).
type bnStats struct{ mean, inv []float64 }

// updateRunningStats folds the batch statistics of every
// BatchNormalization step of a training-mode tape into the session's
// running statistics, and returns them by step for the backward pass.
func (g *GradSession) updateRunningStats(gp *gradPlan, ws *workspace) (map[int]bnStats, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	all := map[int]bnStats{}
	for si, s := range gp.p.steps {
		n := s.node
		if n.Op != "BatchNormalization" || g.frozenBN[n.Name] {
			continue
		}
		x := ws.stepIn[si][0]
		bp := newBNPlanes(x.Shape, float64(n.attrFloat("epsilon", 1e-5)))
		count := bp.count()
		if count < 2 {
			return nil, fmt.Errorf("importer: node %q (BatchNormalization): training mode needs more than one value per channel, got input %v", n.Name, x.Shape)
		}
		mean, inv, ok := savedBNStats(ws.stepOut[si], bp.c)
		if !ok {
			mean, inv = bp.stats(x.F)
		}
		all[si] = bnStats{mean, inv}
		mom := float64(n.attrFloat("momentum", 0.9))
		for j, name := range n.Inputs[3:5] {
			cur, ok := g.m.consts[name]
			if !ok {
				return nil, fmt.Errorf("importer: node %q (BatchNormalization): running statistic %q is not an initializer of the session", n.Name, name)
			}
			upd := cur.Clone()
			for c := range upd.F {
				batch := mean[c]
				if j == 1 {
					// biased variance back from 1/sqrt(var+eps), made unbiased
					batch = (1/(inv[c]*inv[c]) - bp.eps) * float64(count) / float64(count-1)
				}
				upd.F[c] = float32(mom*float64(cur.F[c]) + (1-mom)*batch)
			}
			g.m.consts[name] = upd
			g.running[name] = true
		}
	}
	return all, nil
}

// buildBatchNormTrain is the training-mode kernel: each channel is
// normalised with the mean and biased variance of the batch. A node with
// training_mode=1 (opset 14) may also output the running statistics
// updated with its momentum; as ONNX specifies, with the biased variance
// (GradSession.SetTraining follows PyTorch instead: updateRunningStats).
func buildBatchNormTrain(n *Node, x *info) ([]*info, *kernel, error) {
	eps := float64(n.attrFloat("epsilon", 1e-5))
	mom := float64(n.attrFloat("momentum", 0.9))
	bp := newBNPlanes(x.shape, eps)
	k := &kernel{run: func(in, o []*Tensor, _ []float32) {
		mean, inv := bp.run(in[0].F, o[0].F, in[1].F, in[2].F)
		if len(o) > bnSavedOut {
			saveBNStats(o[bnSavedOut], mean, inv)
		}
		for j := 1; j < min(len(o), 3); j++ {
			if o[j] == nil || o[j].F == nil {
				continue
			}
			run := in[2+j].F
			for c := range o[j].F {
				batch := mean[c]
				if j == 2 {
					batch = 1/(inv[c]*inv[c]) - eps
				}
				o[j].F[c] = float32(mom*float64(run[c]) + (1-mom)*batch)
			}
		}
	}}
	C := []int{x.shape[1]}
	return []*info{{dt: Float32, shape: x.shape}, {dt: Float32, shape: C}, {dt: Float32, shape: C}}, k, nil
}

// backBatchNormTrain differentiates the training form through the batch
// statistics (the gradient of x, scale and bias; the running statistics
// do not enter the output).
func backBatchNormTrain(c *backCtx) error {
	x := c.in[0]
	bp := newBNPlanes(x.Shape, float64(c.n.attrFloat("epsilon", 1e-5)))
	var st bnStats
	var ok bool
	if c.bn != nil {
		st = *c.bn
	} else if st.mean, st.inv, ok = savedBNStats(c.out, bp.c); !ok {
		st.mean, st.inv = bp.stats(x.F)
	}
	bp.back(x.F, c.gout[0], c.in[1].F, st, c.gin[0], c.gin[1], c.gin[2])
	return nil
}

// bnSavedOut is the index of the hidden output in which a training-mode
// BatchNormalization kernel of a grad plan keeps its batch statistics
// (after the node's three possible outputs; withSavedStats adds it), so
// that neither the running statistics' update nor the backward pass
// computes them again. As PyTorch's save_mean and save_invstd, they are
// kept in float32: the mean, then 1/sqrt(var + eps), per channel.
const bnSavedOut = 3

// withSavedStats returns a step's output ids with the hidden statistics
// output appended (absent outputs -1: newWorkspace gives each an unshared
// empty Tensor).
func withSavedStats(out []int) []int {
	ids := append([]int{}, out...)
	for len(ids) <= bnSavedOut {
		ids = append(ids, -1)
	}
	return ids
}

// saveBNStats stores the batch statistics in t (allocated on the first
// run of each workspace).
func saveBNStats(t *Tensor, mean, inv []float64) {
	C := len(mean)
	if len(t.F) != 2*C {
		t.DType, t.Shape, t.F = Float32, []int{2, C}, make([]float32, 2*C)
	}
	for c := range C {
		t.F[c], t.F[C+c] = float32(mean[c]), float32(inv[c])
	}
}

// savedBNStats returns the statistics saveBNStats kept in a step's
// outputs, if it did, for C channels.
func savedBNStats(out []*Tensor, C int) (mean, inv []float64, ok bool) {
	if len(out) <= bnSavedOut || len(out[bnSavedOut].F) != 2*C {
		return nil, nil, false
	}
	f := out[bnSavedOut].F
	mean, inv = make([]float64, C), make([]float64, C)
	for c := range C {
		mean[c], inv[c] = float64(f[c]), float64(f[C+c])
	}
	return mean, inv, true
}
