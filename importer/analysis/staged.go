package analysis

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/importer"
)

// Staged training modes (StagedOptions.Mode), after the notes' HNet modes
// and Allen-Zhu & Li's backward feature correction: stage s trains
//   - layerwise: stage s alone, the stages below it frozen;
//   - progressive: every stage up to s (the paper's algorithm);
//   - bfc-K: stages s-K..s (bfc-0 is layerwise; bfc-K with K >= s-1 is
//     progressive);
//   - e2e: every stage, on the top stage's output, in every stage (the
//     same number of stages, epochs and schedule restarts as the staged
//     modes, so that the runs compare step for step).
const (
	ModeLayerwise   = "layerwise"
	ModeProgressive = "progressive"
	ModeE2E         = "e2e"
)

// Stage is one stage of staged training: the blocks of an imported
// network named by node-name prefixes (importer.MatchPrefix: "layer1"
// covers torch.onnx's "/layer1/layer1.0/conv1/Conv"), and the output
// trained while it is the top stage.
type Stage struct {
	Name     string   `json:"name"`     // label ("" = the prefixes joined by "+")
	Prefixes []string `json:"prefixes"` // node-name prefixes of the stage's blocks
	// Output is the model output trained while this stage is the highest
	// trained one: an auxiliary head on the stage's features, say ("" =
	// the model's first output). With a head, the stages above are absent
	// from the loss, as the paper's higher layers are until their stage;
	// without one, the stages above stay at their initial weights on the
	// way to the output (their BatchNormalization on batch statistics).
	Output string `json:"output,omitempty"`
}

// label is the stage's name.
func (s Stage) label() string {
	if s.Name != "" {
		return s.Name
	}
	return strings.Join(s.Prefixes, "+")
}

// ParseStages reads stages from text: stages separated by commas, the
// prefixes of one stage by "+", and an optional output after "=":
// "conv1+layer1=head1,layer2=head2,layer3".
func ParseStages(text string) ([]Stage, error) {
	var out []Stage
	for _, part := range strings.Split(text, ",") {
		part = strings.TrimSpace(part)
		pre, output, _ := strings.Cut(part, "=")
		var ps []string
		for _, p := range strings.Split(pre, "+") {
			if p = strings.TrimSpace(p); p != "" {
				ps = append(ps, p)
			}
		}
		if len(ps) == 0 {
			return nil, fmt.Errorf("analysis: stages %q: stage %d names no node-name prefix", text, len(out)+1)
		}
		out = append(out, Stage{Prefixes: ps, Output: strings.TrimSpace(output)})
	}
	return out, nil
}

// StagedOptions configures StagedFit.
type StagedOptions struct {
	Mode   string  // layerwise, progressive, bfc-K or e2e
	Stages []Stage // from the input up
	// Fit is each stage's training: Epochs per stage, a fresh optimizer
	// and schedule per stage (a cosine schedule restarts), the batch
	// order seeded by Fit.Seed*1000 + stage index; Test, when set, is
	// evaluated on the stage's output after every epoch.
	Fit FitOptions
	// AtStage, when set, is called after each stage (index from 0) with
	// the trained model (loaded with NoFold, inference form).
	AtStage func(stage int, m *importer.Model) error
}

// StageResult reports one stage of StagedFit.
type StageResult struct {
	Stage   int        `json:"stage"` // from 1
	Name    string     `json:"name"`
	Trained []string   `json:"trained"` // the stages trained (names)
	Output  string     `json:"output"`
	Params  []string   `json:"params"`           // initializers trained
	Frozen  []string   `json:"frozen_batchnorm"` // BatchNormalization nodes kept in inference form
	Steps   int        `json:"steps"`
	Epochs  []FitEpoch `json:"epochs"`
	// TrainLoss, TestLoss and TestAccuracy are the last epoch's (test:
	// with FitOptions.Test).
	TrainLoss    float64 `json:"train_loss"`
	TestLoss     float64 `json:"test_loss,omitempty"`
	TestAccuracy float64 `json:"test_accuracy,omitempty"`
}

// StagedResult reports a StagedFit run.
type StagedResult struct {
	Mode   string        `json:"mode"`
	Stages []StageResult `json:"stages"`
	Steps  int           `json:"steps"`
	// StepLoss is every step's loss, stage after stage.
	StepLoss  []float64 `json:"-"`
	InputNote string    `json:"input_note,omitempty"`
	// Model is the trained model file: the input file with every trained
	// initializer and updated running statistic replaced.
	Model []byte `json:"-"`
}

// trainedStages returns the indices of the stages that stage s (from 0)
// trains in mode.
func trainedStages(mode string, s, n int) ([]int, error) {
	lo := 0
	switch {
	case mode == ModeLayerwise:
		lo = s
	case mode == ModeProgressive:
	case mode == ModeE2E:
		s = n - 1
	case strings.HasPrefix(mode, "bfc-"):
		k, err := strconv.Atoi(strings.TrimPrefix(mode, "bfc-"))
		if err != nil || k < 0 {
			return nil, fmt.Errorf("analysis: mode %q: want bfc-K with an integer K >= 0", mode)
		}
		lo = max(0, s-k)
	default:
		return nil, fmt.Errorf("analysis: mode %q (want layerwise, progressive, bfc-K or e2e)", mode)
	}
	var out []int
	for i := lo; i <= s; i++ {
		out = append(out, i)
	}
	return out, nil
}

// StagedFit trains the model file b (loaded with NoFold, so that
// BatchNormalization trains) on ds stage by stage, as opt.Mode says.
// Stage s trains the initializers read by the nodes of its trained
// stages, BatchNormalization running statistics excepted, and those of
// its output that lie under no stage's prefix (a head), against the
// output of its highest trained stage. The BatchNormalization nodes of
// every stage not trained stay in inference form (GradSession.
// FreezeBatchNorm: frozen lower stages keep their running statistics, as
// the notes' layerwise HNet keeps its normalisation), except those of
// higher stages that lie on the way to the output, which normalise with
// batch statistics as at the start of end-to-end training. The trained
// values carry from stage to stage; the result holds the trained file.
func StagedFit(b []byte, ds *concept.Dataset, opt StagedOptions) (*StagedResult, error) {
	if len(opt.Stages) == 0 {
		return nil, fmt.Errorf("analysis: staged training needs at least one stage")
	}
	if _, err := trainedStages(opt.Mode, 0, len(opt.Stages)); err != nil {
		return nil, err
	}
	m, err := importer.LoadBytesWith(b, importer.LoadOptions{NoFold: true})
	if err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	stageInits := make([]map[string]bool, len(opt.Stages))
	covered := map[string]bool{}
	for i, st := range opt.Stages {
		if len(st.Prefixes) == 0 {
			return nil, fmt.Errorf("analysis: stage %d names no node-name prefix", i+1)
		}
		stageInits[i] = map[string]bool{}
		for _, p := range st.Prefixes {
			if _, err := m.PrefixOutput(p); err != nil {
				return nil, fmt.Errorf("analysis: stage %d (%s): %w", i+1, st.label(), err)
			}
			for _, name := range m.PrefixInitializers(p) {
				stageInits[i][name] = true
				covered[name] = true
			}
		}
	}
	stats := map[string]bool{}
	for _, s := range m.RunningStatInitializers() {
		stats[s] = true
	}
	res := &StagedResult{Mode: opt.Mode}
	for s := range opt.Stages {
		trained, _ := trainedStages(opt.Mode, s, len(opt.Stages))
		top := opt.Stages[trained[len(trained)-1]]
		output := top.Output
		if output == "" {
			output = m.Outputs[0].Name
		}
		feeds, err := m.InitializersFeeding(output)
		if err != nil {
			return nil, fmt.Errorf("analysis: stage %d (%s): output: %w", s+1, top.label(), err)
		}
		onPath := map[string]bool{}
		for _, name := range feeds {
			onPath[name] = true
		}
		sr := StageResult{Stage: s + 1, Name: opt.Stages[s].label(), Output: output}
		isTrained := map[int]bool{}
		for _, i := range trained {
			isTrained[i] = true
			sr.Trained = append(sr.Trained, opt.Stages[i].label())
		}
		for _, name := range m.FloatInitializers() {
			if stats[name] {
				continue
			}
			in := false
			for i := range trained {
				in = in || stageInits[trained[i]][name]
			}
			if in || (!covered[name] && onPath[name]) {
				sr.Params = append(sr.Params, name)
			}
		}
		if len(sr.Params) == 0 {
			return nil, fmt.Errorf("analysis: stage %d (%s): no initializer to train", s+1, sr.Name)
		}
		for i, st := range opt.Stages {
			if isTrained[i] {
				continue
			}
			higherOnPath := false
			if i > trained[len(trained)-1] {
				for name := range stageInits[i] {
					higherOnPath = higherOnPath || onPath[name]
				}
			}
			if higherOnPath {
				continue
			}
			for _, node := range m.NodeNames("BatchNormalization") {
				for _, p := range st.Prefixes {
					if importer.MatchPrefix(node, p) {
						sr.Frozen = append(sr.Frozen, node)
						break
					}
				}
			}
		}
		md, err := New(m, output, sr.Params)
		if err != nil {
			return nil, fmt.Errorf("analysis: stage %d (%s): %w", s+1, sr.Name, err)
		}
		if err := md.GS.FreezeBatchNorm(sr.Frozen...); err != nil {
			return nil, fmt.Errorf("analysis: stage %d (%s): %w", s+1, sr.Name, err)
		}
		fo := opt.Fit
		fo.Seed = opt.Fit.Seed*1000 + uint64(s)
		fr, err := md.Fit(ds, fo)
		if err != nil {
			return nil, fmt.Errorf("analysis: stage %d (%s): %w", s+1, sr.Name, err)
		}
		res.InputNote = fr.InputNote
		sr.Steps, sr.Epochs = fr.Steps, fr.Epochs
		if n := len(fr.Epochs); n > 0 {
			e := fr.Epochs[n-1]
			sr.TrainLoss, sr.TestLoss, sr.TestAccuracy = e.TrainLoss, e.TestLoss, e.TestAccuracy
		}
		res.Steps += fr.Steps
		res.StepLoss = append(res.StepLoss, fr.StepLoss...)
		vals := map[string]*importer.Tensor{}
		for _, p := range md.GS.Params() {
			vals[p] = md.GS.Param(p)
		}
		for name, t := range md.GS.RunningStats() {
			vals[name] = t
		}
		if b, err = importer.ReplaceInitializers(b, vals, nil); err != nil {
			return nil, fmt.Errorf("analysis: stage %d (%s): %w", s+1, sr.Name, err)
		}
		if m, err = importer.LoadBytesWith(b, importer.LoadOptions{NoFold: true}); err != nil {
			return nil, fmt.Errorf("analysis: stage %d (%s): reloading the trained model: %w", s+1, sr.Name, err)
		}
		res.Stages = append(res.Stages, sr)
		if opt.AtStage != nil {
			if err := opt.AtStage(s, m); err != nil {
				return nil, fmt.Errorf("analysis: after stage %d (%s): %w", s+1, sr.Name, err)
			}
		}
	}
	res.Model = b
	return res, nil
}
