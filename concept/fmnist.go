package concept

import (
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hierlearn/hierlearn/internal/version"
)

// DefaultFashionMNISTDir is where Debian's dataset-fashion-mnist package
// puts the IDX files.
const DefaultFashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// FashionMNISTEnv names the environment variable that overrides the
// default directory.
const FashionMNISTEnv = "HIERLEARN_FASHION_MNIST"

// ErrIDX is wrapped by every error about a malformed IDX file.
var ErrIDX = errors.New("bad IDX file")

// FashionMNISTDir returns the directory LoadFashionMNIST("") reads: the
// value of HIERLEARN_FASHION_MNIST if set, else DefaultFashionMNISTDir.
func FashionMNISTDir() string {
	if d := os.Getenv(FashionMNISTEnv); d != "" {
		return d
	}
	return DefaultFashionMNISTDir
}

// maxIDXBytes bounds the decompressed size of one IDX file (1 GiB).
const maxIDXBytes = 1 << 30

// LoadFashionMNIST reads train-{images,labels} and t10k-{images,labels}
// (IDX, gzip-compressed, names ending in -idx3-ubyte.gz / -idx1-ubyte.gz)
// from dir (FashionMNISTDir() when dir is ""). X holds the pixels scaled
// to [0, 1] (byte/255), one 784-value row per image, Labels the classes
// 0..9; Task is multiclass.
func LoadFashionMNIST(dir string) (train, test *Dataset, err error) {
	if dir == "" {
		dir = FashionMNISTDir()
	}
	train, err = loadIDXPair(dir, "train")
	if err != nil {
		return nil, nil, err
	}
	test, err = loadIDXPair(dir, "t10k")
	if err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

func loadIDXPair(dir, prefix string) (*Dataset, error) {
	imgPath := filepath.Join(dir, prefix+"-images-idx3-ubyte.gz")
	labPath := filepath.Join(dir, prefix+"-labels-idx1-ubyte.gz")
	img, idims, err := readIDXFile(imgPath)
	if err != nil {
		return nil, err
	}
	lab, ldims, err := readIDXFile(labPath)
	if err != nil {
		return nil, err
	}
	if len(idims) != 3 {
		return nil, fmt.Errorf("%s: %w: %d dimensions, want 3 (images x rows x cols)", imgPath, ErrIDX, len(idims))
	}
	if len(ldims) != 1 {
		return nil, fmt.Errorf("%s: %w: %d dimensions, want 1 (labels)", labPath, ErrIDX, len(ldims))
	}
	if idims[0] != ldims[0] {
		return nil, fmt.Errorf("%s has %d images but %s has %d labels", imgPath, idims[0], labPath, ldims[0])
	}
	n, d := idims[0], idims[1]*idims[2]
	if n == 0 || d == 0 {
		return nil, fmt.Errorf("%s: %w: empty (%v)", imgPath, ErrIDX, idims)
	}
	ds := &Dataset{Task: TaskMulticlass, N: n, D: d, X: make([]float64, n*d), Labels: make([]int64, n)}
	for i, b := range img {
		ds.X[i] = float64(b) / 255
	}
	for i, b := range lab {
		if b > 9 {
			return nil, fmt.Errorf("%s: %w: label %d of row %d is not in 0..9", labPath, ErrIDX, b, i)
		}
		ds.Labels[i] = int64(b)
	}
	ds.Meta = map[string]any{
		"source":  "fashion-mnist",
		"split":   map[string]string{"train": "train", "t10k": "test"}[prefix],
		"files":   []string{imgPath, labPath},
		"image":   []int{idims[1], idims[2]},
		"scaling": "x = pixel/255",
		"classes": 10,
		"version": version.Full(),
	}
	return ds, nil
}

// readIDXFile reads one gzip-compressed IDX file of unsigned bytes.
func readIDXFile(path string) (data []byte, dims []int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("fashion-mnist: %w (install dataset-fashion-mnist, or set %s / --dir)", err, FashionMNISTEnv)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w: not gzip: %w", path, ErrIDX, err)
	}
	data, dims, err = DecodeIDX(io.LimitReader(zr, maxIDXBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, dims, nil
}

// DecodeIDX reads an uncompressed IDX stream of unsigned bytes (type code
// 0x08): the magic 0 0 8 ndim, ndim big-endian uint32 dimensions, then the
// data, which must fill the dimensions exactly.
func DecodeIDX(r io.Reader) (data []byte, dims []int, err error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, nil, fmt.Errorf("%w: truncated header: %w", ErrIDX, err)
	}
	if hdr[0] != 0 || hdr[1] != 0 {
		return nil, nil, fmt.Errorf("%w: bad magic % x", ErrIDX, hdr)
	}
	if hdr[2] != 0x08 {
		return nil, nil, fmt.Errorf("%w: element type 0x%02x, want 0x08 (unsigned byte)", ErrIDX, hdr[2])
	}
	nd := int(hdr[3])
	if nd < 1 || nd > 4 {
		return nil, nil, fmt.Errorf("%w: %d dimensions", ErrIDX, nd)
	}
	total := 1
	for range nd {
		var v uint32
		if err := binary.Read(r, binary.BigEndian, &v); err != nil {
			return nil, nil, fmt.Errorf("%w: truncated dimensions: %w", ErrIDX, err)
		}
		if v > maxIDXBytes || (v > 0 && total > maxIDXBytes/int(v)) {
			return nil, nil, fmt.Errorf("%w: dimensions too large", ErrIDX)
		}
		total *= int(v)
		dims = append(dims, int(v))
	}
	data, err = io.ReadAll(io.LimitReader(r, int64(total)+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrIDX, err)
	}
	if len(data) != total {
		return nil, nil, fmt.Errorf("%w: dimensions %v need %d bytes of data, found %d", ErrIDX, dims, total, len(data))
	}
	return data, dims, nil
}
