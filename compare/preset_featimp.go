package compare

// featimpPreset: the feature-importance study of issue 16 on lagfield's
// default spec (16x16 grid, 6 lags, 3 channels, one a distractor): the
// emulator trained in PyTorch for 8 epochs on 2,000 examples, seeds 1-3
// (data, training and the randomised weights).
func featimpPreset() Config {
	return Config{Name: "feature-importance", Description: "Feature importance against a known ground truth (issue 16; after arXiv 2108.13203): " +
		"lagfield data (16x16 grid, 6 lags, channels with a_c = 1, -0.6 and a distractor 0; tau 2, ell 1.5, radius 3), " +
		"a DenseNet-style encoder-decoder emulator trained in PyTorch (tools/train_emulator.py, 8 epochs, n=2000) and imported; " +
		"saliency, gradient x input, integrated gradients, SmoothGrad, occlusion and permutation importance for the outputs at 3 points, " +
		"scored against the truth (Spearman rank correlation of the lag, distance, location and element profiles, top-k precision), " +
		"the model-randomisation check and integrated gradients' completeness; seeds 1-3.",
		Sweeps: []Sweep{{Experiment: "feature-importance", Dataset: LagField, Learners: []string{"emulator:densenet"},
			N: []int{2000}, Seeds: []uint64{1, 2, 3}, NTest: 500, Options: map[string]any{"epochs": 8.0}}},
	}
}
