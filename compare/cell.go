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
	// Concept is the target; its Seed fixes the concept's weights. It is
	// ignored when Dataset names a real dataset.
	Concept concept.Spec `json:"concept"`
	// Dataset, when set, names a real dataset instead of a concept:
	// "fashion-mnist" (N training points drawn without replacement by
	// Seed from the 60,000, the first NTest of the 10,000 test points).
	Dataset string `json:"dataset,omitempty"`
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

// DecodeOptions decodes the cell's Options into v (a pointer to a struct
// with json tags, holding the defaults), naming the learner on error.
func (c Cell) DecodeOptions(v any) error {
	b, err := json.Marshal(c.Options)
	if err != nil {
		return fmt.Errorf("options of %s: %w", c.Learner, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("options of %s: %w", c.Learner, err)
	}
	return nil
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
	if c.Dataset != "" {
		return fmt.Sprintf("%s %s %s n=%d seed=%d", c.Experiment, c.Learner, c.Dataset, c.N, c.Seed)
	}
	return fmt.Sprintf("%s %s L=%d d=%d n=%d seed=%d", c.Experiment, c.Learner, c.Concept.Layers, c.Concept.D, c.N, c.Seed)
}
