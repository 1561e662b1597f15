package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/hierlearn/hierlearn/internal/atomicfile"
)

// ErrFormat is wrapped by every error about malformed input.
var ErrFormat = errors.New("npy: malformed data")

const magic = "\x93NUMPY"

// maxHeader bounds the header length accepted on reading.
const maxHeader = 1 << 20

// maxElements bounds the element count of a decoded array (8 GiB of float64).
const maxElements = 1 << 30

// Write encodes a as a version 1.0 .npy stream (2.0 when the header needs it).
func Write(w io.Writer, a *Array) error {
	if a.DType.descr() == "" {
		return fmt.Errorf("npy: cannot write dtype %v", a.DType)
	}
	if Size(a.Shape) != a.Len() {
		return fmt.Errorf("npy: %d elements do not fill shape %v", a.Len(), a.Shape)
	}
	var sh strings.Builder
	sh.WriteByte('(')
	for i, s := range a.Shape {
		if i > 0 {
			sh.WriteString(", ")
		}
		sh.WriteString(strconv.Itoa(s))
	}
	if len(a.Shape) == 1 {
		sh.WriteByte(',')
	}
	sh.WriteByte(')')
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", a.DType.descr(), sh.String())
	// Pad so that magic + version + len + dict + '\n' is a multiple of 64.
	ver := byte(1)
	pre := len(magic) + 2 + 2
	if len(dict)+1+pre > 65535 {
		ver = 2
		pre = len(magic) + 2 + 4
	}
	total := pre + len(dict) + 1
	pad := (64 - total%64) % 64
	hdr := dict + strings.Repeat(" ", pad) + "\n"
	var buf bytes.Buffer
	buf.WriteString(magic)
	buf.WriteByte(ver)
	buf.WriteByte(0)
	if ver == 1 {
		binary.Write(&buf, binary.LittleEndian, uint16(len(hdr)))
	} else {
		binary.Write(&buf, binary.LittleEndian, uint32(len(hdr)))
	}
	buf.WriteString(hdr)
	if _, err := w.Write(buf.Bytes()); err != nil {
		return err
	}
	var data []byte
	switch a.DType {
	case Float32:
		data = make([]byte, 4*len(a.F32))
		for i, v := range a.F32 {
			binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(v))
		}
	case Float64:
		data = make([]byte, 8*len(a.F64))
		for i, v := range a.F64 {
			binary.LittleEndian.PutUint64(data[8*i:], math.Float64bits(v))
		}
	case Int64:
		data = make([]byte, 8*len(a.I64))
		for i, v := range a.I64 {
			binary.LittleEndian.PutUint64(data[8*i:], uint64(v))
		}
	case Uint8:
		data = a.U8
	}
	_, err := w.Write(data)
	return err
}

// WriteFile writes a to path atomically.
func WriteFile(path string, a *Array) error {
	return atomicfile.Write(path, func(w io.Writer) error { return Write(w, a) })
}

// ReadFile reads one .npy file.
func ReadFile(path string) (*Array, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	a, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// Read decodes one .npy stream, reading at most what the header announces.
func Read(r io.Reader) (*Array, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return Decode(b)
}

var (
	reDescr   = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	reFortran = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	reShape   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}

// Decode parses a complete .npy byte slice.
func Decode(b []byte) (*Array, error) {
	if len(b) < len(magic)+4 || string(b[:len(magic)]) != magic {
		return nil, formatErr("not a .npy file (bad magic)")
	}
	major := b[len(magic)]
	var hlen, off int
	switch major {
	case 1:
		hlen = int(binary.LittleEndian.Uint16(b[len(magic)+2:]))
		off = len(magic) + 4
	case 2, 3:
		if len(b) < len(magic)+6 {
			return nil, formatErr("truncated header")
		}
		h := binary.LittleEndian.Uint32(b[len(magic)+2:])
		if h > maxHeader {
			return nil, formatErr("header length %d too large", h)
		}
		hlen = int(h)
		off = len(magic) + 6
	default:
		return nil, formatErr("unsupported format version %d", major)
	}
	if off+hlen > len(b) {
		return nil, formatErr("header of %d bytes runs past the end of %d bytes", hlen, len(b))
	}
	hdr := string(b[off : off+hlen])
	data := b[off+hlen:]

	m := reDescr.FindStringSubmatch(hdr)
	if m == nil {
		return nil, formatErr("header has no descr: %q", hdr)
	}
	descr := m[1]
	if f := reFortran.FindStringSubmatch(hdr); f == nil {
		return nil, formatErr("header has no fortran_order")
	} else if f[1] == "True" {
		return nil, formatErr("Fortran-order arrays are not supported; save with np.ascontiguousarray")
	}
	s := reShape.FindStringSubmatch(hdr)
	if s == nil {
		return nil, formatErr("header has no shape")
	}
	shape := []int{}
	n := 1
	for _, part := range strings.Split(s[1], ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		part = strings.TrimSuffix(part, "L")
		v, err := strconv.Atoi(part)
		if err != nil || v < 0 {
			return nil, formatErr("bad dimension %q in shape", part)
		}
		if v > 0 && n > maxElements/v {
			return nil, formatErr("shape (%s) has more than %d elements", s[1], maxElements)
		}
		n *= v
		shape = append(shape, v)
	}

	var width int
	switch strings.TrimLeft(descr, "<|=") {
	case "f4", "i4", "u4":
		width = 4
	case "f8", "i8", "u8":
		width = 8
	case "u1", "i1", "b1":
		width = 1
	case "f2", "i2", "u2":
		width = 2
	default:
		return nil, formatErr("unsupported dtype %q", descr)
	}
	if strings.HasPrefix(descr, ">") {
		return nil, formatErr("big-endian dtype %q is not supported", descr)
	}
	if len(data) != n*width {
		return nil, formatErr("shape %v of %s needs %d data bytes, file has %d", shape, descr, n*width, len(data))
	}
	kind := strings.TrimLeft(descr, "<|=")
	a := &Array{Shape: shape}
	switch kind {
	case "f4":
		a.DType = Float32
		a.F32 = make([]float32, n)
		for i := range a.F32 {
			a.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
	case "f8":
		a.DType = Float64
		a.F64 = make([]float64, n)
		for i := range a.F64 {
			a.F64[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
		}
	case "u1":
		a.DType = Uint8
		a.U8 = append([]byte{}, data...)
	case "f2":
		a.DType = Float32
		a.F32 = make([]float32, n)
		for i := range a.F32 {
			a.F32[i] = halfToFloat(binary.LittleEndian.Uint16(data[2*i:]))
		}
	default:
		a.DType = Int64
		a.I64 = make([]int64, n)
		for i := range a.I64 {
			p := data[i*width:]
			switch kind {
			case "i8":
				a.I64[i] = int64(binary.LittleEndian.Uint64(p))
			case "u8":
				u := binary.LittleEndian.Uint64(p)
				if u > math.MaxInt64 {
					return nil, formatErr("uint64 value %d overflows int64", u)
				}
				a.I64[i] = int64(u)
			case "i4":
				a.I64[i] = int64(int32(binary.LittleEndian.Uint32(p)))
			case "u4":
				a.I64[i] = int64(binary.LittleEndian.Uint32(p))
			case "i2":
				a.I64[i] = int64(int16(binary.LittleEndian.Uint16(p)))
			case "u2":
				a.I64[i] = int64(binary.LittleEndian.Uint16(p))
			case "i1":
				a.I64[i] = int64(int8(p[0]))
			case "b1":
				a.I64[i] = int64(p[0])
			}
		}
	}
	return a, nil
}

func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0:
		v := float32(frac) / 1024 / 16384
		if sign != 0 {
			v = -v
		}
		return v
	case exp == 31:
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	}
	return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
}
