package analysis

import (
	"fmt"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/errkind"
)

// examples serves a dataset's inputs in the model's input shape, one
// batch at a time, so that an adapted copy of the whole dataset is never
// held in memory.
type examples struct {
	x    []float32 // the dataset's rows, flattened
	d    int       // values per row
	out  int       // values per example of the model's input
	pad  [2]int    // image adaptation: rows and columns of zeros added on each side
	h, w int       // image adaptation: the dataset's image size
	c    int       // image adaptation: channels the grey image is copied to
	// Note says how the inputs are adapted ("" when they are used as
	// they are).
	Note string
}

// examplesFor prepares ds's inputs for md. They are used as they are
// when their per-example size is the model's; a grey image (h x w, as
// [h*w] with h = w, [h, w] or [1, h, w]) is adapted to a model input
// [C, H, W] with H >= h and W >= w by zero-padding it evenly on every side
// and copying it to each of the C channels (Fashion-MNIST's 28x28 for a
// CIFAR ResNet's 3x32x32). Any other mismatch is an error.
func (md *Model) examplesFor(ds *concept.Dataset) (*examples, error) {
	e := &examples{d: ds.D, out: md.Dim(), x: make([]float32, len(ds.X))}
	for i, v := range ds.X {
		e.x[i] = float32(v)
	}
	if ds.D == md.Dim() {
		return e, nil
	}
	h, w := greyImage(ds)
	if len(md.Shape) != 3 || h == 0 {
		return nil, errkind.Mark(ErrShape, fmt.Errorf("analysis: the data's examples are %v, the model's input %q takes %v, and the data is not a grey image that could be padded to it",
			ds.ExampleShape(), md.Input, md.Shape))
	}
	C, H, W := md.Shape[0], md.Shape[1], md.Shape[2]
	if H < h || W < w || (H-h)%2 != 0 || (W-w)%2 != 0 {
		return nil, errkind.Mark(ErrShape, fmt.Errorf("analysis: the data's %dx%d images cannot be padded evenly to the model's input %q of %v", h, w, md.Input, md.Shape))
	}
	e.h, e.w, e.c, e.pad = h, w, C, [2]int{(H - h) / 2, (W - w) / 2}
	e.Note = fmt.Sprintf("%dx%d grey images zero-padded by %d rows and %d columns on each side to %dx%d and copied to %d channel(s)",
		h, w, e.pad[0], e.pad[1], H, W, C)
	return e, nil
}

// greyImage returns the image size of ds's examples when they are one
// grey image each, else 0, 0.
func greyImage(ds *concept.Dataset) (h, w int) {
	s := ds.ExampleShape()
	switch {
	case len(s) == 3 && s[0] == 1:
		return s[1], s[2]
	case len(s) == 2:
		return s[0], s[1]
	case len(s) == 1:
		for k := 1; k*k <= s[0]; k++ {
			if k*k == s[0] {
				return k, k
			}
		}
	}
	return 0, 0
}

// batch writes the examples idx, in the model's input shape, to dst
// (len(idx) * e.out values).
func (e *examples) batch(idx []int, dst []float32) {
	for k, i := range idx {
		src, out := e.x[i*e.d:(i+1)*e.d], dst[k*e.out:(k+1)*e.out]
		if e.c == 0 {
			copy(out, src)
			continue
		}
		clear(out)
		H, W := e.h+2*e.pad[0], e.w+2*e.pad[1]
		for c := 0; c < e.c; c++ {
			for r := 0; r < e.h; r++ {
				copy(out[(c*H+r+e.pad[0])*W+e.pad[1]:], src[r*e.w:(r+1)*e.w])
			}
		}
	}
}
