package analysis

import (
	"github.com/hierlearn/hierlearn/dtype"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/export"
	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/crosscheck"
	"github.com/hierlearn/hierlearn/internal/ortrun"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

func randn(r *rand.Rand, n int, s float64) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(s * r.NormFloat64())
	}
	return out
}

// tinyCNN writes a small CNN (Conv 3x3 + bias, Tanh, MaxPool, Conv 1x1,
// Relu, GlobalAveragePool, Flatten, Gemm to 3 logits) for inputs
// [batch, 2, 6, 6] and returns its path.
func tinyCNN(t *testing.T, seed uint64) string { return tinyNet(t, seed, false) }

// tinyNet with smooth set uses AveragePool and Sigmoid instead of MaxPool
// and Relu: a smooth function, for quadrature checks.
func tinyNet(t *testing.T, seed uint64, smooth bool) string {
	return tinyNetBatch(t, seed, smooth, export.Batch)
}

// tinyNetBatch is tinyNet with the input's batch dim given (export.Batch
// for a dynamic one).
func tinyNetBatch(t *testing.T, seed uint64, smooth bool, batch int64) string {
	pool, act := "MaxPool", "Relu"
	if smooth {
		pool, act = "AveragePool", "Sigmoid"
	}
	r := rand.New(rand.NewPCG(seed, 9))
	g := export.NewGraph("tiny")
	g.SetOpset(13)
	x := g.Input("input", dtype.Float32, batch, 2, 6, 6)
	w1 := export.Initializer(g, "conv1.weight", randn(r, 4*2*9, 0.5), 4, 2, 3, 3)
	b1 := export.Initializer(g, "conv1.bias", randn(r, 4, 0.1), 4)
	h := g.Node("Conv", "conv1", []string{x, w1, b1}, export.Ints("pads", 1, 1, 1, 1))
	h = g.Node("Tanh", "act1", []string{h})
	h = g.Node(pool, "pool", []string{h}, export.Ints("kernel_shape", 2, 2), export.Ints("strides", 2, 2))
	w2 := export.Initializer(g, "conv2.weight", randn(r, 5*4, 0.7), 5, 4, 1, 1)
	h = g.Node("Conv", "conv2", []string{h, w2})
	h = g.Node(act, "act2", []string{h})
	h = g.Node("GlobalAveragePool", "gap", []string{h})
	h = g.Node("Flatten", "flat", []string{h})
	wf := export.Initializer(g, "fc.weight", randn(r, 3*5, 0.8), 3, 5)
	bf := export.Initializer(g, "fc.bias", randn(r, 3, 0.1), 3)
	g.NodeN("Gemm", "fc", []string{h, wf, bf}, []string{"logits"}, export.Int("transB", 1))
	g.Output("logits", dtype.Float32, "logits", batch, 3)
	path := filepath.Join(t.TempDir(), "tiny.onnx")
	if err := g.Write(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func loadModel(t *testing.T, path, pattern string) (*importer.Model, *Model) {
	m, err := importer.LoadWith(path, importer.LoadOptions{NoFold: true})
	if err != nil {
		t.Fatal(err)
	}
	var params []string
	if pattern != "-" {
		if params, err = SelectParams(m, pattern); err != nil {
			t.Fatal(err)
		}
	}
	md, err := New(m, "", params)
	if err != nil {
		t.Fatal(err)
	}
	return m, md
}

func batchOf(md *Model, r *rand.Rand, n int) *importer.Tensor {
	return md.batch(randn(r, n*md.Dim(), 1), n)
}

// TestIntegratedGradientsCompleteness: at 64 midpoint steps the
// attributions sum to f(x) - f(baseline) within 1%, for a zero and a
// random baseline and for the argmax and a fixed class, on a smooth CNN.
// (On a ReLU/MaxPool network the integrand jumps at every kink crossed
// along the path and the midpoint rule converges only as 1/steps: there
// the sums reach f(x) - f(baseline) as steps grow, checked at 1024 steps
// with a 2% bound.)
func TestIntegratedGradientsCompleteness(t *testing.T) {
	_, md := loadModel(t, tinyNet(t, 1, true), "-")
	r := rand.New(rand.NewPCG(2, 2))
	x := batchOf(md, r, 4)
	for _, target := range []int{-1, 2} {
		for _, base := range []*importer.Tensor{nil, md.batch(randn(r, md.Dim(), 0.3), 1)} {
			a, err := md.Attribute(x, AttrOptions{Method: "ig", Target: target, Steps: 64, Baseline: base})
			if err != nil {
				t.Fatal(err)
			}
			sums, diffs, err := md.Completeness(x, a, base, target)
			if err != nil {
				t.Fatal(err)
			}
			for i := range sums {
				if math.Abs(sums[i]-diffs[i]) > 0.01*math.Abs(diffs[i]) {
					t.Errorf("target %d, example %d: attributions sum to %.6g, f(x)-f(baseline) = %.6g (more than 1%% apart)", target, i, sums[i], diffs[i])
				}
			}
		}
	}
	_, md = loadModel(t, tinyCNN(t, 1), "-")
	a, err := md.Attribute(x, AttrOptions{Method: "ig", Target: 2, Steps: 1024})
	if err != nil {
		t.Fatal(err)
	}
	sums, diffs, err := md.Completeness(x, a, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sums {
		if math.Abs(sums[i]-diffs[i]) > 0.02*math.Abs(diffs[i]) {
			t.Errorf("ReLU net, 1024 steps, example %d: attributions sum to %.6g, f(x)-f(baseline) = %.6g", i, sums[i], diffs[i])
		}
	}
}

// TestAttributionMethods checks saliency and gradient x input against a
// finite difference of the target logit, and that SmoothGrad with tiny
// noise is the gradient.
func TestAttributionMethods(t *testing.T) {
	_, md := loadModel(t, tinyCNN(t, 3), "-")
	r := rand.New(rand.NewPCG(4, 4))
	x := batchOf(md, r, 2)
	gxi, err := md.Attribute(x, AttrOptions{Method: "gxi", Target: 1})
	if err != nil {
		t.Fatal(err)
	}
	sal, err := md.Attribute(x, AttrOptions{Method: "saliency", Target: 1})
	if err != nil {
		t.Fatal(err)
	}
	sg, err := md.Attribute(x, AttrOptions{Method: "smoothgrad", Target: 1, Noise: 1e-7, Samples: 4})
	if err != nil {
		t.Fatal(err)
	}
	f := func() []float32 {
		y, err := md.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		return []float32{y.F[1], y.F[4]}
	}
	for _, j := range []int{0, 17, 40, 72 + 5, 72 + 63} {
		i := j / md.Dim()
		v := x.F[j]
		const h = 1e-2
		x.F[j] = v + h
		p := f()[i]
		x.F[j] = v - h
		m := f()[i]
		x.F[j] = v
		fd := float64(p-m) / (2 * h)
		g := float64(gxi.F[j]) / float64(v)
		if math.Abs(g-fd) > 2e-3+1e-2*math.Abs(fd) {
			t.Errorf("element %d: gradient from gxi %.5g, finite difference %.5g", j, g, fd)
		}
		if math.Abs(float64(sal.F[j])-math.Abs(g)) > 1e-5 {
			t.Errorf("element %d: saliency %.5g, |gradient| %.5g", j, sal.F[j], math.Abs(g))
		}
		if math.Abs(float64(sg.F[j])-g) > 1e-3 {
			t.Errorf("element %d: SmoothGrad at zero noise %.5g, gradient %.5g", j, sg.F[j], g)
		}
	}
	if _, err := md.Attribute(x, AttrOptions{Method: "nope"}); err == nil {
		t.Error("unknown method: no error")
	}
}

// linearNet writes logits = W flatten(x) + b with 2 classes, for inputs
// [batch, 2, 6, 6], and returns its path and W (2 x 72).
func linearNet(t *testing.T, seed uint64) (string, []float32) {
	r := rand.New(rand.NewPCG(seed, 11))
	g := export.NewGraph("linear")
	g.SetOpset(13)
	x := g.Input("input", dtype.Float32, export.Batch, 2, 6, 6)
	h := g.Node("Flatten", "flat", []string{x})
	w := randn(r, 2*72, 0.2)
	wf := export.Initializer(g, "fc.weight", w, 2, 72)
	bf := export.Initializer(g, "fc.bias", randn(r, 2, 0.1), 2)
	g.NodeN("Gemm", "fc", []string{h, wf, bf}, []string{"logits"}, export.Int("transB", 1))
	g.Output("logits", dtype.Float32, "logits", export.Batch, 2)
	path := filepath.Join(t.TempDir(), "linear.onnx")
	if err := g.Write(path); err != nil {
		t.Fatal(err)
	}
	return path, w
}

// TestAttacks uses a linear 2-class model, where the attacks are optimal
// and their effect is known in closed form: the cross-entropy gradient is
// p_other (w_other - w_true), so FGSM and L-inf PGD move each example to
// eps sign(dw), lowering its margin by eps ||dw||_1, and L2 PGD (no random
// start) to eps dw/||dw||_2, lowering it by eps ||dw||_2. Accuracy under
// attack must be the fraction of margins above that; every perturbation
// must stay in its ball; eps 0 changes nothing.
func TestAttacks(t *testing.T) {
	path, w := linearNet(t, 5)
	_, md := loadModel(t, path, "-")
	r := rand.New(rand.NewPCG(6, 6))
	const n = 64
	x := batchOf(md, r, n)
	y, err := md.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	labels := make([]int64, n)
	margins := make([]float64, n)
	for i := range labels {
		labels[i] = int64(argmax(y.F[i*2 : i*2+2]))
		margins[i] = math.Abs(float64(y.F[i*2] - y.F[i*2+1]))
	}
	var l1, l2 float64
	for j := 0; j < 72; j++ {
		dw := float64(w[j] - w[72+j])
		l1 += math.Abs(dw)
		l2 += dw * dw
	}
	l2 = math.Sqrt(l2)
	for _, c := range []struct {
		opt  AttackOptions
		drop float64 // margin lost
	}{
		{AttackOptions{Method: "fgsm", Eps: 0.1}, 0.1 * l1},
		{AttackOptions{Method: "pgd", Eps: 0.1, Steps: 10}, 0.1 * l1},
		{AttackOptions{Method: "pgd", Norm: "l2", Eps: 1, Steps: 10}, 1 * l2},
		{AttackOptions{Method: "pgd", Norm: "l2", Eps: 1, Steps: 10, Random: true}, -1},
		{AttackOptions{Method: "fgsm", Eps: 0}, 0},
	} {
		res, err := md.Attack(x, labels, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		if res.CleanAcc != 1 {
			t.Fatalf("clean accuracy on own predictions %.3g", res.CleanAcc)
		}
		d := md.Dim()
		for i := 0; i < n; i++ {
			var linf, l2 float64
			for j := i * d; j < (i+1)*d; j++ {
				dv := math.Abs(float64(res.Adversarial.F[j] - x.F[j]))
				linf = math.Max(linf, dv)
				l2 += dv * dv
			}
			if (c.opt.Norm != "l2" && linf > c.opt.Eps+1e-6) || (c.opt.Norm == "l2" && math.Sqrt(l2) > c.opt.Eps*(1+1e-5)) {
				t.Fatalf("%+v: example %d left the ball (linf %.4g, l2 %.4g)", c.opt, i, linf, math.Sqrt(l2))
			}
		}
		t.Logf("%s %s eps %g: accuracy %.3g -> %.3g", c.opt.Method, res.Norm, c.opt.Eps, res.CleanAcc, res.AttackAcc)
		if c.drop < 0 {
			continue
		}
		var survive int
		for _, m := range margins {
			if m > c.drop {
				survive++
			}
		}
		if want := float64(survive) / n; res.AttackAcc != want {
			t.Errorf("%+v: accuracy under attack %.4g, the closed form says %.4g", c.opt, res.AttackAcc, want)
		}
	}
	if _, err := md.Attack(x, labels, AttackOptions{Method: "pgd", Norm: "l7", Eps: 1}); err == nil {
		t.Error("bad norm: no error")
	}
	if _, err := md.Attack(x, labels[:3], AttackOptions{Method: "fgsm", Eps: 1}); err == nil {
		t.Error("label count mismatch: no error")
	}
}

// labelled is the examples x (a batch) with class labels.
func labelled(x *importer.Tensor, labels []int64) *concept.Dataset {
	ds := &concept.Dataset{Task: concept.TaskMulticlass, N: x.Shape[0], D: x.Len() / x.Shape[0],
		Shape: x.Shape[1:], Labels: labels, X: make([]float64, len(x.F))}
	for i, v := range x.F {
		ds.X[i] = float64(v)
	}
	return ds
}

// finetuneAndCheck trains, writes back, and checks that the written model
// runs in onnxruntime with outputs equal to Go's (and Go's reload equals
// the trained session).
func finetuneAndCheck(t *testing.T, src string, md *Model, ds *concept.Dataset, opt FinetuneOptions) {
	before, err := md.Loss(ds)
	if err != nil {
		t.Fatal(err)
	}
	res, err := md.Finetune(ds, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d steps, loss %.4g -> %.4g", res.Steps, before, res.FinalLoss)
	if !(res.FinalLoss < before) {
		t.Errorf("loss did not decrease: %.5g -> %.5g", before, res.FinalLoss)
	}
	dst := filepath.Join(t.TempDir(), "tuned.onnx")
	if err := md.WriteModel(src, dst, map[string]string{"hierlearn.finetune": "test"}); err != nil {
		t.Fatal(err)
	}
	m2, err := importer.Load(dst)
	if err != nil {
		t.Fatal(err)
	}
	x := md.batch(Inputs(ds).F[:4*md.Dim()], 4)
	want, err := md.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	got, err := importer.NewSession(m2).Run(map[string]*importer.Tensor{md.Input: x})
	if err != nil {
		t.Fatal(err)
	}
	if d := maxRel(got[md.Output].F, want.F); d > 1e-5 {
		t.Errorf("reloaded tuned model differs from the trained session by %.3g", d)
	}
	testutil.Node(t)
	ort, _, err := ortrun.Run(dst, map[string]*importer.Tensor{md.Input: x}, 1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxRel(ort[md.Output].Float32s(), want.F); d > 1e-4 {
		t.Errorf("onnxruntime's outputs of the tuned model differ from Go's by %.3g relative", d)
	} else {
		t.Logf("onnxruntime agrees with Go on the tuned model to %.2g", d)
	}
}

func maxRel(got, want []float32) float64 {
	var d, s float64
	for i, w := range want {
		d = math.Max(d, math.Abs(float64(got[i])-float64(w)))
		s = math.Max(s, math.Abs(float64(w)))
	}
	return d / s
}

func TestFinetuneTinyCNN(t *testing.T) {
	src := tinyCNN(t, 7)
	for _, opt := range []FinetuneOptions{
		{Optimizer: "sgd", LR: 0.2, Momentum: 0.9, Epochs: 5, Batch: 16},
		{Optimizer: "adam", LR: 0.02, Epochs: 5, Batch: 16},
	} {
		_, md := loadModel(t, src, "")
		r := rand.New(rand.NewPCG(8, 8))
		x := batchOf(md, r, 64)
		labels := make([]int64, 64)
		for i := range labels { // class by the sign pattern of two pixels
			labels[i] = int64(i % 3)
			x.F[i*md.Dim()] += 2 * float32(labels[i])
		}
		finetuneAndCheck(t, src, md, labelled(x, labels), opt)
	}
}

// TestFinetuneResNet20 fine-tunes the classifier and the first conv and
// BN of a PyTorch CIFAR ResNet-20 (BN kept), writes it back and runs it
// in onnxruntime.
func TestFinetuneResNet20(t *testing.T) {
	testutil.Python(t, "torch", "torchvision", "onnx")
	testutil.Node(t)
	dir, err := crosscheck.ExportResNets("resnet20b", "13", "kept")
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "resnet20b_op13_kept.onnx")
	if _, err := os.Stat(src); err != nil {
		t.Fatal(err)
	}
	_, md := loadModel(t, src, `^(linear\.|conv1\.|bn1\.(weight|bias))`)
	if len(md.GS.Params()) != 5 {
		t.Fatalf("params %v", md.GS.Params())
	}
	r := rand.New(rand.NewPCG(9, 9))
	x := batchOf(md, r, 16)
	labels := make([]int64, 16)
	for i := range labels {
		labels[i] = int64(i % 10)
	}
	finetuneAndCheck(t, src, md, labelled(x, labels), FinetuneOptions{Optimizer: "adam", LR: 0.01, Epochs: 2, Batch: 8})
}

// TestFixedBatchModel: a model exported with its batch fixed at 1 gives
// the same predictions, gradients, attributions, kernels and training as
// the same model with a dynamic batch (batches run one example at a time).
func TestFixedBatchModel(t *testing.T) {
	_, dyn := loadModel(t, tinyNetBatch(t, 11, false, export.Batch), "")
	_, fix := loadModel(t, tinyNetBatch(t, 11, false, 1), "")
	r := rand.New(rand.NewPCG(12, 12))
	x := batchOf(dyn, r, 5)
	same := func(what string, a, b *importer.Tensor) {
		t.Helper()
		if len(a.F) != len(b.F) || maxRel(a.F, b.F) > 1e-6 {
			t.Errorf("%s: fixed-batch model differs (%v vs %v, %.3g)", what, a.Shape, b.Shape, maxRel(a.F, b.F))
		}
	}
	for _, md := range []*Model{dyn, fix} {
		if _, err := md.Predict(x); err != nil {
			t.Fatal(err)
		}
	}
	p1, _ := dyn.Predict(x)
	p2, _ := fix.Predict(x)
	same("Predict", p1, p2)
	for _, wrt := range []string{"input", "conv1.weight"} {
		g1, err := dyn.Grad(x, wrt, 1)
		if err != nil {
			t.Fatal(err)
		}
		g2, err := fix.Grad(x, wrt, 1)
		if err != nil {
			t.Fatal(err)
		}
		same("Grad "+wrt, g1, g2)
	}
	a1, err := dyn.Attribute(x, AttrOptions{Method: "ig", Target: -1, Steps: 8})
	if err != nil {
		t.Fatal(err)
	}
	a2, err := fix.Attribute(x, AttrOptions{Method: "ig", Target: -1, Steps: 8})
	if err != nil {
		t.Fatal(err)
	}
	same("integrated gradients", a1, a2)
	ds := labelled(x, []int64{0, 1, 2, 0, 1})
	for _, md := range []*Model{dyn, fix} {
		if _, err := md.Finetune(ds, FinetuneOptions{Batch: 1, LR: 0.1}); err != nil {
			t.Fatal(err)
		}
	}
	same("fine-tuned conv1.weight", dyn.GS.Param("conv1.weight"), fix.GS.Param("conv1.weight"))
}
