package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/hierlearn/hierlearn/concept"
)

// Recipes: how long each stage trains and how its learning rate moves.
const (
	// RecipeFixed is the notes' recipe: StepsPerStage steps a stage
	// (default 4,000), one one-cycle schedule, the last iterate kept.
	// Step for step the same as tools/hnet_ref.py.
	RecipeFixed = "fixed"
	// RecipePlateau trains each stage in cycles until the validation
	// error stops improving (see plateau).
	RecipePlateau = "plateau"
)

// restartStream is the PCG stream of the layers redrawn for the
// candidates of stage i: (seed, restartStream + i).
const restartStream = 0x5e57

// minGain is the relative fall of the best validation error that counts
// as an improvement for the patience of the plateau recipe.
const minGain = 0.02

// cycleSteps is the length of cycle j (0-based) of a stage: the warm
// restarts double it (SGDR with T_mult = 2), so that each cycle trains as
// long as all before it.
func cycleSteps(c, j int) int { return c << min(j, 16) }

// plateau trains the stages of the plateau recipe. A stage runs in
// cycles, each with a fresh Adam state and a one-cycle schedule to the
// peak cfg.LR, the first cfg.Cycle steps long and each later one twice as
// long as the one before (cycleSteps); each ends with the validation
// error of the model. The first cycle is run
// cfg.Restarts times: candidate 0 from the model as it is, candidate c
// from the same state with the layers switched on for the first time
// redrawn (learner.redraw); the candidate with the lowest validation
// error continues. The stage stops when cfg.Patience cycles in a row fail
// to lower the best validation error by minGain (2%), or when another
// cycle would pass cfg.StepCap steps; the model with the lowest
// validation error is kept. Only the validation split chooses; the test
// set is measured after the stage, never consulted.
type plateau[T Float] struct {
	cfg      Config
	ln       learner[T]
	o        *adam[T]
	x, y     []T
	n        int // training rows of x
	val      *concept.Dataset
	rng      *rand.Rand
	idx      []int
	lossTail *[]float64
	progress func()
}

// stageResult is what the plateau recipe records about a stage.
type stageResult struct {
	steps, cycles, chosen int
	val                   float64
	candidates            []float64
	// kept: no model trained in the stage beat, on validation, the
	// model of the stage before (the new layers' output terms muted),
	// which the stage therefore returns.
	kept bool
}

// stage trains stage sg (index si; prev is the top layer of the stage
// before, 1 for the first). After the first stage the model of the stage
// before, with the new layers' output terms switched off (learner.mute),
// is a contender too: it predicts what the last stage's model predicted,
// and it is kept when no model trained in this stage has a lower
// validation error, so that a stage never ends worse on validation than
// it started. It does not take part in the patience rule, which measures
// the progress of the stage's own training.
func (p *plateau[T]) stage(ctx context.Context, si int, sg stage, prev int, task string) (stageResult, error) {
	var start, best, trained snapshot[T]
	p.ln.save(&start)
	crng := rand.New(rand.NewPCG(p.cfg.Seed, restartStream+uint64(si)))
	res := stageResult{val: math.Inf(1)}
	if si > 0 && p.ln.mute(sg, prev) {
		res.val, res.kept = p.validate(sg), true
		p.ln.save(&best)
		p.ln.load(&start)
	}
	keep := func(v float64) {
		if v < res.val {
			res.val, res.kept = v, false
			p.ln.save(&best)
		}
	}
	tval := math.Inf(1) // the best validation error of the stage's training
	for c := 0; c < p.cfg.Restarts; c++ {
		if c > 0 {
			p.ln.load(&start)
			p.ln.redraw(sg, prev, crng)
		}
		v, err := p.cycle(ctx, sg, task, p.cfg.Cycle)
		if err != nil {
			return res, err
		}
		res.steps += p.cfg.Cycle
		res.candidates = append(res.candidates, v)
		if v < tval {
			tval, res.chosen = v, c
			p.ln.save(&trained)
		}
		keep(v)
	}
	p.ln.load(&trained)
	res.cycles = 1
	for since := 0; since < p.cfg.Patience && res.steps+cycleSteps(p.cfg.Cycle, res.cycles) <= sg.Steps; {
		n := cycleSteps(p.cfg.Cycle, res.cycles)
		v, err := p.cycle(ctx, sg, task, n)
		if err != nil {
			return res, err
		}
		res.steps += n
		res.cycles++
		if v < tval*(1-minGain) {
			since = 0
		} else {
			since++
		}
		tval = min(tval, v)
		keep(v)
	}
	p.ln.load(&best)
	return res, nil
}

// cycle trains stage sg for one cycle of steps steps (one-cycle schedule,
// peak cfg.LR) and returns the validation error after it.
func (p *plateau[T]) cycle(ctx context.Context, sg stage, task string, steps int) (float64, error) {
	p.o.reset()
	ranges := p.ln.ranges(sg)
	for t := 0; t < steps; t++ {
		if ctx.Err() != nil {
			return 0, ErrInterrupted
		}
		for i := range p.idx {
			p.idx[i] = p.rng.IntN(p.n)
		}
		loss := p.ln.lossGrad(p.x, p.y, p.idx, sg, task)
		if g, ok := p.ln.(*engineLearner[T]); ok && g.err != nil {
			return 0, fmt.Errorf("stage %d: %w", sg.Top, g.err)
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return 0, fmt.Errorf("stage %d cycle step %d: loss is %v", sg.Top, t, loss)
		}
		clip(p.ln.grad(), ranges, p.cfg.ClipNorm())
		p.o.step(p.ln.params(), p.ln.grad(), ranges, oneCycle(p.cfg.LR, t, steps))
		tail := *p.lossTail
		if len(tail) == lossTail {
			tail = append(tail[:0], tail[1:]...)
		}
		*p.lossTail = append(tail, loss)
		if p.progress != nil {
			p.progress()
		}
	}
	return p.validate(sg), nil
}

// validate is the validation error of the model with stage sg's output
// terms.
func (p *plateau[T]) validate(sg stage) float64 {
	pred, _ := p.ln.evaluate(p.val.X, p.val.N, sg)
	if p.val.Task == concept.TaskClassification {
		return ZeroOneError(pred, p.val.Y)
	}
	return RelMSE(pred, p.val.Y)
}
