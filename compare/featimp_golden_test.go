package compare

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/hierlearn/hierlearn/concept/lagfield"
)

// featimpResult is a synthetic emulator:densenet result whose numbers
// move with the seed, decoded from JSON as results.jsonl gives them.
func featimpResult(t *testing.T, seed uint64) Result {
	d := 0.01 * float64(seed)
	scores := map[string]map[string]float64{}
	for i, m := range featimpMethods {
		sc := map[string]float64{"spearman_lag": 1 - d, "spearman_distance": 0.964, "distractor_share": 0.05 + d}
		if m != "permutation" {
			sc["spearman_location"], sc["spearman_element"] = 0.55, 0.45
			sc["spearman_support"], sc["topk_location"], sc["topk_element"] = 0.99-0.03*float64(i)-d, 1, 0.95-d
		}
		scores[m] = sc
	}
	rnd := map[string]map[string]float64{}
	profiles := map[string]map[string][]float64{"truth": {"lag": {1, 0.61, 0.37}, "distance": {1, 0.45, 0.24, 0}}}
	for _, m := range featimpGradMethods {
		rnd[m] = map[string]float64{"rank_corr_element": 0.95, "rank_corr_support": 0.2 + d, "rank_corr_location": 0.99,
			"random_spearman_lag": 0.1 - d, "random_spearman_support": 0.2}
		profiles[m] = map[string][]float64{"lag": {1, 0.6 + d, 0.4}, "distance": {1, 0.4, 0.2, 0.01}}
		profiles[m+randomSuffix] = map[string][]float64{"lag": {0.9, 1, 0.95}, "distance": {1, 0.9, 0.6, 0.3}}
	}
	m := map[string]any{"learner": "emulator:densenet", "spec": lagfield.DefaultSpec(), "study": newStudyConfig(Cell{}),
		"torch":        map[string]any{"test_rel_mse_torch": 0.007 + d/10, "train_seconds": 200 + 10*float64(seed)},
		"test_rel_mse": 0.007 + d/10, "ort_max_rel_diff": 1e-6, "data_onnx_native_max_rel_diff": 8e-7, "data_onnx_ort_max_rel_diff": 5e-7,
		"scores": scores, "randomisation": rnd, "profiles": profiles,
		"ig_completeness": map[string]float64{"8": 0.0115 - d/10, "16": 0.008, "32": 0.004, "64": 0.002, "128": 0.001}}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var dec map[string]any
	if err := json.Unmarshal(b, &dec); err != nil {
		t.Fatal(err)
	}
	c := Cell{Experiment: "feature-importance", Learner: "emulator:densenet", Dataset: LagField, N: 2000, NTest: 500, Seed: seed}
	return Result{Key: c.Key(), Cell: c, Metrics: dec, Version: "test"}
}

// TestFeatureImportanceReportGolden renders the report section of three
// synthetic seeds against testdata/feature-importance-report.golden (go
// test -run FeatureImportanceReportGolden -update rewrites it) and draws
// the two plots.
func TestFeatureImportanceReportGolden(t *testing.T) {
	var rs []Result
	for s := uint64(1); s <= 3; s++ {
		rs = append(rs, featimpResult(t, s))
	}
	var buf bytes.Buffer
	writeFeatureImportance(&buf, groups(rs))
	checkGolden(t, "feature-importance-report.golden", buf.Bytes())
	files, err := plotFeatureImportance(t.TempDir(), groups(rs))
	if err != nil || len(files) != 2 {
		t.Errorf("plots %v, %v", files, err)
	}
}
