package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/importer/analysis"
	"github.com/hierlearn/hierlearn/internal/atomicfile"
	"github.com/hierlearn/hierlearn/internal/version"
)

// stagedFitLog is the JSON log of `hierlearn fit --stages`.
type stagedFitLog struct {
	Format    string                 `json:"format"`
	Version   string                 `json:"version"`
	Config    fitConfig              `json:"config"`
	Stages    []analysis.StageResult `json:"stages"`
	InputNote string                 `json:"input_note,omitempty"`
	Steps     []fitStep              `json:"steps"`
	WallS     float64                `json:"wall_s"`
}

// runStagedFit is `hierlearn fit --stages ... --mode ...`: analysis.StagedFit
// with the command's optimizer settings, --epochs per stage.
func runStagedFit(w io.Writer, cfg fitConfig, out, logPath string, t0 time.Time) error {
	if cfg.Params != "" {
		return fmt.Errorf("--params and --stages: the stages choose what trains; give one of them")
	}
	if cfg.BN != "train" {
		return fmt.Errorf("--bn %s with --stages: staged training runs BatchNormalization in training mode (frozen stages keep theirs)", cfg.BN)
	}
	stages, err := analysis.ParseStages(cfg.Stages)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(cfg.Model)
	if err != nil {
		return fmt.Errorf("fit: %w", err)
	}
	ds, err := concept.LoadExamples(cfg.Train)
	if err != nil {
		return err
	}
	opt := analysis.StagedOptions{Mode: cfg.Mode, Stages: stages, Fit: analysis.FitOptions{Optimizer: cfg.Optimizer, LR: cfg.LR,
		Momentum: cfg.Momentum, WeightDecay: cfg.WeightDecay, Schedule: cfg.Schedule, Epochs: cfg.Epochs, MaxSteps: cfg.Steps,
		Batch: cfg.Batch, Seed: cfg.Seed}}
	if cfg.Test != "" {
		if opt.Fit.Test, err = concept.LoadExamples(cfg.Test); err != nil {
			return err
		}
	}
	if pw := progressWriter(); pw != nil {
		opt.Fit.Progress = fitProgress(pw)
	}
	res, err := analysis.StagedFit(b, ds, opt)
	if err != nil {
		return err
	}
	lg := stagedFitLog{Format: "hierlearn-fit-staged", Version: version.Full(), Config: cfg, Stages: res.Stages,
		InputNote: res.InputNote, WallS: time.Since(t0).Seconds()}
	for i, l := range res.StepLoss {
		lg.Steps = append(lg.Steps, fitStep{Step: i + 1, Loss: l})
	}
	lb, err := json.MarshalIndent(lg, "", " ")
	if err != nil {
		return err
	}
	cb, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	model, err := importer.ReplaceInitializers(res.Model, nil, map[string]string{"hierlearn.version": version.Full(), "hierlearn.fit": string(cb)})
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(logPath, append(lb, '\n')); err != nil {
		return fmt.Errorf("fit: writing %s: %w", logPath, err)
	}
	if err := atomicfile.WriteBytes(out, model); err != nil {
		return fmt.Errorf("fit: writing %s: %w", out, err)
	}
	if !global.quiet {
		for _, s := range res.Stages {
			fmt.Fprintf(w, "stage %d (%s): trained %v on %s, %d steps, training loss %.5g", s.Stage, s.Name, s.Trained, s.Output, s.Steps, s.TrainLoss)
			if cfg.Test != "" {
				fmt.Fprintf(w, ", test loss %.5g, test accuracy %.4f", s.TestLoss, s.TestAccuracy)
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s training, %d steps in %.1f s; wrote %s and %s\n", cfg.Mode, res.Steps, lg.WallS, out, logPath)
	}
	return nil
}
