package compare

import (
	"bytes"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// purificationResult is a synthetic robust:... result: clean accuracy 1,
// PGD accuracy pgd[i] at l2 radius 0.1*(i+1) (FGM slightly higher), the
// same on the l-infinity grid at 0.01*(i+1), and a final mixture ratio.
func purificationResult(learner string, seed uint64, pgd []float64, mix float64) Result {
	var l2, linf []any
	for i, v := range pgd {
		l2 = append(l2, map[string]any{"eps": 0.1 * float64(i+1), "pgd": v, "fgm": v + 0.01})
		linf = append(linf, map[string]any{"eps": 0.01 * float64(i+1), "pgd": v, "fgm": v + 0.01})
	}
	m := map[string]any{"test_accuracy": 1.0, "test_error": 0.0, "l2": l2, "linf": linf}
	if mix > 0 {
		dec := func(ratio float64) map[string]any {
			return map[string]any{"mixture_ratio": ratio, "median_ratio": ratio, "median_effective": 10 * ratio, "top_mass": 1 / (1 + ratio*ratio),
				"median_cos_init": 0.5, "profile": []any{0.8, 0.2 * ratio}, "neurons": []any{map[string]any{"ratio": ratio}}}
		}
		m["init"], m["final"], m["bias"] = dec(2), dec(mix), -0.1
	}
	if trainNorm(learner) == "l2" { // trained beyond the breaking radius
		m["experiment"] = map[string]any{"train": map[string]any{"adv": map[string]any{"method": "pgd", "norm": "l2", "eps": 0.4}}}
	}
	c := Cell{Experiment: "purification", Learner: learner, Dataset: "sparse-coding:d=100,k=10,noise=0.1,margin=1,seed=1", N: 100, NTest: 10, Seed: seed}
	return Result{Key: c.Key(), Cell: c, Metrics: m, Version: "test"}
}

// TestPurificationReportGolden renders the report section of three seeds
// of a clean network (breaks at radius 0.3), one adversarially trained at
// l2 radius 0.4 (so the l2 claims are checked there, the l-infinity ones
// at the breaking radius), and a linear model, against testdata/purification-report.golden
// (go test -run PurificationReportGolden -update rewrites it).
func TestPurificationReportGolden(t *testing.T) {
	var rs []Result
	for s := uint64(1); s <= 3; s++ {
		d := 0.01 * float64(s)
		rs = append(rs,
			purificationResult("robust:net", s, []float64{0.9, 0.6, 0.3 + d, 0.1}, 4+d),
			purificationResult("robust:net:pgd-l2", s, []float64{1, 0.95, 0.9 + d, 0.7}, 0.2+d),
			purificationResult("robust:linear", s, []float64{0.9, 0.6, 0.35 + d, 0.1}, 0))
	}
	var buf bytes.Buffer
	writePurification(&buf, groups(rs))
	checkGolden(t, "purification-report.golden", buf.Bytes())
	// The plots of the same results are drawn.
	dir := t.TempDir()
	files, err := plotPurification(dir, groups(rs))
	if err != nil || len(files) != 4 {
		t.Errorf("plots %v, %v", files, err)
	}
}

// checkGolden compares a rendered report section with testdata/name, or
// rewrites that file under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", name), got)
}

// TestPurificationScalingGolden renders the l-infinity scaling section of
// the linear model at d=100 and d=400 (three seeds each, robust accuracy
// falling from about 0.67 to 0.55, chance 0.51) against
// testdata/purification-scaling.golden.
func TestPurificationScalingGolden(t *testing.T) {
	var rs []Result
	for _, d := range []int{400, 100} {
		eps := linfScale / math.Sqrt(float64(d))
		for s := uint64(1); s <= 3; s++ {
			acc := 0.65 + 0.01*float64(s)
			if d == 400 {
				acc = 0.53 + 0.01*float64(s)
			}
			m := map[string]any{"test_accuracy": 0.9, "test_majority": 0.51, "l1_ratio": 40 / float64(d),
				"experiment": map[string]any{"train": map[string]any{"adv": map[string]any{"method": "pgd", "norm": "linf", "eps": eps}}},
				"linf":       []any{map[string]any{"eps": eps, "pgd": acc, "fgm": acc, "exact": acc}}}
			c := Cell{Experiment: "purification", Learner: linfScalingLearner, N: 100, NTest: 10, Seed: s,
				Dataset: SparseCodingDataset(concept.SparseCodingSpec{D: d, Noise: 0.1, Margin: 1, Seed: 1})}
			rs = append(rs, Result{Key: c.Key(), Cell: c, Metrics: m, Version: "test"})
		}
	}
	var buf bytes.Buffer
	writePurification(&buf, groups(rs))
	checkGolden(t, "purification-scaling.golden", buf.Bytes())
	for _, want := range []string{"falls as d grows (median lower at every larger d, bootstrap intervals of the smallest and largest d apart): holds",
		"finding: it stays within 0.05 of chance (does not become robust) from d=400 on; above chance by 0.160 at d=100, 0.040 at d=400"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("the section lacks %q:\n%s", want, buf.String())
		}
	}
}
