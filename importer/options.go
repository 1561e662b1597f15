package importer

import (
	"runtime"

	"github.com/hierlearn/hierlearn/internal/numeric/sgemm"
)

// SessionOptions selects among the kernels a Session may use. The zero
// value is the default: the fastest path the CPU offers. Every path
// computes the same operator semantics; the options exist to compare
// paths and to exercise each of them on any machine.
type SessionOptions struct {
	// BLASConv runs convolutions and Gemm through gonum's blas32
	// (OpenBLAS under the openblas build tag) even where the AVX-512 or
	// AVX2 kernels of internal/numeric/sgemm are available.
	BLASConv bool
	// NoShiftedConv turns off the im2col-free convolutions (shifted,
	// phase and pointwise): every convolution uses im2col and a GEMM.
	NoShiftedConv bool
	// NoWinograd turns off Winograd F(4×4, 3×3) for 3×3 stride-1
	// convolutions (so does HIERLEARN_WINOGRAD=0 in the environment):
	// they run as shifted GEMMs, summing the same products in another
	// order.
	NoWinograd bool
	// NoSplitGemm lets a multi-threaded BLAS parallelise each product
	// itself instead of splitting its columns over GOMAXPROCS goroutines
	// that each call a single-threaded BLAS. The default degrades
	// gracefully on a busy machine where OpenBLAS's spinning threads do
	// not; run OpenBLAS with one thread (OPENBLAS_NUM_THREADS=1, as
	// hierlearn's commands do) unless this is set.
	NoSplitGemm bool
}

// buildEnv is what an operator's build function may read beyond its node
// and inputs: the options of the session it plans for.
type buildEnv struct {
	opt      SessionOptions
	training bool            // GradSession.SetTraining: BatchNormalization uses batch statistics
	frozenBN map[string]bool // GradSession.FreezeBatchNorm: nodes that stay in inference form
}

// defaultEnv is the environment of load-time builds (constant folding,
// shape probes), whose kernels are never kept.
var defaultEnv = &buildEnv{}

// packed reports whether the sgemm kernels (the avx512 or avx2 kernel
// path) may be used.
func (e *buildEnv) packed() bool { return !e.opt.BLASConv && sgemm.Available() }

// workers is how many goroutines a kernel built now splits its products
// over: GOMAXPROCS, or 1 with NoSplitGemm.
func (e *buildEnv) workers() int {
	if e.opt.NoSplitGemm {
		return 1
	}
	return runtime.GOMAXPROCS(0)
}
