// Package compare runs experiments that put hierlearn's learners, the
// kernel baselines and imported models side by side on the same data, and
// writes one report.
//
//	p, err := compare.Preset("quick")
//	sum, err := compare.Run(ctx, p, "out", compare.Options{})
//	err = compare.Report("out") // out/report.md and the plots
//
// # Design
//
// An experiment is a Plan: a list of Cells. A Cell is one fit: a learner
// (for example "hnet:progressive", "mlp", "kernel:ntk:2"), a concept spec,
// a training-set size n and a seed. Cells are independent, so a plan can
// be cut into shards (--shard i/N takes every cell whose index is i mod N)
// and run on many machines; `compare merge` joins the shards' results.
//
// Results go to DIR/results.jsonl, one JSON object per finished cell,
// appended and synced as each cell finishes. A run that starts in a
// directory with results skips every cell whose key is already there, so
// an interrupted or failed sweep resumes where it stopped and never
// recomputes a finished cell. A cell that fails is recorded with its error
// and does not stop the others; failed cells are retried on the next run.
//
// Learners are plugged in as Runners keyed by the learner's family (the
// text before the first colon); the default registry wires in train (HNet,
// MLP), train/kernel (every kernel) and train/deepnet (deep ReLU networks,
// "deepnet:PARAM:LxW[:aALPHA]", for the over-parameterisation presets). The report (report.md) and PNG
// plots are built from results.jsonl alone, so a merged set of shards
// gives the same report as an unsharded run.
package compare
