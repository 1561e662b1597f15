package crosscheck

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/hierlearn/hierlearn/importer"
)

// isSequenceModel reports whether a bench model name is one of
// tools/export_transformers.py's (bert-tiny, bert-base) or
// tools/export_recurrent.py's (lstm) rather than a ResNet.
func isSequenceModel(name string) bool {
	return strings.HasPrefix(name, "bert") || isRecurrentModel(name)
}

// isRecurrentModel reports whether a bench model name is
// tools/export_recurrent.py's.
func isRecurrentModel(name string) bool { return name == "lstm" }

// benchSeqLen is the sequence length a sequence model is timed at: 128,
// or 32 for bert-tiny (whose position table holds 64).
func benchSeqLen(name string) int {
	if name == "bert-tiny" {
		return 32
	}
	return 128
}

// sequenceInputs returns inputs for a BERT-style model: dims named
// "batch" take batch, other symbolic dims seq; token ids are spread over
// the first 1000 of the vocabulary, attention masks are all ones,
// token_type_ids mark the second half of each sequence, float inputs are
// standard normal.
func sequenceInputs(m *importer.Model, batch, seq int, seed uint64) (map[string]*importer.Tensor, error) {
	r := rand.New(rand.NewPCG(seed, 7))
	in := map[string]*importer.Tensor{}
	for _, vi := range m.Inputs {
		if vi.Shape == nil {
			return nil, fmt.Errorf("crosscheck: input %q has unknown rank", vi.Name)
		}
		shape := make([]int, len(vi.Shape))
		n := 1
		for i, d := range vi.Shape {
			shape[i] = d
			if d < 0 {
				shape[i] = seq
				if i < len(vi.DimNames) && vi.DimNames[i] == "batch" || i == 0 {
					shape[i] = batch
				}
			}
			n *= shape[i]
		}
		var t *importer.Tensor
		var err error
		switch vi.DType {
		case importer.Float32:
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			t, err = importer.NewFloat32(x, shape...)
		case importer.Int64:
			x := make([]int64, n)
			last := shape[len(shape)-1]
			for i := range x {
				switch {
				case strings.Contains(vi.Name, "mask"):
					x[i] = 1
				case strings.Contains(vi.Name, "type"):
					if i%last >= last/2 {
						x[i] = 1
					}
				default:
					x[i] = int64(r.IntN(1000))
				}
			}
			t, err = importer.NewInt64(x, shape...)
		default:
			return nil, fmt.Errorf("crosscheck: input %q is %v", vi.Name, vi.DType)
		}
		if err != nil {
			return nil, err
		}
		in[vi.Name] = t
	}
	return in, nil
}
