package errkind

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
)

func TestMark(t *testing.T) {
	kind := errors.New("bad thing")
	cause := fmt.Errorf("reading x: %w", fs.ErrNotExist)
	err := Mark(kind, cause)
	if err.Error() != cause.Error() {
		t.Errorf("message %q, want %q", err, cause)
	}
	if !errors.Is(err, kind) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is misses the kind or the cause of %v", err)
	}
	if errors.Is(err, fs.ErrExist) {
		t.Error("matches an unrelated error")
	}
	if Mark(kind, nil) != nil {
		t.Error("Mark(kind, nil) is not nil")
	}
}
