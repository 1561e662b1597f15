package train

import (
	"context"
	"testing"
)

// TestPlateauStageNeverEndsWorseOnValidation: after the first stage a
// plateau stage returns the model of the stage before (its new output
// terms switched off) when nothing it trains is better on validation.
// With a learning rate too small to undo the randomly drawn new layer,
// stage 3 cannot beat stage 2, so it keeps stage 2's model: the same
// validation error, a_3 = 0, and the same predictions as after stage 2.
func TestPlateauStageNeverEndsWorseOnValidation(t *testing.T) {
	tr, te := toySplit(t, 500, 200, 6, 3, 2, 7)
	c := plateauSmall(ModeProgressive)
	c.LR = 1e-7
	res, err := Run(context.Background(), c, tr, te, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := res.Metrics.Stages
	if len(st) != 2 {
		t.Fatalf("%d stages, want 2", len(st))
	}
	if st[0].KeptPrevious {
		t.Error("the first stage has no stage before it to keep")
	}
	if !st[1].KeptPrevious {
		t.Fatalf("stage 3 (candidates %v) did not keep stage 2's model (validation %v)", st[1].CandidateVals, *st[0].ValError)
	}
	for _, v := range st[1].CandidateVals {
		if v <= *st[1].ValError {
			t.Errorf("candidate with validation %v not above the kept %v", v, *st[1].ValError)
		}
	}
	if *st[1].ValError != *st[0].ValError || *st[1].TestRelMSE != *st[0].TestRelMSE {
		t.Errorf("kept model: validation %v and test %v, stage 2 had %v and %v", *st[1].ValError, *st[1].TestRelMSE, *st[0].ValError, *st[0].TestRelMSE)
	}
	if a := res.Model.(*HNet).A; a[1] != 0 {
		t.Errorf("a_3 = %v in the kept model, want 0", a[1])
	}

	// At a learning rate that trains, every stage's validation error is
	// at most the one before it.
	res, err = Run(context.Background(), plateauSmall(ModeProgressive), tr, te, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st = res.Metrics.Stages
	for i := 1; i < len(st); i++ {
		if *st[i].ValError > *st[i-1].ValError {
			t.Errorf("stage %d ends at validation %v, above stage %d's %v", st[i].Layer, *st[i].ValError, st[i-1].Layer, *st[i-1].ValError)
		}
	}
}
