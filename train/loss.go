package train

import (
	"math"

	"github.com/hierlearn/hierlearn/concept"
)

// lossGrad returns the mean loss of outputs f against targets y and writes
// its derivative with respect to each output into df. Regression: squared
// error (f - y)^2; classification (y in {-1, +1}): logistic loss
// log(1 + exp(-y f)).
func lossGrad[T Float](task string, f, y, df []T) float64 {
	n := float64(len(f))
	var sum float64
	if task == concept.TaskClassification {
		for i, fi := range f {
			m := float64(y[i]) * float64(fi)
			// log(1+exp(-m)) computed stably; d/df = -y sigmoid(-m).
			if m > 0 {
				sum += math.Log1p(math.Exp(-m))
			} else {
				sum += -m + math.Log1p(math.Exp(m))
			}
			df[i] = T(-float64(y[i]) / (1 + math.Exp(m)) / n)
		}
		return sum / n
	}
	for i, fi := range f {
		e := float64(fi) - float64(y[i])
		sum += e * e
		df[i] = T(2 * e / n)
	}
	return sum / n
}
