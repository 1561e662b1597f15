package importer

// The numeric package routes gonum's blas32 through OpenBLAS when built
// with the `openblas` tag (pure-Go gonum otherwise); importing it is what
// makes Conv/Gemm/MatMul use it.
import _ "github.com/hierlearn/hierlearn/internal/numeric"
