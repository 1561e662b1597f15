package lagfield

import (
	"errors"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
)

// small is a quick spec: 8x8 grid, 3 lags, 2 channels.
func small() Spec {
	return Spec{H: 8, W: 8, Lags: 3, Channels: 2, Amp: []float64{1, 0}, Tau: 1.5, Ell: 1, Radius: 2, Rho: 0.5, Beta: 0, Noise: 0}
}

func TestSampleIsTheDocumentedLinearMap(t *testing.T) {
	s := small()
	ds, err := s.Sample(20, 3)
	if err != nil {
		t.Fatal(err)
	}
	w := s.Weights()
	side := 2*s.Radius + 1
	var worst float64
	for i := 0; i < ds.N; i++ {
		x := ds.X[i*ds.D : (i+1)*ds.D]
		for r := 0; r < s.H; r++ {
			for col := 0; col < s.W; col++ {
				var u float64
				for c := 0; c < s.Channels; c++ {
					for l := 0; l < s.Lags; l++ {
						for dy := -s.Radius; dy <= s.Radius; dy++ {
							for dx := -s.Radius; dx <= s.Radius; dx++ {
								qr, qc := r+dy, col+dx
								if qr < 0 || qr >= s.H || qc < 0 || qc >= s.W {
									continue
								}
								u += w[((c*s.Lags+l)*side+s.Radius+dy)*side+s.Radius+dx] * x[s.Index(c, l, qr, qc)]
							}
						}
					}
				}
				worst = math.Max(worst, math.Abs(u-ds.Y[i*s.H*s.W+r*s.W+col]))
			}
		}
	}
	// Only the float32 rounding of y separates them (|y| < 5).
	const tol = 1e-5
	if worst > tol {
		t.Fatalf("y differs from the documented weights by %g", worst)
	}
}

func TestWindowsShareTheSeries(t *testing.T) {
	s := small()
	ds, err := s.Sample(5, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Example i+1 at lag l+1 is example i at lag l: the same time step.
	for i := 0; i+1 < ds.N; i++ {
		for l := 0; l+1 < s.Lags; l++ {
			a := ds.X[i*ds.D+s.Index(0, l, 2, 3)]
			b := ds.X[(i+1)*ds.D+s.Index(0, l+1, 2, 3)]
			if a != b {
				t.Fatalf("example %d lag %d = %v, example %d lag %d = %v", i, l, a, i+1, l+1, b)
			}
		}
	}
	again, _ := s.Sample(5, 1)
	other, _ := s.Sample(5, 2)
	if !slices.Equal(ds.X, again.X) || !slices.Equal(ds.Y, again.Y) {
		t.Fatal("the same seed gave different data")
	}
	if slices.Equal(ds.X, other.X) {
		t.Fatal("seeds 1 and 2 gave the same inputs")
	}
}

func TestScaleIsTheStationaryStd(t *testing.T) {
	s := DefaultSpec()
	s.Beta, s.Noise = 0, 0
	ds, err := s.Sample(3000, 7)
	if err != nil {
		t.Fatal(err)
	}
	var sum, sq float64
	var n int
	for i := 0; i < ds.N; i++ {
		for _, p := range s.Targets() {
			v := ds.Y[i*s.H*s.W+p.R*s.W+p.C]
			sum += v
			sq += v * v
			n++
		}
	}
	mean := sum / float64(n)
	std := math.Sqrt(sq/float64(n) - mean*mean)
	// 15,000 correlated values (consecutive windows overlap): measured
	// 0.99-1.01 over seeds; a wrong temporal term in Scale gives 0.8 or 1.2.
	const tol = 0.05
	if math.Abs(std-1) > tol {
		t.Fatalf("std of u at interior points %.4f, want 1 within %g", std, tol)
	}
}

func TestTruthProfiles(t *testing.T) {
	s := DefaultSpec()
	p := Point{8, 8}
	pr, err := s.Aggregate(s.Truth(p), p)
	if err != nil {
		t.Fatal(err)
	}
	for l := 1; l < s.Lags; l++ {
		if got, want := pr.Lag[l]/pr.Lag[0], math.Exp(-float64(l)/s.Tau); math.Abs(got-want) > 1e-12 {
			t.Errorf("lag %d: ratio %v, want exp(-l/tau) = %v", l, got, want)
		}
	}
	for b := 1; b < len(pr.Distance); b++ {
		if b <= s.Radius && !(pr.Distance[b] < pr.Distance[b-1]) {
			t.Errorf("distance profile not decreasing at bin %d: %v", b, pr.Distance)
		}
		if b > s.Radius && pr.Distance[b] != 0 {
			t.Errorf("distance bin %d beyond the radius has importance %v", b, pr.Distance[b])
		}
	}
	if pr.Channel[2] != 0 || !(pr.Channel[0] > pr.Channel[1]) {
		t.Errorf("channel totals %v: want |a| order and 0 for the distractor", pr.Channel)
	}
	if _, err := s.Aggregate(make([]float64, 3), p); err == nil {
		t.Error("a map of the wrong size was accepted")
	}
}

func TestValidate(t *testing.T) {
	for name, f := range map[string]func(*Spec){
		"grid":      func(s *Spec) { s.H = 0 },
		"lags":      func(s *Spec) { s.Lags = 0 },
		"amp":       func(s *Spec) { s.Amp = s.Amp[:1] },
		"all zero":  func(s *Spec) { s.Amp = []float64{0, 0, 0} },
		"tau":       func(s *Spec) { s.Tau = 0 },
		"ell":       func(s *Spec) { s.Ell = math.Inf(1) },
		"rho":       func(s *Spec) { s.Rho = 1 },
		"beta":      func(s *Spec) { s.Beta = -1 },
		"noise":     func(s *Spec) { s.Noise = math.NaN() },
		"radius":    func(s *Spec) { s.Radius = -1 },
		"amp (NaN)": func(s *Spec) { s.Amp = []float64{math.NaN(), 1, 0} },
	} {
		s := DefaultSpec()
		f(&s)
		if err := s.Validate(); !errors.Is(err, ErrSpec) {
			t.Errorf("%s: got %v, want ErrSpec", name, err)
		}
		if _, err := s.Sample(2, 1); err == nil {
			t.Errorf("%s: Sample accepted the spec", name)
		}
	}
	if _, err := DefaultSpec().Sample(0, 1); err == nil {
		t.Error("n = 0 was accepted")
	}
}

func TestSaveReadsBackAsExamples(t *testing.T) {
	s := small()
	ds, err := s.Sample(4, 2)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "d.npz")
	if err := Save(path, s, ds); err != nil {
		t.Fatal(err)
	}
	got, err := concept.LoadExamples(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.X, ds.X) || !slices.Equal(got.Y, ds.Y) {
		t.Fatal("the file's x or y differ from the dataset")
	}
	if !slices.Equal(got.Shape, s.InputShape()) || !slices.Equal(got.YShape, []int{1, s.H, s.W}) {
		t.Fatalf("shapes %v / %v", got.Shape, got.YShape)
	}
	if err := Save(path, DefaultSpec(), ds); err == nil {
		t.Fatal("saving under another spec was accepted")
	}
}
