package importer

import (
	"math"
	"slices"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
	"google.golang.org/protobuf/proto"
)

// graphIndex is what the load-time pattern matchers ask of the graph:
// which node produces a value, which nodes read it, how often.
type graphIndex struct {
	m    *Model
	prod map[string]*Node
	cons map[string][]*Node
	uses map[string]int
}

func (m *Model) index() *graphIndex {
	g := &graphIndex{m: m, prod: m.producers(), cons: map[string][]*Node{}, uses: m.uses()}
	for _, n := range m.nodes {
		for _, in := range n.Inputs {
			g.cons[in] = append(g.cons[in], n)
		}
	}
	return g
}

// only returns the node that produced name if it is op and its output is
// read once (by the pattern being matched).
func (g *graphIndex) only(name, op string) *Node {
	p := g.prod[name]
	if p == nil || p.Op != op || p.fuseRelu || g.uses[name] != 1 || len(p.Outputs) != 1 {
		return nil
	}
	return p
}

// next returns the single reader of name if it is op.
func (g *graphIndex) next(name, op string) *Node {
	if g.uses[name] != 1 || len(g.cons[name]) != 1 {
		return nil
	}
	c := g.cons[name][0]
	if c.Op != op || c.fuseRelu || len(c.Outputs) != 1 {
		return nil
	}
	return c
}

// scalar returns the value of a one-element float constant.
func (g *graphIndex) scalar(name string) (float64, bool) {
	t, ok := g.m.consts[name]
	if !ok || t.DType != Float32 || len(t.F) != 1 {
		return 0, false
	}
	return float64(t.F[0]), true
}

// other returns the input of a binary node that is not name, and
// whether name is one of its two inputs.
func other(n *Node, name string) (string, bool) {
	if len(n.Inputs) != 2 {
		return "", false
	}
	switch name {
	case n.Inputs[0]:
		return n.Inputs[1], true
	case n.Inputs[1]:
		return n.Inputs[0], true
	}
	return "", false
}

// invSqrt2 is 1/√2 (GELU's Erf form may multiply by it instead of
// dividing by √2).
const invSqrt2 = 0.70710678118654752440

// √(2/π) and the cubic coefficient of GELU's tanh approximation.
const (
	sqrt2OverPi = 0.79788456080286535588
	geluCubic   = 0.044715
)

func near(v, want float64) bool { return math.Abs(v-want) <= 1e-5*math.Abs(want) }

// replaceNodes puts each fused node in the place of the last node of its
// pattern (where all its inputs are defined) and drops the rest.
func (m *Model) replaceNodes(fused map[*Node]*Node, drop map[*Node]bool) {
	var keep []*Node
	for _, n := range m.nodes {
		if f, ok := fused[n]; ok {
			keep = append(keep, f)
		} else if !drop[n] {
			keep = append(keep, n)
		}
	}
	m.nodes = keep
}

func intAttr(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INT.Enum(), I: proto.Int64(v)}
}

func floatAttr(name string, v float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_FLOAT.Enum(), F: proto.Float32(v)}
}

func stringAttr(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_STRING.Enum(), S: []byte(v)}
}

// fuseLayerNorm replaces the decomposed layer normalization that
// exporters write before opset 17,
//
//	d = Sub(x, ReduceMean(x)); y = Div(d, Sqrt(Add(ReduceMean(Pow(d, 2)), eps)))
//	out = Add(Mul(y, scale), bias)
//
// (both ReduceMeans over the same trailing axes, given as negative
// numbers, keepdims; scale and bias constants), by one
// LayerNormalization node: one pass over each row instead of nine
// elementwise ops and two reductions. Patterns that differ in any way
// are left as they are.
func (m *Model) fuseLayerNorm() {
	g := m.index()
	fused, drop := map[*Node]*Node{}, map[*Node]bool{}
	for _, div := range m.nodes {
		if div.Op != "Div" || len(div.Inputs) != 2 || drop[div] {
			continue
		}
		d, s := div.Inputs[0], div.Inputs[1]
		sub := g.prod[d]
		if sub == nil || sub.Op != "Sub" || g.uses[d] != 2 || len(sub.Inputs) != 2 {
			continue
		}
		x := sub.Inputs[0]
		mean := g.only(sub.Inputs[1], "ReduceMean")
		sqrt := g.only(s, "Sqrt")
		if mean == nil || sqrt == nil || mean.Inputs[0] != x {
			continue
		}
		add := g.only(sqrt.Inputs[0], "Add")
		if add == nil {
			continue
		}
		vname, eps := "", 0.0
		for _, in := range add.Inputs {
			if v, ok := g.scalar(in); ok {
				eps = v
			} else {
				vname = in
			}
		}
		variance := g.only(vname, "ReduceMean")
		if variance == nil {
			continue
		}
		pow := g.only(variance.Inputs[0], "Pow")
		if pow == nil || pow.Inputs[0] != d {
			continue
		}
		if p, ok := g.scalar(pow.Inputs[1]); !ok || p != 2 {
			continue
		}
		k := m.trailingAxes(mean, g)
		if k == 0 || m.trailingAxes(variance, g) != k {
			continue
		}
		mul := g.next(div.Outputs[0], "Mul")
		if mul == nil {
			continue
		}
		scale, _ := other(mul, div.Outputs[0])
		if sc, ok := m.consts[scale]; !ok || sc.DType != Float32 || len(sc.Shape) != k {
			continue
		}
		last, out, bias := mul, mul.Outputs[0], ""
		if ba := g.next(out, "Add"); ba != nil {
			b, _ := other(ba, out)
			if bt, ok := m.consts[b]; ok && bt.DType == Float32 && len(bt.Shape) == k && sameShape(bt.Shape, m.consts[scale].Shape) {
				last, out, bias = ba, ba.Outputs[0], b
			}
		}
		ln := &Node{Op: "LayerNormalization", Opset: 17, Name: div.Name + "/fused_layernorm",
			Inputs: []string{x, scale}, Outputs: []string{out},
			attrs: map[string]*onnxpb.AttributeProto{"axis": intAttr("axis", int64(-k)), "epsilon": floatAttr("epsilon", float32(eps))}}
		if bias != "" {
			ln.Inputs = append(ln.Inputs, bias)
		}
		for _, n := range []*Node{sub, mean, pow, variance, add, sqrt, div, mul} {
			drop[n] = true
		}
		drop[last] = false
		fused[last] = ln
	}
	m.replaceNodes(fused, drop)
}

// trailingAxes returns k when a ReduceMean with keepdims reduces exactly
// the axes -k..-1 (given as negative numbers, by attribute or constant
// input), else 0.
func (m *Model) trailingAxes(n *Node, g *graphIndex) int {
	if n.attrInt("keepdims", 1) != 1 {
		return 0
	}
	axes := n.attrInts("axes")
	if len(n.Inputs) > 1 && n.Inputs[1] != "" {
		t, ok := m.consts[n.Inputs[1]]
		if !ok || t.DType != Int64 {
			return 0
		}
		axes = t.ints()
	}
	if len(axes) == 0 {
		return 0
	}
	s := slices.Clone(axes)
	slices.Sort(s)
	for i, a := range s {
		if a != i-len(s) {
			return 0
		}
	}
	return len(s)
}

// fuseGelu replaces the two forms of GELU that exporters write before
// opset 20, the Erf form
//
//	Mul(Mul(x, Add(Erf(Div(x, √2)), 1)), 0.5)   (or Mul(x, 1/√2) inside,
//	or Mul(Mul(x, 0.5), Add(...)) outside)
//
// and torch's tanh approximation (F.gelu(approximate="tanh"))
//
//	Mul(0.5, Mul(x, Add(1, Tanh(Mul(√(2/π), Add(x, Mul(0.044715, Mul(x, Mul(x, x)))))))))
//
// (x³ also as Pow(x, 3); operands of Add and Mul in either order), by one
// Gelu node each (one pass instead of five or nine).
func (m *Model) fuseGelu() {
	g := m.index()
	fused, drop := map[*Node]*Node{}, map[*Node]bool{}
	for _, act := range m.nodes {
		var x string
		var nodes []*Node
		impl, approx := geluImpl, "none"
		switch {
		case act.Op == "Erf" && len(act.Inputs) == 1:
			scaled := g.prod[act.Inputs[0]]
			if scaled == nil || g.uses[act.Inputs[0]] != 1 || len(scaled.Inputs) != 2 {
				continue
			}
			x = scaled.Inputs[0]
			c, ok := g.scalar(scaled.Inputs[1])
			if !ok || !(scaled.Op == "Div" && near(c, math.Sqrt2) || scaled.Op == "Mul" && near(c, invSqrt2)) {
				continue
			}
			nodes = []*Node{scaled, act}
		case act.Op == "Tanh" && len(act.Inputs) == 1:
			var ok bool
			if x, nodes, ok = g.geluTanhInner(act); !ok {
				continue
			}
			impl, approx = geluTanhImpl, "tanh"
		default:
			continue
		}
		add := g.next(act.Outputs[0], "Add")
		if add == nil {
			continue
		}
		if one, _ := other(add, act.Outputs[0]); !isScalar(g, one, 1) {
			continue
		}
		mul := g.next(add.Outputs[0], "Mul")
		if mul == nil {
			continue
		}
		p, _ := other(mul, add.Outputs[0])
		var last *Node
		nodes = append(nodes, add, mul)
		if p == x {
			half := g.next(mul.Outputs[0], "Mul")
			if half == nil {
				continue
			}
			if h, _ := other(half, mul.Outputs[0]); !isScalar(g, h, 0.5) {
				continue
			}
			last = half
			nodes = append(nodes, half)
		} else {
			half := g.only(p, "Mul")
			if half == nil {
				continue
			}
			h, ok := other(half, x)
			if !ok || !isScalar(g, h, 0.5) {
				continue
			}
			last = mul
			nodes = append(nodes, half)
		}
		if slices.ContainsFunc(nodes, func(n *Node) bool { return drop[n] || fused[n] != nil }) {
			continue
		}
		for _, n := range nodes {
			drop[n] = true
		}
		drop[last] = false
		fused[last] = &Node{Op: "Gelu", Opset: 20, Name: act.Name + "/fused_gelu", impl: impl,
			Inputs: []string{x}, Outputs: []string{last.Outputs[0]},
			attrs: map[string]*onnxpb.AttributeProto{"approximate": stringAttr("approximate", approx)}}
	}
	m.replaceNodes(fused, drop)
}

// geluTanhInner matches Tanh(Mul(√(2/π), Add(x, Mul(0.044715, x³)))) and
// returns x and the nodes from the cube to the Tanh.
func (g *graphIndex) geluTanhInner(tanh *Node) (string, []*Node, bool) {
	scaled := g.only(tanh.Inputs[0], "Mul")
	if scaled == nil {
		return "", nil, false
	}
	inner, c := g.withScalar(scaled)
	if !near(c, sqrt2OverPi) {
		return "", nil, false
	}
	sum := g.only(inner, "Add")
	if sum == nil || len(sum.Inputs) != 2 {
		return "", nil, false
	}
	for i := 0; i < 2; i++ {
		x, cubic := sum.Inputs[i], g.only(sum.Inputs[1-i], "Mul")
		if cubic == nil {
			continue
		}
		cube, k := g.withScalar(cubic)
		if !near(k, geluCubic) {
			continue
		}
		if cn := g.cubeOf(cube, x); cn != nil {
			return x, append(cn, cubic, sum, scaled, tanh), true
		}
	}
	return "", nil, false
}

// withScalar returns the other operand of a binary node one of whose
// operands is a float scalar constant, and that scalar (NaN if none).
func (g *graphIndex) withScalar(n *Node) (string, float64) {
	for i, in := range n.Inputs {
		if v, ok := g.scalar(in); ok && len(n.Inputs) == 2 {
			return n.Inputs[1-i], v
		}
	}
	return "", math.NaN()
}

// cubeOf returns the nodes computing name = x³ (Pow(x, 3) or
// Mul(x, Mul(x, x)) in any order), or nil.
func (g *graphIndex) cubeOf(name, x string) []*Node {
	if p := g.only(name, "Pow"); p != nil && p.Inputs[0] == x && isScalar(g, p.Inputs[1], 3) {
		return []*Node{p}
	}
	m := g.only(name, "Mul")
	if m == nil {
		return nil
	}
	sqName, ok := other(m, x)
	if !ok {
		return nil
	}
	sq := g.only(sqName, "Mul")
	if sq == nil || sq.Inputs[0] != x || sq.Inputs[1] != x {
		return nil
	}
	return []*Node{sq, m}
}

func isScalar(g *graphIndex, name string, want float64) bool {
	v, ok := g.scalar(name)
	return ok && near(v, want)
}
