package kernel

import (
	"fmt"
	"math"

	"github.com/hierlearn/hierlearn/internal/errkind"
)

// Matrix is a dense row-major float64 matrix: element (i, j) is
// Data[i*Cols+j]. Data points are rows.
type Matrix struct {
	Rows, Cols int
	Data       []float64
}

// NewMatrix returns a zeroed rows×cols matrix.
func NewMatrix(rows, cols int) Matrix {
	return Matrix{Rows: rows, Cols: cols, Data: make([]float64, rows*cols)}
}

// Row returns row i (aliasing Data).
func (m Matrix) Row(i int) []float64 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// SliceRows returns rows [i, j) (aliasing Data).
func (m Matrix) SliceRows(i, j int) Matrix {
	return Matrix{Rows: j - i, Cols: m.Cols, Data: m.Data[i*m.Cols : j*m.Cols]}
}

// Check returns an error naming what if m's shape is inconsistent or it
// holds a NaN or an infinity.
func (m Matrix) Check(what string) error {
	if m.Rows < 0 || m.Cols < 0 || len(m.Data) != m.Rows*m.Cols {
		return errkind.Mark(ErrShape, fmt.Errorf("%s: %d values for a %d×%d matrix", what, len(m.Data), m.Rows, m.Cols))
	}
	for i, v := range m.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s: non-finite value %v at row %d, column %d", what, v, i/max(m.Cols, 1), i%max(m.Cols, 1))
		}
	}
	return nil
}
