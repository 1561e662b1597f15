// Package errkind marks an error with a package's exported sentinel
// (ErrConfig, ErrShape, ...) without changing its message:
//
//	return errkind.Mark(ErrShape, fmt.Errorf("predict: inputs have %d columns, the model %d", c, d))
//
// errors.Is(err, ErrShape) then holds, and errors.Is and errors.As still
// reach the causes the message wraps.
package errkind

// marked is err, also matching kind.
type marked struct{ kind, err error }

func (e marked) Error() string   { return e.err.Error() }
func (e marked) Unwrap() []error { return []error{e.kind, e.err} }

// Mark returns err marked with kind, or nil when err is nil.
func Mark(kind, err error) error {
	if err == nil {
		return nil
	}
	return marked{kind: kind, err: err}
}
