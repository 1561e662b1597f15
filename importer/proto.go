package importer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// maxElems bounds the element count of any one tensor (2^31-1, 8 GiB of
// float32, and the largest count an int holds on 32-bit platforms):
// declared shapes beyond it are rejected before allocating.
const maxElems = math.MaxInt32

// checkedNumel multiplies dims, rejecting negative dims and products over
// maxElems without overflowing.
func checkedNumel(dims []int64) (int, error) {
	n := int64(1)
	for _, d := range dims {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension %d in %v", d, dims)
		}
		if d != 0 && n > maxElems/d {
			return 0, fmt.Errorf("shape %v has more than %d elements", dims, int64(maxElems))
		}
		n *= d
	}
	return int(n), nil
}

// dtypeOf maps an ONNX element type to ours. INT32 tensors are widened to
// int64 (they only appear as indices and shapes in the models we target);
// FLOAT16 and BFLOAT16 ones to float32, in which they are computed (a
// Cast to them rounds to their precision). DOUBLE tensors hold their bits
// in int64 (f64.go); UINT8, INT8, UINT16 and INT16 are held in int64
// (narrowint.go).
func dtypeOf(elem int32) (DType, error) {
	switch onnxpb.TensorProto_DataType(elem) {
	case onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_FLOAT16, onnxpb.TensorProto_BFLOAT16:
		return Float32, nil // 16-bit floats are widened at the boundary
	case onnxpb.TensorProto_DOUBLE:
		return Float64, nil // its bits held in int64 (f64.go)
	case onnxpb.TensorProto_INT64, onnxpb.TensorProto_INT32:
		return Int64, nil
	case onnxpb.TensorProto_BOOL:
		return Bool, nil
	case onnxpb.TensorProto_UINT8, onnxpb.TensorProto_INT8, onnxpb.TensorProto_UINT16, onnxpb.TensorProto_INT16:
		return DType(elem), nil // quantized data, held in int64 (narrowint.go)
	}
	name := onnxpb.TensorProto_DataType_name[elem]
	if name == "" {
		name = strconv.Itoa(int(elem))
	}
	return 0, fmt.Errorf("%w element type %s (float32, float64, float16, bfloat16, int64, int32, int16, uint16, int8, uint8 and bool are supported)", ErrUnsupported, name)
}

// tensorFromProto decodes an initializer or attribute tensor. dir is the
// model's directory for external data ("" forbids external data).
func tensorFromProto(tp *onnxpb.TensorProto, dir string) (*Tensor, error) {
	name := tp.GetName()
	wrap := func(err error) error { return fmt.Errorf("tensor %q: %w", name, err) }
	elem := tp.GetDataType()
	dt, err := dtypeOf(elem)
	if err != nil {
		return nil, wrap(err)
	}
	n, err := checkedNumel(tp.GetDims())
	if err != nil {
		return nil, wrap(err)
	}
	shape := make([]int, len(tp.GetDims()))
	for i, d := range tp.GetDims() {
		shape[i] = int(d)
	}
	if tp.Segment != nil {
		return nil, wrap(errors.New("segmented tensors are not supported"))
	}
	raw := tp.GetRawData()
	if tp.GetDataLocation() == onnxpb.TensorProto_EXTERNAL {
		raw, err = readExternal(tp, dir, n*elemSize(elem))
		if err != nil {
			return nil, wrap(err)
		}
	}
	t := &Tensor{DType: dt, Shape: shape}
	et := onnxpb.TensorProto_DataType(elem)
	if raw != nil || tp.GetDataLocation() == onnxpb.TensorProto_EXTERNAL {
		w := elemSize(elem)
		if len(raw) != n*w {
			return nil, wrap(fmt.Errorf("raw data has %d bytes, shape %v needs %d", len(raw), shape, n*w))
		}
		switch et {
		case onnxpb.TensorProto_FLOAT:
			t.F = make([]float32, n)
			for i := range t.F {
				t.F[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
		case onnxpb.TensorProto_FLOAT16, onnxpb.TensorProto_BFLOAT16:
			t.F = make([]float32, n)
			for i := range t.F {
				t.F[i] = float16At(et, binary.LittleEndian.Uint16(raw[2*i:]))
			}
		case onnxpb.TensorProto_DOUBLE:
			t.I = make([]int64, n)
			for i := range t.I {
				t.I[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
			}
		case onnxpb.TensorProto_INT64:
			t.I = make([]int64, n)
			for i := range t.I {
				t.I[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
			}
		case onnxpb.TensorProto_INT32:
			t.I = make([]int64, n)
			for i := range t.I {
				t.I[i] = int64(int32(binary.LittleEndian.Uint32(raw[4*i:])))
			}
		case onnxpb.TensorProto_BOOL:
			t.I = make([]int64, n)
			for i := range t.I {
				if raw[i] != 0 {
					t.I[i] = 1
				}
			}
		default: // the narrow integers
			t.I = narrowFromRaw(dt, raw, n)
		}
		return t, nil
	}
	var have int
	switch et {
	case onnxpb.TensorProto_FLOAT:
		have = len(tp.GetFloatData())
		if have == n {
			t.F = append([]float32{}, tp.GetFloatData()...)
		}
	case onnxpb.TensorProto_DOUBLE:
		have = len(tp.GetDoubleData())
		if have == n {
			t.I = make([]int64, n)
			for i, v := range tp.GetDoubleData() {
				t.I[i] = f64bits(v)
			}
		}
	case onnxpb.TensorProto_INT64:
		have = len(tp.GetInt64Data())
		if have == n {
			t.I = append([]int64{}, tp.GetInt64Data()...)
		}
	case onnxpb.TensorProto_FLOAT16, onnxpb.TensorProto_BFLOAT16:
		have = len(tp.GetInt32Data()) // the 16 bits of each value
		if have == n {
			t.F = make([]float32, n)
			for i, v := range tp.GetInt32Data() {
				t.F[i] = float16At(et, uint16(v))
			}
		}
	case onnxpb.TensorProto_UINT8, onnxpb.TensorProto_INT8, onnxpb.TensorProto_UINT16, onnxpb.TensorProto_INT16:
		have = len(tp.GetInt32Data()) // one value each, sign- or zero-extended
		if have == n {
			t.I = make([]int64, n)
			for i, v := range tp.GetInt32Data() {
				t.I[i] = wrapInt(dt, int64(v))
			}
		}
	case onnxpb.TensorProto_INT32, onnxpb.TensorProto_BOOL:
		have = len(tp.GetInt32Data())
		if have == n {
			t.I = make([]int64, n)
			for i, v := range tp.GetInt32Data() {
				t.I[i] = int64(v)
				if et == onnxpb.TensorProto_BOOL && v != 0 {
					t.I[i] = 1
				}
			}
		}
	}
	if have != n {
		return nil, wrap(fmt.Errorf("has %d values, shape %v needs %d", have, shape, n))
	}
	return t, nil
}

func elemSize(elem int32) int {
	switch onnxpb.TensorProto_DataType(elem) {
	case onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_INT32:
		return 4
	case onnxpb.TensorProto_INT64, onnxpb.TensorProto_DOUBLE:
		return 8
	case onnxpb.TensorProto_BOOL, onnxpb.TensorProto_UINT8, onnxpb.TensorProto_INT8:
		return 1
	case onnxpb.TensorProto_UINT16, onnxpb.TensorProto_INT16:
		return 2
	case onnxpb.TensorProto_FLOAT16, onnxpb.TensorProto_BFLOAT16:
		return 2
	}
	return 0
}

// float16At decodes the bits of a FLOAT16 or BFLOAT16 value.
func float16At(et onnxpb.TensorProto_DataType, h uint16) float32 {
	if et == onnxpb.TensorProto_BFLOAT16 {
		return math.Float32frombits(uint32(h) << 16)
	}
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // inf, NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: frac·2^-24
		v := float32(frac) / (1 << 24)
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
}

// roundFloat16 rounds v to the nearest FLOAT16 (ties to even; overflow
// to infinity), as a Cast to FLOAT16 does.
func roundFloat16(v float32) float32 {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) || f == 0 {
		return v
	}
	a := math.Abs(f)
	if a >= 65520 { // past the largest half (65504) plus half an ulp
		return float32(math.Copysign(math.Inf(1), f))
	}
	_, e := math.Frexp(a)                 // a = m·2^e, m in [0.5, 1)
	step := math.Ldexp(1, max(e-11, -24)) // the half's ulp at a
	return float32(math.Copysign(math.RoundToEven(a/step)*step, f))
}

// roundBFloat16 rounds v to the nearest BFLOAT16 (ties to even).
func roundBFloat16(v float32) float32 {
	b := math.Float32bits(v)
	if v != v {
		return v
	}
	b += 0x7fff + (b>>16)&1
	return math.Float32frombits(b &^ 0xffff)
}

// readExternal reads the bytes of a tensor stored outside the model file.
// The location must be a relative path inside dir (no "..", no absolute
// path, no symlink escaping it), and the declared length must equal want.
func readExternal(tp *onnxpb.TensorProto, dir string, want int) ([]byte, error) {
	if dir == "" {
		return nil, errors.New("external data needs the model's directory (use Load, not LoadBytes)")
	}
	var loc string
	var off, length int64 = 0, -1
	for _, kv := range tp.GetExternalData() {
		switch kv.GetKey() {
		case "location":
			loc = kv.GetValue()
		case "offset", "length":
			v, err := strconv.ParseInt(kv.GetValue(), 10, 64)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("external data %s %q is not a non-negative integer", kv.GetKey(), kv.GetValue())
			}
			if kv.GetKey() == "offset" {
				off = v
			} else {
				length = v
			}
		}
	}
	if loc == "" {
		return nil, errors.New("external data without a location")
	}
	if filepath.IsAbs(loc) || strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, `\`) {
		return nil, fmt.Errorf("external data location %q is absolute; it must lie in the model directory", loc)
	}
	clean := filepath.Clean(filepath.FromSlash(loc))
	if clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("external data location %q leaves the model directory", loc)
	}
	path := filepath.Join(dir, clean)
	absDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("external data: %w", err)
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, fmt.Errorf("external data: %w", err)
	}
	if rel, err := filepath.Rel(absDir, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("external data location %q resolves outside the model directory", loc)
	}
	if length < 0 {
		length = int64(want)
	}
	if length != int64(want) {
		return nil, fmt.Errorf("external data length %d, shape needs %d bytes", length, want)
	}
	f, err := os.Open(real)
	if err != nil {
		return nil, fmt.Errorf("external data: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("external data: %w", err)
	}
	if off > st.Size() || length > st.Size()-off {
		return nil, fmt.Errorf("external data %q: bytes %d..%d requested, file has %d", loc, off, off+length, st.Size())
	}
	buf := make([]byte, length)
	if _, err := f.ReadAt(buf, off); err != nil && !(errors.Is(err, io.EOF) && length == 0) {
		return nil, fmt.Errorf("external data %q: %w", loc, err)
	}
	return buf, nil
}
