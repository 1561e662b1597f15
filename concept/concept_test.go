package concept

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// testSpecs are the concepts most tests run on: every family, skip mode,
// task and a deeper one.
func testSpecs() map[string]Spec {
	dense := DefaultSpec()
	dense.Skip, dense.Layers, dense.Widths, dense.Alpha, dense.Gain = SkipDense, 4, []int{3, 4, 2}, nil, 0.5
	chain := DefaultSpec()
	chain.Skip, chain.Task, chain.LabelNoise, chain.Seed = SkipChain, TaskClassification, 0.1, 7
	l2 := Spec{D: 6, Layers: 2, Widths: []int{2}, Seed: 3}
	relu := Spec{Family: FamilyReLU, D: 10, Layers: 3, Widths: []int{16}, Seed: 5}
	return map[string]Spec{"default": DefaultSpec(), "dense-L4": dense, "chain-cls": chain, "L2": l2, "relu": relu}
}

func mustNew(t testing.TB, s Spec) *Concept {
	t.Helper()
	c, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDeterminism(t *testing.T) {
	for name, s := range testSpecs() {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			var files [2][2][]byte
			for r := range 2 {
				c := mustNew(t, s)
				cp, dp := filepath.Join(dir, fmt.Sprint("c", r, ".json")), filepath.Join(dir, fmt.Sprint("d", r, ".npz"))
				if err := c.Save(cp); err != nil {
					t.Fatal(err)
				}
				ds, err := c.Sample(500, 42)
				if err != nil {
					t.Fatal(err)
				}
				if err := ds.Save(dp); err != nil {
					t.Fatal(err)
				}
				files[r][0], _ = os.ReadFile(cp)
				files[r][1], _ = os.ReadFile(dp)
			}
			if !bytes.Equal(files[0][0], files[1][0]) {
				t.Error("concept.json differs between two runs with the same spec")
			}
			if !bytes.Equal(files[0][1], files[1][1]) {
				t.Error("dataset .npz differs between two runs with the same spec and seed")
			}
			// A different seed must change both.
			s2 := s
			s2.Seed++
			b, _ := mustNew(t, s2).MarshalJSON()
			if bytes.Equal(b, files[0][0]) {
				t.Error("a different seed gave the same concept")
			}
			ds, _ := mustNew(t, s).Sample(500, 43)
			ds0, _ := mustNew(t, s).Sample(500, 42)
			if ds.X[0] == ds0.X[0] || ds.Y[0] == ds0.Y[0] {
				t.Error("a different sample seed gave the same first row")
			}
		})
	}
}

// TestGolden pins every constant of a small concept bit for bit, so that a
// change of the random streams or of the arithmetic (on another machine,
// another Go version) fails loudly. The generator and checksum fields are
// left out of the comparison (they change with the toolkit version).
func TestGolden(t *testing.T) {
	for _, g := range []struct {
		file string
		spec Spec
	}{
		{"golden-hq.json", Spec{D: 4, Layers: 3, Widths: []int{2}, Seed: 11, Task: TaskClassification}},
		{"golden-relu.json", Spec{Family: FamilyReLU, D: 3, Layers: 2, Widths: []int{3}, Seed: 12}},
	} {
		t.Run(g.file, func(t *testing.T) {
			path := filepath.Join("testdata", g.file)
			got, err := mustNew(t, g.spec).MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if testutil.Update() {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if a, b := stripVolatile(t, got), stripVolatile(t, want); a != b {
				t.Errorf("concept differs from %s:\n got %s\nwant %s", path, a, b)
			}
			if _, err := Decode(want); err != nil {
				t.Errorf("golden file does not load: %v", err)
			}
		})
	}
}

func stripVolatile(t *testing.T, b []byte) string {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "generator")
	delete(m, "checksum")
	out, _ := json.Marshal(m)
	return string(out)
}

func TestSaveLoadRoundTrip(t *testing.T) {
	for name, s := range testSpecs() {
		t.Run(name, func(t *testing.T) {
			c := mustNew(t, s)
			path := filepath.Join(t.TempDir(), "c.json")
			if err := c.Save(path); err != nil {
				t.Fatal(err)
			}
			c2, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			b1, _ := c.MarshalJSON()
			b2, _ := c2.MarshalJSON()
			if !bytes.Equal(b1, b2) {
				t.Error("save-load-save changed the bytes")
			}
			x := make([]float64, 50*s.D)
			fillNormal(rand.New(rand.NewPCG(1, 2)), x)
			y1, h1 := c.Eval(x, 50)
			y2, h2 := c2.Eval(x, 50)
			for i := range y1 {
				if y1[i] != y2[i] {
					t.Fatalf("y[%d]: %v before save, %v after load", i, y1[i], y2[i])
				}
			}
			for l := range h1 {
				for i := range h1[l] {
					if h1[l][i] != h2[l][i] {
						t.Fatalf("hidden %d differs after load", l)
					}
				}
			}
		})
	}
}

// TestStatistics checks on 200,000 fresh samples that every hidden
// coordinate S_l and the output y have variance 1 (and mean 0).
//
// Tolerance: the features are heavy-tailed, so a fixed tolerance is not
// sound. The error of a variance estimate is sqrt((kappa-1)/n) relative
// (kappa the kurtosis), once for the 200,000 test samples and once for the
// 100,000 normalisation samples the constants came from; we allow 5 such
// standard errors. The issue's fixed tolerances (0.02 for S_l, 0.03 for y)
// are reported in the log for every coordinate.
func TestStatistics(t *testing.T) {
	const n = 200_000
	for name, s := range testSpecs() {
		t.Run(name, func(t *testing.T) {
			c := mustNew(t, s)
			ds, err := c.Sample(n, 2024)
			if err != nil {
				t.Fatal(err)
			}
			y := ds.Y
			if ds.F != nil {
				y = ds.F
			}
			check := func(what string, v []float64, stride, col int, fixed float64) {
				mean, varc, kurt := moments(v, stride, col)
				se := math.Sqrt((kurt - 1) * (1.0/n + 1.0/NormSamples))
				seMean := math.Sqrt(1.0/n + 1.0/NormSamples)
				if math.Abs(varc-1) > 5*se {
					t.Errorf("%s: variance %.4f, want 1 +/- %.4f (5 SE, kurtosis %.1f)", what, varc, 5*se, kurt)
				}
				if math.Abs(mean) > 5*seMean {
					t.Errorf("%s: mean %.4f, want 0 +/- %.4f", what, mean, 5*seMean)
				}
				fixedOK := "ok"
				if math.Abs(varc-1) > fixed {
					fixedOK = "OUTSIDE"
				}
				t.Logf("%s: var %.4f (|dev| %.4f; 5 SE %.4f; kurtosis %.1f; fixed tol %.2f %s)", what, varc, math.Abs(varc-1), 5*se, kurt, fixed, fixedOK)
			}
			names := c.HiddenNames()
			if s.Family == FamilyHQ {
				for l, h := range ds.Hidden {
					k := ds.HiddenWidths[l]
					for i := range k {
						check(fmt.Sprintf("%s[%d]", names[l], i), h, k, i, 0.02)
					}
				}
			}
			check("y", y, 1, 0, 0.03)
			if s.Task == TaskClassification {
				pos, agree := 0, 0
				for i, v := range ds.Y {
					if v > 0 {
						pos++
					}
					if (ds.F[i] >= c.Median()) == (v > 0) {
						agree++
					}
				}
				// P(+1) = 1/2 exactly (median split, symmetric noise).
				if p := float64(pos) / n; math.Abs(p-0.5) > 5*math.Sqrt(0.25/n+0.25/NormSamples) {
					t.Errorf("fraction of +1 labels %.4f, want 0.5", p)
				}
				flip := 1 - float64(agree)/n
				if se := math.Sqrt(s.LabelNoise * (1 - s.LabelNoise) / n); math.Abs(flip-s.LabelNoise) > 5*se+1e-9 {
					t.Errorf("flip rate %.4f, want label noise %.3f", flip, s.LabelNoise)
				}
			}
		})
	}
}

// moments returns the mean, the population variance and the kurtosis of
// column col of a row-major matrix with stride columns.
func moments(v []float64, stride, col int) (mean, variance, kurt float64) {
	n := len(v) / stride
	for i := range n {
		mean += v[i*stride+col]
	}
	mean /= float64(n)
	var m2, m4 float64
	for i := range n {
		d := v[i*stride+col] - mean
		m2 += d * d
		m4 += d * d * d * d
	}
	m2 /= float64(n)
	m4 /= float64(n)
	return mean, m2, m4 / (m2 * m2)
}

// TestDegree checks that y restricted to a random line x = t u is a
// polynomial of degree exactly 2^L: with unit spacing, the finite
// difference of order 2^L is constant (2^L)! a_top along the line and
// non-zero, and the one of order 2^L+1 vanishes up to rounding.
func TestDegree(t *testing.T) {
	for name, s := range testSpecs() {
		if s.Family != FamilyHQ {
			continue
		}
		t.Run(name, func(t *testing.T) {
			c := mustNew(t, s)
			deg := c.Degree()
			if deg != 1<<s.Layers {
				t.Fatalf("Degree() = %d, want %d", deg, 1<<s.Layers)
			}
			r := rand.New(rand.NewPCG(99, 1))
			for trial := range 3 {
				u := make([]float64, s.D)
				fillNormal(r, u)
				norm := math.Sqrt(dot(u, u))
				m := deg + 3 // points: two windows of deg+1 for the constancy check
				x := make([]float64, m*s.D)
				for i := range m {
					ti := float64(i) - float64(m-1)/2
					for j := range s.D {
						x[i*s.D+j] = ti * u[j] / norm * 1.5
					}
				}
				y, _ := c.Eval(x, m)
				top0, scale0 := diff(y[:deg+1])
				top1, _ := diff(y[1 : deg+2])
				next, scaleN := diff(y[:deg+2])
				const eps = 1e-16
				if math.Abs(next) > 1e3*eps*scaleN {
					t.Errorf("trial %d: difference of order %d = %g, want 0 (rounding scale %g)", trial, deg+1, next, eps*scaleN)
				}
				if math.Abs(top0) < 1e5*eps*scale0 {
					t.Errorf("trial %d: difference of order %d = %g is ~0: degree below %d", trial, deg, top0, deg)
				}
				if math.Abs(top0-top1) > 1e3*eps*scaleN {
					t.Errorf("trial %d: order-%d differences %g and %g differ: not a polynomial of degree %d", trial, deg, top0, top1, deg)
				}
				t.Logf("trial %d: Δ^%d = %.6g (rounding scale %.2g), Δ^%d = %.2g", trial, deg, top0, eps*scale0, deg+1, next)
			}
		})
	}
}

// diff returns the forward difference of order len(y)-1 at y[0] and the
// sum of |binomial * y_i|, the scale of its rounding error.
func diff(y []float64) (d, scale float64) {
	k := len(y) - 1
	binom := 1.0
	for i := 0; i <= k; i++ {
		term := binom * y[i]
		if (k-i)%2 == 1 {
			term = -term
		}
		d += term
		scale += math.Abs(term)
		binom = binom * float64(k-i) / float64(i+1)
	}
	return d, scale
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func TestVarianceShare(t *testing.T) {
	c := mustNew(t, DefaultSpec())
	sh := c.VarianceShare()
	if len(sh) != 2 || math.Abs(sh[0]+sh[1]-1) > 1e-12 {
		t.Fatalf("shares %v do not sum to 1", sh)
	}
	// Recompute from fresh samples: Cov(alpha_l ||S_l||^2, y_raw)/Var(y_raw).
	ds, _ := c.Sample(100_000, 77)
	yraw := make([]float64, ds.N)
	terms := make([][]float64, 2)
	for l, h := range ds.Hidden {
		terms[l] = make([]float64, ds.N)
		for i := range ds.N {
			var q float64
			for _, v := range h[i*3 : i*3+3] {
				q += v * v
			}
			terms[l][i] = c.Alpha()[l] * q
			yraw[i] += terms[l][i]
		}
	}
	for l := range 2 {
		_, v := meanStd(yraw)
		got := covariance(terms[l], yraw) / (v * v)
		if math.Abs(got-sh[l]) > 0.05 {
			t.Errorf("share of layer %d: %v stored, %v on fresh samples", l+2, sh[l], got)
		}
	}
	if c.ParamCount() != 3*20+3*20+3*20+3*20+3*3+2 {
		t.Errorf("ParamCount = %d", c.ParamCount())
	}
}

// TestPythonCrossCheck evaluates concepts with tools/concept_ref.py, an
// independent numpy implementation written from the notes, and requires
// agreement to 1e-10 relative (denominator max(|ref|, 1e-3)).
func TestPythonCrossCheck(t *testing.T) {
	py := testutil.Python(t, "numpy")
	script := testutil.Tool(t, "concept_ref.py")
	for name, s := range testSpecs() {
		t.Run(name, func(t *testing.T) {
			c := mustNew(t, s)
			dir := t.TempDir()
			ds, err := c.Sample(2000, 8)
			if err != nil {
				t.Fatal(err)
			}
			cp, in, out := filepath.Join(dir, "c.json"), filepath.Join(dir, "in.npz"), filepath.Join(dir, "out.npz")
			if err := c.Save(cp); err != nil {
				t.Fatal(err)
			}
			if err := ds.Save(in); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(py, script, cp, in, out)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", script, err, b)
			}
			z, err := npy.ReadNPZ(out)
			if err != nil {
				t.Fatal(err)
			}
			y := ds.Y
			if ds.F != nil {
				y = ds.F
			}
			compare(t, z, "y", y)
			for l, name := range c.HiddenNames() {
				compare(t, z, name, ds.Hidden[l])
			}
		})
	}
}

func compare(t *testing.T, z *npy.Archive, name string, got []float64) {
	t.Helper()
	a, err := z.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	ref := a.Float64s()
	if len(ref) != len(got) {
		t.Fatalf("%s: %d values from python, %d from Go", name, len(ref), len(got))
	}
	worst := 0.0
	for i := range ref {
		worst = max(worst, math.Abs(got[i]-ref[i])/max(math.Abs(ref[i]), 1e-3))
	}
	if worst > 1e-10 {
		t.Errorf("%s: max relative difference %.3g > 1e-10", name, worst)
	}
	t.Logf("%s: max relative difference to numpy %.3g", name, worst)
}

// rewrite decodes a concept file, applies f to its body, fixes the
// checksum and encodes it again: an inconsistent file that only the shape
// checks can catch.
func rewrite(t *testing.T, good []byte, f func(b *fileBody)) []byte {
	t.Helper()
	var b fileBody
	if err := json.Unmarshal(good, &b); err != nil {
		t.Fatal(err)
	}
	f(&b)
	sum, err := b.checksum()
	if err != nil {
		t.Fatal(err)
	}
	b.Checksum = sum
	out, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLoadBadFiles(t *testing.T) {
	good, err := mustNew(t, DefaultSpec()).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	goodRelu, _ := mustNew(t, testSpecs()["relu"]).MarshalJSON()
	tampered := bytes.Replace(good, []byte(`"out_std": 4.`), []byte(`"out_std": 5.`), 1)
	if bytes.Equal(tampered, good) {
		t.Fatal("test setup: out_std not found")
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not valid concept JSON"},
		{"truncated", good[:len(good)/2], "not valid concept JSON"},
		{"corrupt", []byte("\x00\x01PK garbage"), "not valid concept JSON"},
		{"not an object", []byte(`[1,2,3]`), "not valid concept JSON"},
		{"trailing", append(append([]byte{}, good...), []byte("{}")...), "trailing data"},
		{"unknown field", bytes.Replace(good, []byte(`"degree"`), []byte(`"degre"`), 1), "unknown field"},
		{"tampered weight", tampered, "checksum mismatch"},
		{"wrong format", rewrite(t, good, func(b *fileBody) { b.Format = "onnx" }), `format "onnx"`},
		{"future version", rewrite(t, good, func(b *fileBody) { b.Version = 2 }), "format version 2"},
		{"bad spec", rewrite(t, good, func(b *fileBody) { b.Spec.D = 0 }), "d = 0"},
		{"incomplete spec", rewrite(t, good, func(b *fileBody) { b.Spec.Skip = "" }), "completed form"},
		{"degree", rewrite(t, good, func(b *fileBody) { b.Degree = 4 }), "degree 4"},
		{"missing layer", rewrite(t, good, func(b *fileBody) { b.Layers = b.Layers[:1] }), "1 layers, the spec wants 2"},
		{"short block", rewrite(t, good, func(b *fileBody) { b.Layers[1].W[2] = b.Layers[1].W[2][:5] }), "has 5 values, want 3 x 3"},
		{"wrong inputs", rewrite(t, good, func(b *fileBody) { b.Layers[1].Inputs = []int{0, 2} }), "inputs [0 2]"},
		{"wrong cols", rewrite(t, good, func(b *fileBody) { b.Layers[0].Cols = []int{20, 3} }), "block columns"},
		{"rows", rewrite(t, good, func(b *fileBody) { b.Layers[0].Rows = 4 }), "4 rows, width is 3"},
		{"negative scale", rewrite(t, good, func(b *fileBody) { b.Layers[0].Scale[1] = -1 }), "scale[1] = -1"},
		{"short sd", rewrite(t, good, func(b *fileBody) { b.Layers[1].Sd = nil }), "sd has 0 values"},
		{"zero out_std", rewrite(t, good, func(b *fileBody) { b.OutStd = 0 }), "out_std = 0"},
		{"shares", rewrite(t, good, func(b *fileBody) { b.VarianceShare = []float64{1} }), "1 variance shares"},
		{"hq with out_weights", rewrite(t, good, func(b *fileBody) { b.OutWeights = []float64{1} }), "out_weights given"},
		{"relu out_weights", rewrite(t, goodRelu, func(b *fileBody) { b.OutWeights = b.OutWeights[:2] }), "2 out_weights, want 16"},
		{"relu scale", rewrite(t, goodRelu, func(b *fileBody) { b.Layers[0].Scale = []float64{1} }), "scale/mu/sd given"},
		{"overflow number", bytes.Replace(good, []byte(`"median": `), []byte(`"median": 1e999, "x": `), 1), "not valid concept JSON"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".json")
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if err == nil {
				t.Fatal("Load accepted a bad file")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) || !errors.Is(err, ErrFile) {
				t.Errorf("err = %v\nwant ErrFile naming %s and containing %q", err, path, tt.want)
			}
		})
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: err = %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range []string{"golden-hq.json", "golden-relu.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/3])
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"format":"hierlearn-concept","version":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Decode(data)
		if err != nil {
			if !errors.Is(err, ErrFile) {
				t.Fatalf("error does not wrap ErrFile: %v", err)
			}
			return
		}
		// A file that loads evaluates and re-encodes to a file that loads.
		x := make([]float64, c.Spec().D)
		c.Eval(x, 1)
		b, err := c.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Decode(b); err != nil {
			t.Fatalf("re-encoded concept does not load: %v", err)
		}
	})
}

func ExampleNew() {
	c, err := New(DefaultSpec())
	if err != nil {
		panic(err)
	}
	ds, err := c.Sample(1000, 2)
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Degree(), c.Widths(), ds.N, ds.D, ds.HiddenWidths, c.HiddenNames())
	// Output: 8 [3 3] 1000 20 [3 3] [s2 s3]
}

// TestNormalisationExact re-draws the normalisation inputs from the
// documented stream (rng.go) and evaluates the finished concept on them
// with Eval: on exactly those samples every S_l coordinate must have mean
// square 1, every standardised G_l mean 0 and variance 1, y mean 0 and
// variance 1, and half of the y must lie at or above the median. This
// pins the constants to the documented samples far more tightly than
// fresh samples can (TestStatistics).
func TestNormalisationExact(t *testing.T) {
	for name, s := range testSpecs() {
		t.Run(name, func(t *testing.T) {
			c := mustNew(t, s)
			x := make([]float64, NormSamples*s.D)
			fillNormal(newRand(s.Seed, streamNorm), x)
			y, hidden := c.Eval(x, NormSamples)
			const tol = 1e-9
			m, sd := meanStd(y)
			if math.Abs(m) > tol || math.Abs(sd-1) > tol {
				t.Errorf("y on the normalisation samples: mean %g, std %.12f", m, sd)
			}
			above := 0
			for _, v := range y {
				if v >= c.Median() {
					above++
				}
			}
			if above != NormSamples/2 {
				t.Errorf("%d of %d normalisation outputs at or above the median", above, NormSamples)
			}
			if s.Family != FamilyHQ {
				return
			}
			for li, ly := range c.Layers() {
				k := ly.Rows
				for i := range k {
					var ms float64
					g := make([]float64, NormSamples)
					for r := range NormSamples {
						v := hidden[li][r*k+i]
						ms += v * v
						g[r] = (v*v - ly.Mu[i]) / ly.Sd[i]
					}
					ms /= NormSamples
					gm, gs := meanStd(g)
					if math.Abs(ms-1) > tol || math.Abs(gm) > tol || math.Abs(gs-1) > tol {
						t.Errorf("layer %d feature %d: mean square of S %.12f, standardised G mean %g std %.12f", ly.L, i, ms, gm, gs)
					}
				}
			}
		})
	}
}

func BenchmarkNew(b *testing.B) {
	for _, s := range []Spec{DefaultSpec(), {D: 100, Layers: 4, Widths: []int{10}, Seed: 1}} {
		b.Run(s.summary(), func(b *testing.B) {
			for b.Loop() {
				mustNew(b, s)
			}
		})
	}
}
