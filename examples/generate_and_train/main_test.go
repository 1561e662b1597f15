package main

import (
	"bytes"
	"regexp"
	"strconv"
	"testing"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, 4000, 800); err != nil {
		t.Fatal(err)
	}
	// The last stage's layer-2 feature error: progressive must correct it
	// below layerwise's.
	re := regexp.MustCompile(`(?m)^(progressive|layerwise) +after stage 3: test rel. MSE (\S+), e_2 (\S+)$`)
	e2 := map[string]float64{}
	for _, m := range re.FindAllStringSubmatch(out.String(), -1) {
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatal(err)
		}
		e2[m[1]] = v
	}
	if len(e2) != 2 {
		t.Fatalf("output lacks the final stages:\n%s", out.String())
	}
	if !(e2["progressive"] < e2["layerwise"]) {
		t.Errorf("e_2 progressive %g, layerwise %g: no backward feature correction\n%s", e2["progressive"], e2["layerwise"], out.String())
	}
}
