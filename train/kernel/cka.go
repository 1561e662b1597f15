package kernel

import (
	"fmt"
	"math"

	"github.com/hierlearn/hierlearn/internal/errkind"
)

// LinearCKA is the linear centred kernel alignment of two
// representations of the same n examples (Kornblith et al., "Similarity
// of Neural Network Representations Revisited", ICML 2019): with x (n x
// p) and y (n x q) and their Gram matrices K = x xᵀ, L = y yᵀ, and H = I -
// 11ᵀ/n the centring matrix,
//
//	CKA(x, y) = <HKH, HLH>_F / (||HKH||_F ||HLH||_F),
//
// which equals ||ỹᵀx̃||²_F / (||x̃ᵀx̃||_F ||ỹᵀỹ||_F) for the column-centred
// x̃, ỹ. It lies in [0, 1], is 1 for identical representations and is
// invariant to orthogonal transforms and isotropic scaling of either
// (not to arbitrary invertible linear maps). It is computed from the
// n x n Grams, so p and q may be large (flattened convolutional
// features). A representation that is constant over the examples has no
// centred variance: an error, as are shapes that do not match.
func LinearCKA(x, y Matrix) (float64, error) {
	if err := x.Check("CKA x"); err != nil {
		return 0, err
	}
	if err := y.Check("CKA y"); err != nil {
		return 0, err
	}
	if x.Rows != y.Rows || x.Rows < 2 {
		return 0, errkind.Mark(ErrShape, fmt.Errorf("kernel: CKA of %d and %d examples: want the same number, at least 2", x.Rows, y.Rows))
	}
	n := x.Rows
	k, l := make([]float64, n*n), make([]float64, n*n)
	gemmNT(x, x, k)
	gemmNT(y, y, l)
	return GramCKA(k, l, n)
}

// GramCKA is LinearCKA from the n x n Gram matrices k and l (row-major,
// symmetric; any kernel's Grams give that kernel's CKA), which it
// centres in place.
func GramCKA(k, l []float64, n int) (float64, error) {
	if n < 2 || len(k) != n*n || len(l) != n*n {
		return 0, errkind.Mark(ErrShape, fmt.Errorf("kernel: CKA of Grams with %d and %d entries for %d examples", len(k), len(l), n))
	}
	center(k, n)
	center(l, n)
	var kl, kk, ll float64
	for i := range k {
		kl += k[i] * l[i]
		kk += k[i] * k[i]
		ll += l[i] * l[i]
	}
	if !(kk > 0) || !(ll > 0) {
		return 0, fmt.Errorf("kernel: CKA: a representation is constant over the %d examples (centred Gram norms %.3g and %.3g)", n, math.Sqrt(kk), math.Sqrt(ll))
	}
	return kl / math.Sqrt(kk*ll), nil
}

// center replaces the symmetric n x n matrix k by HkH: each entry less
// its row and column means, plus the grand mean.
func center(k []float64, n int) {
	mean := make([]float64, n)
	var all float64
	for i := 0; i < n; i++ {
		var s float64
		for _, v := range k[i*n : (i+1)*n] {
			s += v
		}
		mean[i] = s / float64(n)
		all += s
	}
	all /= float64(n * n)
	for i := 0; i < n; i++ {
		row := k[i*n : (i+1)*n]
		for j := range row {
			row[j] += all - mean[i] - mean[j]
		}
	}
}
