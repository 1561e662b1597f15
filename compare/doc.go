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
// "deepnet:PARAM:LxW[:aALPHA]", for the over-parameterisation presets),
// train/robust ("robust:net|ntk|linear[:METHOD-NORM]", "robust:poly:P",
// on "sparse-coding:SPEC" datasets, for the purification preset:
// purification.go), and "emulator:densenet" on the "lagfield" dataset
// (concept/lagfield) runs the feature-importance study of the
// feature-importance preset (featimp.go): the emulator trained in PyTorch
// (tools/train_emulator.py), imported, every attribution method of
// importer/analysis scored against the known truth, the
// model-randomisation check and integrated gradients' completeness, with
// importance-against-lag and -distance plots; "staged:MODE" on
// Fashion-MNIST (realbfc.go) trains a ResNet exported at random
// initialisation by tools/export_staged_resnet.py stage by stage in Go
// (analysis.StagedFit: e2e, layerwise, progressive, bfc-K), with test
// accuracy after each stage, linear CKA and the feature error of each
// lower stage between the end of its stage and the end of training, the
// conjugate kernel in kernel ridge regression and an onnxruntime check
// (the real-bfc preset).
// The report (report.md) and the plots (PNG, each with an SVG twin) are
// built from results.jsonl alone, so a merged set of shards gives the same
// report as an unsharded run.
//
// # Statistics and plots
//
// Every number over seeds is the median, with the interquartile range
// [Q1, Q3] and a percentile-bootstrap 95% confidence interval of the
// median (2,000 resamples, fixed seed: a report is a pure function of its
// results); separation ratios are ratios of medians. When a learner was
// run at several input dimensions d and sizes n (the scaling preset),
// the report gives n*(d), the smallest n whose median test error reaches
// 1e-2 (and 1e-1), and the least-squares slope of log n* against log d
// with a bootstrap interval that resamples the seeds of every cell.
// Plots draw medians with interquartile error bars, integer stage and K
// axes, the legend beside the data, one colour per learner across all
// plots of a report, and a bar chart where a concept was run at one n;
// every HNet learner gets a plot of each layer's feature error after
// each stage (layers-MODE.png), bfc-K learners one of the errors against
// K (backward-depth.png).
package compare
