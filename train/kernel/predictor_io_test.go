package kernel

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

const goldenPredictor = "../../testdata/kernel/predictor_v1_poly2.npz"

// TestGoldenPredictor loads a predictor saved by format version 1 and
// checks its predictions against the formula evaluated here directly on
// the stored arrays: f(x) = sum_i alpha_i (<x, c_i>/d + 1)^2. A format
// change that breaks old files fails here.
func TestGoldenPredictor(t *testing.T) {
	if testutil.Update() {
		train := regData(6, 3, 77)
		res, err := fit(Poly{Degree: 2, C: 1}, train, Options{Ridge: 1e-2})
		if err != nil {
			t.Fatal(err)
		}
		if err := res.Predictor.Save(goldenPredictor, 0); err != nil {
			t.Fatal(err)
		}
	}
	p, err := Load(goldenPredictor)
	if err != nil {
		t.Fatal(err)
	}
	z, err := npy.ReadNPZ(goldenPredictor)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := z.Get("centers")
	aa, _ := z.Get("alpha")
	c, alpha := ca.Float64s(), aa.Float64s()
	x := gaussian(4, 3, 5)
	got, err := p.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	for r := 0; r < x.Rows; r++ {
		want := 0.0
		for i := range alpha {
			s := 0.0
			for j := 0; j < 3; j++ {
				s += x.Row(r)[j] * c[i*3+j]
			}
			want += alpha[i] * (s/3 + 1) * (s/3 + 1)
		}
		if d := got.Data[r] - want; d > 1e-12 || d < -1e-12 {
			t.Errorf("row %d: %g, want %g", r, got.Data[r], want)
		}
	}
	if p.Kernel.String() != "poly:2" || p.D != 3 || p.Form != FormDual || p.Task != concept.TaskRegression {
		t.Errorf("loaded %s d=%d form %s task %s", p.Kernel, p.D, p.Form, p.Task)
	}
}

func savedBytes(t testing.TB, spec string, train data) []byte {
	k, err := Parse(spec, 3)
	if err != nil {
		t.Fatal(err)
	}
	res, err := fit(k, train, Options{Ridge: 1e-2})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "p.npz")
	if err := res.Predictor.Save(path, 3); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodePredictorErrors(t *testing.T) {
	good := savedBytes(t, "rbf", regData(10, 3, 1))
	if _, err := DecodePredictor(good); err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(z *npy.Archive)) []byte {
		c, _ := npy.DecodeArchive(good)
		f(c)
		var buf bytes.Buffer
		if err := npy.WriteArchive(&buf, c); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	for name, b := range map[string][]byte{
		"truncated": good[:len(good)/2],
		"no meta":   mutate(func(z *npy.Archive) { remove(z, "meta") }),
		"bad json":  mutate(func(z *npy.Archive) { z.Add("meta", npy.NewBytes([]byte("{"))) }),
		"format":    mutate(func(z *npy.Archive) { z.Add("meta", npy.NewBytes([]byte(`{"format":"x","format_version":1}`))) }),
		"bad kernel": mutate(func(z *npy.Archive) {
			z.Add("meta", npy.NewBytes([]byte(`{"format":"hierlearn-kernel-predictor","format_version":1,"kernel":"gauss","d":3,"outputs":1,"task":"regression","form":"dual"}`)))
		}),
		"wrong cols": mutate(func(z *npy.Archive) { z.Add("centers", npy.NewFloat64(make([]float64, 40), 10, 4)) }),
		"row count":  mutate(func(z *npy.Archive) { z.Add("alpha", npy.NewFloat64(make([]float64, 9), 9, 1)) }),
		"no alpha":   mutate(func(z *npy.Archive) { remove(z, "alpha") }),
		"nan centers": mutate(func(z *npy.Archive) {
			c := make([]float64, 20)
			c[3] = 1 / zero()
			z.Add("centers", npy.NewFloat64(c, 10, 2))
		}),
	} {
		if _, err := DecodePredictor(b); !errors.Is(err, ErrPredictor) {
			t.Errorf("%s: err = %v, want ErrPredictor", name, err)
		}
	}
}

func zero() float64 { return 0 }

func remove(z *npy.Archive, name string) {
	delete(z.Arrays, name)
	for i, n := range z.Names {
		if n == name {
			z.Names = append(z.Names[:i], z.Names[i+1:]...)
			return
		}
	}
}

// FuzzDecodePredictor: no input panics; whatever decodes can predict.
func FuzzDecodePredictor(f *testing.F) {
	train := regData(8, 3, 1)
	for _, spec := range []string{"rbf", "poly:3", "ntk:3", "comp", "rf-relu:4"} {
		f.Add(savedBytes(f, spec, train))
	}
	if b, err := os.ReadFile(goldenPredictor); err == nil {
		f.Add(b)
	}
	x := gaussian(2, 3, 1)
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodePredictor(b)
		if err != nil {
			return
		}
		if p.D != 3 || p.Centers.Rows*p.Alpha.Cols > 1e5 || p.Beta.Rows*p.Beta.Cols > 1e5 {
			return // predicting would only test sizes
		}
		if _, err := p.Predict(x); err != nil {
			t.Fatalf("decoded predictor cannot predict: %v", err)
		}
	})
}
