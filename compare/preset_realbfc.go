package compare

// realBFCPreset: issue 15's staged training of an imported network on
// real data. The network is a ResNet-8 (one basic block per stage) of
// widths 8, 16, 32 with a head per stage (tools/export_staged_resnet.py,
// PyTorch's initialisation, the cell's seed): on this project's 2-core
// machine a training step of batch 128 costs about 0.15 CPU-seconds
// there, against 1.2 for the ResNet-20 of `bench fit`, so that three
// modes of three seeds with three stages of two epochs over 10,000
// images (about 470 steps a cell) fit in the 30 minutes on two
// cores; the widths and depth are cell options (widths, blocks) for a
// larger run. Each stage trains two epochs of SGD (momentum 0.9, weight
// decay 5e-4, batch 128, peak 0.05, cosine to 0 within the stage); e2e
// trains the whole network on its own output in all three stages (three
// cosine cycles, the same steps). CKA and the feature error use the
// first 500 test images (never trained on); the conjugate kernel's ridge
// regression the first 4,000 training images of the cell.
func realBFCPreset() Config {
	return Config{Name: "real-bfc", Description: "Backward feature correction on real data (issue 15): a CIFAR-style ResNet-8 " +
		"(widths 8, 16, 32, a head per stage; tools/export_staged_resnet.py at PyTorch's initialisation) trained in Go on " +
		"10,000 Fashion-MNIST images padded to 32x32, end to end, layerwise and progressively (three stages of two epochs, SGD " +
		"with momentum, cosine per stage); test accuracy after each stage (5,000 test images), linear CKA and the feature error of " +
		"each lower stage's output between the end of its own stage and the end of training (500 held-out images), and the " +
		"conjugate kernel of each trained network (linear kernel ridge on its penultimate features, 4,000 training images); seeds 1-3.",
		Sweeps: []Sweep{{Experiment: "real-bfc", Dataset: FashionMNIST,
			Learners: []string{"staged:e2e", "staged:layerwise", "staged:progressive"},
			N:        []int{10000}, Seeds: []uint64{1, 2, 3}, NTest: 5000}},
	}
}
