package importer

import (
	"errors"
	"fmt"
)

// Sentinel errors, for errors.Is. The errors the importer returns wrap
// them (with %w) in "importer: ..." messages that say which node or
// input is at fault.
var (
	// ErrUnsupported: the model uses an operator, an operator version,
	// an attribute value or an element type that the importer cannot
	// run. Load returns it (as an *UnsupportedError) before any run.
	ErrUnsupported = errors.New("unsupported")
	// ErrUnsupportedVersion: the model's opset resolves an operator to
	// a definition (since_version) the importer does not implement,
	// while it implements others. Errors that match it match
	// ErrUnsupported too.
	ErrUnsupportedVersion = errors.New("unsupported operator version")
	// ErrShape: tensors whose shapes do not fit together (an input that
	// does not match the model, operands that do not broadcast).
	ErrShape = errors.New("shape mismatch")
	// ErrBadInput: an input's contents are invalid for the operator that
	// reads them (an index out of range, a negative size).
	ErrBadInput = errors.New("bad input")
	// ErrNoGradient: a gradient was asked through an operator that has
	// no derivative.
	ErrNoGradient = errors.New("no derivative")
)

// UnsupportedError reports an operator (or an operator's version,
// attribute or element type) the importer cannot run. Load returns it for
// the first such node; CheckSupport lists all of them. It matches
// ErrUnsupported, and ErrUnsupportedVersion when Supported is set.
type UnsupportedError struct {
	Op     string // operator type, e.g. "Loop"
	Domain string // operator set domain; "" is the default ONNX domain
	Opset  int64  // operator set version the model imports for Domain
	Node   string // node name (or its first output when unnamed)
	Reason string // what is unsupported, when it is not the operator itself
	// Version is the operator's since_version at Opset, and Supported
	// the since_versions the importer implements, when the operator is
	// known but not that version of it.
	Version   int64
	Supported []int64
}

func (e *UnsupportedError) Error() string {
	dom := e.Domain
	if dom == "" {
		dom = "ai.onnx"
	}
	msg := fmt.Sprintf("unsupported operator %s (domain %s, opset %d) at node %q", e.Op, dom, e.Opset, e.Node)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// Is reports whether target is ErrUnsupported, or ErrUnsupportedVersion
// for an unimplemented version of a known operator.
func (e *UnsupportedError) Is(target error) bool {
	return target == ErrUnsupported || (target == ErrUnsupportedVersion && e.Supported != nil)
}

// Unsupported is one entry of CheckSupport's answer.
type Unsupported = UnsupportedError

// inputFault is the value a kernel panics with when the contents of an
// input are invalid (a kernel's run returns no error); plan.forward and
// evalConst turn it into an error wrapping ErrBadInput.
type inputFault struct{ msg string }

// badInput stops the running kernel with an input error.
func badInput(format string, args ...any) {
	panic(inputFault{fmt.Sprintf(format, args...)})
}

// recovered turns a recovered panic value into an error: an inputFault
// into ErrBadInput, anything else into an internal error (a bug).
func recovered(r any) error {
	if f, ok := r.(inputFault); ok {
		return fmt.Errorf("%w: %s", ErrBadInput, f.msg)
	}
	if f, ok := r.(subgraphFault); ok {
		return f.err
	}
	return fmt.Errorf("internal error: %v", r)
}
