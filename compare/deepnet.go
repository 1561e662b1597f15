package compare

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hierlearn/hierlearn/train/deepnet"
)

// deepnetLearner is a parsed "deepnet:PARAM:LxW[:aALPHA]" learner, e.g.
// "deepnet:ntk:2x1024" or "deepnet:mean-field:3x256:a0.1": a deep ReLU
// network of train/deepnet with L weight layers of hidden width W in the
// parameterisation PARAM (standard, ntk or mean-field) and output scale
// ALPHA (default 1). The architecture is in the name so that every width
// and alpha is a learner of its own in the report.
type deepnetLearner struct {
	Param        string
	Depth, Width int
	Alpha        float64
}

func parseDeepnet(learner string) (deepnetLearner, error) {
	bad := fmt.Errorf("learner %q: want deepnet:PARAM:LxW[:aALPHA], e.g. deepnet:ntk:2x1024:a10", learner)
	parts := strings.Split(learner, ":")
	if len(parts) < 3 || len(parts) > 4 || parts[0] != "deepnet" {
		return deepnetLearner{}, bad
	}
	l := deepnetLearner{Param: parts[1], Alpha: 1}
	ls, ws, ok := strings.Cut(parts[2], "x")
	var err1, err2 error
	l.Depth, err1 = strconv.Atoi(ls)
	l.Width, err2 = strconv.Atoi(ws)
	if !ok || err1 != nil || err2 != nil {
		return deepnetLearner{}, bad
	}
	if len(parts) == 4 {
		a, ok := strings.CutPrefix(parts[3], "a")
		v, err := strconv.ParseFloat(a, 64)
		if !ok || err != nil {
			return deepnetLearner{}, bad
		}
		l.Alpha = v
	}
	return l, nil
}

// deepnetConfig builds the train/deepnet config of a "deepnet:..." cell.
// Options understood: lr (default 1), steps (1000), batch (0: full
// batch), center, krr, probe.
func deepnetConfig(c Cell) (deepnet.Config, error) {
	l, err := parseDeepnet(c.Learner)
	if err != nil {
		return deepnet.Config{}, err
	}
	cfg := deepnet.Config{Param: l.Param, Depth: l.Depth, Width: l.Width, Alpha: l.Alpha, LR: 1, Steps: 1000, Seed: c.Seed}
	var o struct {
		LR     float64 `json:"lr"`
		Steps  int     `json:"steps"`
		Batch  int     `json:"batch"`
		Center bool    `json:"center"`
		KRR    bool    `json:"krr"`
		Probe  int     `json:"probe"`
	}
	if err := c.DecodeOptions(&o); err != nil {
		return cfg, err
	}
	if o.LR > 0 {
		cfg.LR = o.LR
	}
	if o.Steps > 0 {
		cfg.Steps = o.Steps
	}
	cfg.Batch, cfg.Center, cfg.KRR, cfg.Probe = o.Batch, o.Center, o.KRR, o.Probe
	return cfg, cfg.Validate()
}

func runDeepnet(ctx context.Context, c Cell, d Data) (map[string]any, error) {
	cfg, err := deepnetConfig(c)
	if err != nil {
		return nil, err
	}
	res, err := deepnet.Train(ctx, cfg, d.Train, d.Test)
	if err != nil {
		return nil, err
	}
	return toMap(res)
}
