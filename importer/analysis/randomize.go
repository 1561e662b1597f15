package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/hierlearn/hierlearn/importer"
)

// RandomizeWeights is the model-randomisation sanity check's
// re-initialisation (Adebayo et al., "Sanity checks for saliency maps",
// 2018): every param of the Model's GradSession with at least two
// dimensions (convolution kernels, weight matrices) is replaced by
// independent N(0, sd^2) values, sd the standard deviation of its trained
// values, so the scale of every layer is kept and what it learned is
// lost. Biases and normalisation statistics (one-dimensional) keep their
// values. It returns the names of the randomised params; the Model must
// have been made with them among its params (New with SelectParams(m,
// "")).
func (md *Model) RandomizeWeights(seed uint64) ([]string, error) {
	r := rand.New(rand.NewPCG(seed, 0x72616e646f6d)) // "random"
	var done []string
	for _, name := range md.GS.Params() {
		p := md.GS.Param(name)
		if len(p.Shape) < 2 {
			continue
		}
		var mean, sq float64
		for _, v := range p.F {
			mean += float64(v)
		}
		mean /= float64(len(p.F))
		for _, v := range p.F {
			sq += (float64(v) - mean) * (float64(v) - mean)
		}
		sd := math.Sqrt(sq / float64(len(p.F)))
		t := &importer.Tensor{DType: importer.Float32, Shape: append([]int{}, p.Shape...), F: make([]float32, len(p.F))}
		for i := range t.F {
			t.F[i] = float32(sd * r.NormFloat64())
		}
		if err := md.GS.SetParam(name, t); err != nil {
			return nil, fmt.Errorf("analysis: randomise %s: %w", name, err)
		}
		done = append(done, name)
	}
	if len(done) == 0 {
		return nil, fmt.Errorf("analysis: no param with two or more dimensions to randomise (params %v)", md.GS.Params())
	}
	return done, nil
}
