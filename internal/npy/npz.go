package npy

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/hierlearn/hierlearn/internal/atomicfile"
)

// Archive is the content of an .npz file: named arrays, in file order.
type Archive struct {
	Names  []string
	Arrays map[string]*Array
}

// NewArchive returns an empty archive.
func NewArchive() *Archive { return &Archive{Arrays: map[string]*Array{}} }

// Add appends a named array, replacing one of the same name.
func (z *Archive) Add(name string, a *Array) {
	if _, ok := z.Arrays[name]; !ok {
		z.Names = append(z.Names, name)
	}
	z.Arrays[name] = a
}

// Get returns the named array or an error that lists the names present.
func (z *Archive) Get(name string) (*Array, error) {
	a, ok := z.Arrays[name]
	if !ok {
		names := append([]string(nil), z.Names...)
		sort.Strings(names)
		return nil, fmt.Errorf("no array %q (arrays present: %s)", name, strings.Join(names, ", "))
	}
	return a, nil
}

// fixedTime is the modification time of every member, for reproducible bytes.
var fixedTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// WriteArchive encodes z as an uncompressed .npz.
func WriteArchive(w io.Writer, z *Archive) error {
	zw := zip.NewWriter(w)
	for _, name := range z.Names {
		hdr := &zip.FileHeader{Name: name + ".npy", Method: zip.Store, Modified: fixedTime}
		f, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		if err := Write(f, z.Arrays[name]); err != nil {
			return fmt.Errorf("array %q: %w", name, err)
		}
	}
	return zw.Close()
}

// WriteNPZ writes z to path atomically.
func WriteNPZ(path string, z *Archive) error {
	return atomicfile.Write(path, func(w io.Writer) error { return WriteArchive(w, z) })
}

// maxMember bounds the uncompressed size of one member (16 GiB).
const maxMember = 1 << 34

// DecodeArchive parses a complete .npz byte slice.
func DecodeArchive(b []byte) (*Archive, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, formatErr("not an .npz archive: %v", err)
	}
	z := NewArchive()
	for _, f := range zr.File {
		name := strings.TrimSuffix(f.Name, ".npy")
		if f.UncompressedSize64 > maxMember {
			return nil, formatErr("member %q declares %d bytes", f.Name, f.UncompressedSize64)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, formatErr("member %q: %v", f.Name, err)
		}
		data, err := io.ReadAll(io.LimitReader(rc, int64(f.UncompressedSize64)+1))
		rc.Close()
		if err != nil {
			return nil, formatErr("member %q: %v", f.Name, err)
		}
		a, err := Decode(data)
		if err != nil {
			return nil, fmt.Errorf("member %q: %w", f.Name, err)
		}
		z.Add(name, a)
	}
	return z, nil
}

// ReadNPZ reads an .npz file.
func ReadNPZ(path string) (*Archive, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	z, err := DecodeArchive(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return z, nil
}
