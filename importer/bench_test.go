package importer_test

import (
	"os"
	"testing"

	"github.com/hierlearn/hierlearn/importer"
)

// BenchmarkRun times Session.Run on the model named by $HIERLEARN_BENCH_MODEL
// with input shape Bx3xSxS (S from $HIERLEARN_BENCH_SIZE, 32 or default 224;
// B from $HIERLEARN_BENCH_BATCH, 8 or default 1; $HIERLEARN_SPLIT_GEMM=0
// lets the BLAS thread instead of the importer; $HIERLEARN_SHIFTED=0
// turns the im2col-free convolutions off).
func BenchmarkRun(b *testing.B) {
	path := os.Getenv("HIERLEARN_BENCH_MODEL")
	if path == "" {
		b.Skip("set HIERLEARN_BENCH_MODEL to an exported model")
	}
	size := 224
	if os.Getenv("HIERLEARN_BENCH_SIZE") == "32" {
		size = 32
	}
	m, err := importer.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	s := importer.NewSessionWith(m, importer.SessionOptions{
		NoShiftedConv: os.Getenv("HIERLEARN_SHIFTED") == "0",
		NoSplitGemm:   os.Getenv("HIERLEARN_SPLIT_GEMM") == "0",
	})
	batch := 1
	if os.Getenv("HIERLEARN_BENCH_BATCH") == "8" {
		batch = 8
	}
	in := map[string]*importer.Tensor{m.Inputs[0].Name: randInput(1, batch, 3, size, size)}
	if _, err := s.Run(in); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Run(in); err != nil {
			b.Fatal(err)
		}
	}
}
