package importer

import "fmt"

// UnsupportedError reports an operator (or an operator's attribute or
// element type) the importer cannot run. Load returns it for the first
// such node; CheckSupport lists all of them.
type UnsupportedError struct {
	Op     string // operator type, e.g. "LSTM"
	Domain string // operator set domain; "" is the default ONNX domain
	Opset  int64  // operator set version the model imports for Domain
	Node   string // node name (or its first output when unnamed)
	Reason string // what is unsupported, when it is not the operator itself
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

// Unsupported is one entry of CheckSupport's answer.
type Unsupported = UnsupportedError
