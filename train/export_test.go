package train

import (
	"math/rand/v2"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
)

// What engine_test.go (package train_test, which may import
// train/gorgoniaengine) needs of the package's internals.
var (
	ToySplit    = toySplit
	SmallConfig = smallConfig
)

// NativeGradCase is an HNet of depth L and width k on n toy points of
// dimension d, perturbed from its initialisation, with its running
// statistics set on those points: it returns the native loss and
// gradient of output terms 2..top (every layer trained), and the state,
// inputs and targets that an Engine differentiates instead.
func NativeGradCase[T Float](t *testing.T, n, d, L, k, top int) (loss float64, grad []T, st HNetState[T], x, y []T) {
	data := toyData(t, n, d, L, k, 1, 2)
	x, y = convert[T](nil, data.X), convert[T](nil, data.Y)
	m := newHNetEngine[T](NewArch(d, L, k))
	m.init(rand.New(rand.NewPCG(3, 4)))
	r := rand.New(rand.NewPCG(5, 6))
	for i := range m.params {
		m.params[i] += T(0.1 * r.NormFloat64())
	}
	b := newBuffers(m, n)
	copy(b.h[0], x)
	m.forward(b, n, top, 2) // set the statistics
	m.forward(b, n, top, L+1)
	loss = lossGrad(concept.TaskRegression, b.f[:n], y, b.df[:n])
	m.backward(b, n, top, 2)
	return loss, b.grad, m.state(), x, y
}
