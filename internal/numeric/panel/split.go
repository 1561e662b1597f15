package panel

import "sync"

// Split runs block over parts of an m×n product on up to workers
// goroutines and waits for them: the longer side of C is cut into one
// part per worker, each a whole number of mr-row or nr-column panels.
func Split(m, n, mr, nr, workers int, block func(i0, i1, j0, j1 int)) {
	var wg sync.WaitGroup
	if n >= m {
		parts := min(workers, (n+nr-1)/nr)
		step := ((n+parts-1)/parts + nr - 1) / nr * nr
		for j0 := 0; j0 < n; j0 += step {
			wg.Go(func() { block(0, m, j0, min(n, j0+step)) })
		}
	} else {
		parts := min(workers, (m+mr-1)/mr)
		step := ((m+parts-1)/parts + mr - 1) / mr * mr
		for i0 := 0; i0 < m; i0 += step {
			wg.Go(func() { block(i0, min(m, i0+step), 0, n) })
		}
	}
	wg.Wait()
}
