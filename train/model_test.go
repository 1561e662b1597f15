package train

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// The tiny models in testdata/train are written by hand, with predictions
// worked out on paper:
//
// hnet-tiny: d=1, L=3, S_2 = x, H_2 = (x^2 - 1)/sqrt(3 + 1e-5), S_3 = H_2,
// F = 0.25 + 0.5 x^2 + 2 H_2^2. At x = 2: 0.25 + 2 + 18/3.00001 = 8.24998;
// at x = 0: 0.25 + 2/3.00001 = 0.916664.
//
// mlp-tiny: h = relu([x1 - x2, 2 x1 - 1]), F = 3 h_1 + h_2 + 0.5.
// At (1, 3): h = (0, 1), F = 1.5; at (2, 1): h = (1, 3), F = 6.5.
func ExampleLoadModel() {
	m, err := LoadModel("../testdata/train/hnet-tiny.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	f, _ := m.Predict([]float64{2, 0})
	fmt.Printf("hnet F(2) = %.6f, F(0) = %.6f\n", f[0], f[1])
	p, _ := LoadModel("../testdata/train/mlp-tiny.json")
	g, _ := p.Predict([]float64{1, 3, 2, 1})
	fmt.Println("mlp", g)
	// Output:
	// hnet F(2) = 8.249980, F(0) = 0.916664
	// mlp [1.5 6.5]
}

func TestTinyModelsByHand(t *testing.T) {
	m, err := LoadModel("../testdata/train/hnet-tiny.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []float64{2, 0, -1.5, 0.3} {
		h2 := (x*x - 1) / math.Sqrt(3+1e-5)
		want := 0.25 + 0.5*x*x + 2*h2*h2
		got, err := m.Predict([]float64{x})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got[0]-want) > 1e-12 {
			t.Errorf("F(%v) = %v, want %v", x, got[0], want)
		}
	}
	if _, err := m.Predict([]float64{1, 2, 3}[:0]); err != nil {
		t.Errorf("empty input: %v", err)
	}
}

func TestLoadModelErrors(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"format.json":  `{"format": "keras"}`,
		"notjson.json": `{"format": `,
		"shape.json":   `{"format":"hierlearn-hnet/1","d":1,"L":2,"widths":[1],"skips":[[0,1]],"layers":[{"layer":2,"K":[[1]]}],"norm_eps":1e-5,"a":[1],"b":0}`,
		"depth.json":   `{"format":"hierlearn-hnet/1","d":1,"L":1,"widths":[],"skips":[],"layers":[],"norm_eps":1e-5,"a":[],"b":0}`,
		"mlp.json":     `{"format":"hierlearn-mlp/1","sizes":[2,1],"layers":[{"W":[[1]],"b":[0]}]}`,
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadModel(p); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
	if _, err := LoadModel(filepath.Join(dir, "absent")); err == nil {
		t.Error("missing model loaded")
	}
}

// FuzzDecodeModel: no input makes the decoder panic, and whatever it
// accepts predicts without panicking.
func FuzzDecodeModel(f *testing.F) {
	for _, name := range []string{"hnet-tiny.json", "mlp-tiny.json"} {
		b, err := os.ReadFile(filepath.Join("../testdata/train", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeModel(b)
		if err != nil {
			return
		}
		if d := m.InputDim(); d > 0 && d < 1000 {
			if _, err := m.Predict(make([]float64, d)); err != nil {
				t.Fatalf("accepted model fails to predict: %v", err)
			}
		}
	})
}
