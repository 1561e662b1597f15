package compare

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hierlearn/hierlearn/concept"
)

// Cell is one fit of one learner on one dataset.
type Cell struct {
	// Experiment names the part of the plan the cell belongs to, e.g.
	// "sample-complexity" or "bfc".
	Experiment string `json:"experiment"`
	// Learner is "family:detail", e.g. "hnet:progressive", "mlp",
	// "kernel:poly:4".
	Learner string `json:"learner"`
	// Concept is the target; its Seed fixes the concept's weights.
	Concept concept.Spec `json:"concept"`
	// N is the number of training samples; NTest of test samples.
	N     int `json:"n_train"`
	NTest int `json:"n_test"`
	// Seed seeds the data sample and the learner.
	Seed uint64 `json:"seed"`
	// Options are learner settings (steps per stage, width, ...).
	Options map[string]any `json:"options,omitempty"`
}

// Family is the learner's family, the text before the first colon.
func (c Cell) Family() string {
	f, _, _ := strings.Cut(c.Learner, ":")
	return f
}

// Key identifies the cell: equal cells have equal keys, whatever machine
// or shard computes them.
func (c Cell) Key() string {
	b, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("compare: cell not serialisable: %v", err))
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

// String is a short human-readable label.
func (c Cell) String() string {
	return fmt.Sprintf("%s %s L=%d d=%d n=%d seed=%d", c.Experiment, c.Learner, c.Concept.Layers, c.Concept.D, c.N, c.Seed)
}
