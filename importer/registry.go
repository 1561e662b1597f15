package importer

import (
	"fmt"
	"slices"
	"sort"
)

// opDef is one supported operator of the default domain: everything the
// importer knows of it, in one entry.
type opDef struct {
	// versions lists the operator's ONNX since_versions that build
	// implements (each one an entry of onnxVersions[op]). A node is run
	// by the newest definition at or below its model's opset; when that
	// definition is not listed here the node is refused at load. Where
	// semantics changed between listed versions, build branches on
	// Node.Opset.
	versions []int64
	// check validates attributes at load time (nil: nothing to check).
	check func(n *Node) error
	// build specialises the node to concrete input types and shapes. It
	// returns the outputs' descriptions and a kernel, or nil kernel with
	// constant outputs (Shape, Constant).
	build buildFn
	// back maps output gradients to input gradients; nil exactly when
	// noBack is set.
	back backFn
	// planInputs are the inputs build must know the contents of (they
	// set the output's shape: Resize's scales, Range's bounds); small
	// graph inputs feeding them are folded into each plan as constants.
	planInputs []int
	// noBack declares that the operator has no derivative: a gradient
	// asked through one of its float outputs to one of its float inputs
	// is an error. (Integer and bool values, such as Shape's output or
	// Gather's indices, are never differentiated; that needs no entry.)
	noBack bool
}

// buildFn is an operator's build function (see opDef.build).
type buildFn func(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error)

var registry map[string]opDef

func init() {
	unary := func(op string) opDef {
		return opDef{versions: []int64{6, 13}, build: buildUnary(op), back: backUnary}
	}
	binary := func(op binOp, versions ...int64) opDef {
		return opDef{versions: versions, build: buildBinary(op), back: backBinary}
	}
	move := func(build buildFn, versions ...int64) opDef {
		return opDef{versions: versions, build: build, back: backMove}
	}
	view := func(build buildFn, versions ...int64) opDef {
		return opDef{versions: versions, build: build, back: backAlias}
	}
	mathOp := func(versions ...int64) opDef {
		return opDef{versions: versions, build: buildMath, back: backMath}
	}
	predicate := func(versions ...int64) opDef {
		return opDef{versions: versions, build: buildPredicate, noBack: true}
	}
	compare := func(versions ...int64) opDef {
		return opDef{versions: versions, build: buildCompare, noBack: true}
	}
	logic := func(versions ...int64) opDef {
		return opDef{versions: versions, build: buildLogic, noBack: true}
	}
	reduce := func(versions ...int64) opDef {
		return opDef{versions: versions, build: buildReduce, back: backReduce}
	}
	norm := func(versions ...int64) opDef {
		return opDef{versions: versions, build: buildNorm, back: backNorm}
	}
	// Type-only bumps (bfloat16, float8, int4... added to the allowed
	// types) are listed: the node's types are checked by build.
	registry = map[string]opDef{
		"Conv":               {versions: []int64{1, 11, 22}, check: checkConv, build: buildConv, back: backConv},
		"BatchNormalization": {versions: []int64{7, 9, 14, 15}, check: checkBatchNorm, build: buildBatchNorm, back: backBatchNorm},
		"Relu":               {versions: []int64{6, 13, 14}, build: buildUnary("Relu"), back: backUnary},
		"LeakyRelu":          {versions: []int64{6, 16}, build: buildUnary("LeakyRelu"), back: backUnary},
		"Sigmoid":            unary("Sigmoid"),
		"Tanh":               unary("Tanh"),
		"Sqrt":               unary("Sqrt"),
		"Exp":                unary("Exp"),
		"Log":                unary("Log"),
		"Neg":                unary("Neg"),
		"Abs":                unary("Abs"),
		"Clip":               {versions: []int64{6, 11, 12, 13}, build: buildClip, back: backClip},
		"MaxPool":            {versions: []int64{1, 8, 10, 11, 12, 22}, check: checkPool, build: buildPool(true), back: backPool},
		"AveragePool":        {versions: []int64{1, 7, 10, 11, 19, 22}, check: checkPool, build: buildPool(false), back: backPool},
		"GlobalAveragePool":  {versions: []int64{1, 22}, build: buildGlobalPool(false), back: backGlobalPool},
		"GlobalMaxPool":      {versions: []int64{1, 22}, build: buildGlobalPool(true), back: backGlobalPool},
		"Gemm":               {versions: []int64{7, 9, 11, 13}, build: buildGemm, back: backGemm},
		"MatMul":             {versions: []int64{1, 9, 13}, build: buildMatMul, back: backMatMul},
		"Add":                binary(opAdd, 7, 13, 14),
		"Sub":                binary(opSub, 7, 13, 14),
		"Mul":                binary(opMul, 7, 13, 14),
		"Div":                binary(opDiv, 7, 13, 14),
		"Pow":                binary(opPow, 7, 12, 13, 15),
		"Equal":              {versions: []int64{7, 11, 13, 19}, build: buildBinary(opEqual), noBack: true},
		"Sum":                {versions: []int64{6, 8, 13}, build: buildVariadic(opAdd, false), back: backVariadic},
		"Mean":               {versions: []int64{6, 8, 13}, build: buildVariadic(opAdd, true), back: backVariadic},
		"Max":                {versions: []int64{6, 8, 12, 13}, build: buildVariadic(opMax, false), back: backVariadic},
		"Min":                {versions: []int64{6, 8, 12, 13}, build: buildVariadic(opMin, false), back: backVariadic},
		"Where":              move(buildWhere, 9, 16),
		"Flatten":            view(buildFlatten, 1, 9, 11, 13, 21, 23, 24, 25),
		"Reshape":            view(buildReshape, 5, 13, 14, 19, 21, 23, 24, 25),
		"Transpose":          move(buildTranspose, 1, 13, 21, 23, 24, 25),
		"Squeeze":            view(buildSqueeze, 1, 11, 13, 21, 23, 24, 25),
		"Unsqueeze":          view(buildUnsqueeze, 1, 11, 13, 21, 23, 24, 25),
		"Concat":             move(buildConcat, 4, 11, 13),
		"Split":              move(buildSplit, 2, 11, 13, 18),
		"Slice":              move(buildSlice, 1, 10, 11, 13),
		"Gather":             move(buildGather, 1, 11, 13),
		"Shape":              {versions: []int64{1, 13, 15, 19, 21, 23, 24, 25}, build: buildShape, noBack: true},
		"ConstantOfShape":    {versions: []int64{9, 20, 21, 23, 24, 25}, build: buildConstantOfShape, noBack: true},
		"Constant":           {versions: []int64{1, 9, 11, 12, 13, 19, 21, 23, 24, 25}, check: checkConstant, build: buildConstant, noBack: true},
		"Pad":                {versions: []int64{2, 11, 13, 18, 19, 21, 23, 24, 25}, check: checkPad, build: buildPad, back: backMove},
		"Identity":           view(buildIdentity, 1, 13, 14, 16, 19, 21, 23, 24, 25),
		"Dropout":            {versions: []int64{7, 10, 12, 13, 22}, build: buildDropout, back: backDropout},
		"Cast":               move(buildCast, 6, 9, 13, 19, 21, 23, 24, 25),
		"ReduceMean":         reduce(1, 11, 13, 18),
		"ReduceSum":          reduce(1, 11, 13),
		"ReduceMax":          reduce(1, 11, 12, 13, 18, 20),
		"ReduceMin":          reduce(1, 11, 12, 13, 18, 20),
		"ReduceSumSquare":    reduce(1, 11, 13, 18),
		"ReduceL1":           reduce(1, 11, 13, 18),
		"ReduceL2":           reduce(1, 11, 13, 18),
		"ReduceLogSum":       reduce(1, 11, 13, 18),
		"ReduceLogSumExp":    reduce(1, 11, 13, 18),
		// (its derivative, the product of the others, is not written yet)
		"ReduceProd":      {versions: []int64{1, 11, 13, 18}, build: buildReduce, noBack: true},
		"Softmax":         {versions: []int64{1, 11, 13}, build: buildSoftmax(false), back: backSoftmax},
		"LogSoftmax":      {versions: []int64{1, 11, 13}, build: buildSoftmax(true), back: backSoftmax},
		"Expand":          move(buildExpand, 8, 13),
		"Elu":             mathOp(6, 22),
		"Selu":            mathOp(6, 22),
		"Celu":            mathOp(12),
		"HardSigmoid":     mathOp(6, 22),
		"HardSwish":       mathOp(14, 22),
		"Softplus":        mathOp(1, 22),
		"Swish":           mathOp(24),
		"Softsign":        mathOp(1, 22),
		"ThresholdedRelu": mathOp(10, 22),
		"Mish":            mathOp(18, 22),
		"Gelu":            mathOp(20),
		"Erf":             mathOp(9, 13),
		"Reciprocal":      mathOp(6, 13),
		"Floor":           mathOp(6, 13),
		"Ceil":            mathOp(6, 13),
		"Round":           mathOp(11, 22),
		"Sign":            mathOp(9, 13),
		"Shrink":          mathOp(9),
		"Sin":             mathOp(7, 22),
		"Cos":             mathOp(7, 22),
		"Tan":             mathOp(7, 22),
		"Asin":            mathOp(7, 22),
		"Acos":            mathOp(7, 22),
		"Atan":            mathOp(7, 22),
		"Sinh":            mathOp(9, 22),
		"Cosh":            mathOp(9, 22),
		"Asinh":           mathOp(9, 22),
		"Acosh":           mathOp(9, 22),
		"Atanh":           mathOp(9, 22),
		"IsNaN":           predicate(9, 13, 20),
		"IsInf":           predicate(10, 20),
		"Not":             predicate(1),
		"Less":            compare(7, 9, 13),
		"Greater":         compare(7, 9, 13),
		"LessOrEqual":     compare(12, 16),
		"GreaterOrEqual":  compare(12, 16),
		"And":             logic(7),
		"Or":              logic(7),
		"Xor":             logic(7),
		"Mod":             {versions: []int64{10, 13}, build: buildMod, noBack: true},
		"PRelu":           {versions: []int64{7, 9, 16}, build: buildPRelu, back: backPRelu},
		"Size":            {versions: []int64{1, 13, 19, 21, 23, 24, 25}, build: buildSize, noBack: true},
		"CastLike":        move(buildCastLike, 15, 19, 21, 23, 24, 25),
		"GatherElements":  move(buildGatherElements, 11, 13),
		"GatherND":        move(buildGatherND, 11, 12, 13),
		"ScatterElements": {versions: []int64{11, 13, 16, 18}, check: checkScatter, build: buildScatterElements, back: backScatter},
		"ScatterND":       {versions: []int64{11, 13, 16, 18}, check: checkScatter, build: buildScatterND, back: backScatter},
		"ArgMax":          {versions: []int64{1, 11, 12, 13}, build: buildArgExtreme, noBack: true},
		"ArgMin":          {versions: []int64{1, 11, 12, 13}, build: buildArgExtreme, noBack: true},
		"TopK":            {versions: []int64{1, 10, 11, 24}, build: buildTopK, back: backTopK},
		"OneHot":          {versions: []int64{9, 11}, build: buildOneHot, noBack: true},
		"Tile":            move(buildTile, 6, 13),
		"DepthToSpace":    move(buildDepthSpace, 1, 11, 13),
		"SpaceToDepth":    move(buildDepthSpace, 1, 13),
		"Trilu":           move(buildTrilu, 14),
		"CumSum":          {versions: []int64{11, 14}, build: buildCumSum, back: backCumSum},
		"Range":           {versions: []int64{11, 27}, build: buildRange, noBack: true, planInputs: []int{0, 1, 2}},
		"Hardmax":         {versions: []int64{1, 11, 13}, build: buildHardmax, noBack: true},
		"Compress":        move(buildCompress, 9, 11),
		// Transformers (#13).
		"LayerNormalization":        {versions: []int64{17}, build: buildLayerNorm, back: backLayerNorm},
		"RMSNormalization":          norm(23),
		"InstanceNormalization":     norm(6, 22),
		"GroupNormalization":        norm(18, 21),
		"MeanVarianceNormalization": norm(9, 13),
		"LpNormalization":           {versions: []int64{1, 22}, build: buildLpNorm, back: backLpNorm},
		"NegativeLogLikelihoodLoss": {versions: []int64{12, 13, 22}, build: buildLoss, back: backLoss},
		"SoftmaxCrossEntropyLoss":   {versions: []int64{12, 13}, build: buildLoss, back: backLoss},
		"Resize":                    {versions: []int64{11, 13, 18, 19}, check: checkResize, build: buildResize, back: backResize, planInputs: []int{1, 2, 3}},
		// (its backward is not written yet)
		"Attention":       {versions: []int64{23, 24}, build: buildAttention, noBack: true},
		"ConvTranspose":   {versions: []int64{1, 11, 22}, check: checkAutoPad, build: buildConvTranspose, back: backConvTranspose},
		"LpPool":          {versions: []int64{2, 11, 18, 22}, check: checkPool, build: buildLpPool, back: backLpPool},
		"EyeLike":         {versions: []int64{9, 22}, build: buildEyeLike, noBack: true},
		"LRN":             {versions: []int64{1, 13}, build: buildLRN, back: backLRN},
		"HannWindow":      {versions: []int64{17}, build: buildWindow, noBack: true, planInputs: []int{0}},
		"HammingWindow":   {versions: []int64{17}, build: buildWindow, noBack: true, planInputs: []int{0}},
		"BlackmanWindow":  {versions: []int64{17}, build: buildWindow, noBack: true, planInputs: []int{0}},
		"CenterCropPad":   {versions: []int64{18}, build: buildCenterCropPad, back: backMove, planInputs: []int{1}},
		"ReverseSequence": {versions: []int64{10}, build: buildReverseSequence, back: backMove, planInputs: []int{1}},
		"Scatter":         {versions: []int64{9, 11}, check: checkScatter, build: buildScatterElements, back: backScatter},
		"CumProd":         {versions: []int64{26}, build: buildCumSum, noBack: true},
		"BitwiseAnd":      {versions: []int64{18}, build: buildBitwise, noBack: true},
		"BitwiseOr":       {versions: []int64{18}, build: buildBitwise, noBack: true},
		"BitwiseXor":      {versions: []int64{18}, build: buildBitwise, noBack: true},
		"BitwiseNot":      {versions: []int64{18}, build: buildBitwise, noBack: true},
		"NonZero":         {versions: []int64{9, 13}, build: buildNonZero, noBack: true},
		// Quantized models (#12): QDQ and QOperator forms (ops_quant.go, ops_qlinear.go, ops_qconv.go).
		"QuantizeLinear":        {versions: []int64{10, 13, 19, 21, 23, 24, 25}, check: checkQuant, build: buildQuantizeLinear, noBack: true},
		"DequantizeLinear":      {versions: []int64{10, 13, 19, 21, 23, 24, 25}, check: checkQuant, build: buildDequantizeLinear, noBack: true},
		"DynamicQuantizeLinear": {versions: []int64{11}, build: buildDynamicQuantizeLinear, noBack: true},
		"MatMulInteger":         {versions: []int64{10}, build: buildMatMulInteger, noBack: true},
		"QLinearMatMul":         {versions: []int64{10, 21}, build: buildQLinearMatMul, noBack: true},
		"ConvInteger":           {versions: []int64{10}, check: checkAutoPad, build: buildConvInteger, noBack: true},
		"QLinearConv":           {versions: []int64{10}, check: checkAutoPad, build: buildQLinearConv, noBack: true},
		// Control flow (subgraph.go): If differentiates its taken branch.
		"If":   {versions: []int64{1, 11, 13, 16, 19, 21, 23, 24, 25}, check: checkIf, build: buildIf, back: backIf},
		"Loop": {versions: []int64{1, 11, 13, 16, 19, 21, 23, 24, 25}, check: checkLoop, build: buildLoop, noBack: true, planInputs: []int{0}},
		"Scan": {versions: []int64{8, 9, 11, 16, 19, 21, 23, 24, 25}, check: checkScan, build: buildScan, noBack: true},
		// Recurrent nets (#13), with backward through time.
		"RNN":  {versions: []int64{7, 14, 22}, check: checkRNN(kindRNN), build: buildRNN(kindRNN), back: backRNN(kindRNN)},
		"GRU":  {versions: []int64{7, 14, 22}, check: checkRNN(kindGRU), build: buildRNN(kindGRU), back: backRNN(kindGRU)},
		"LSTM": {versions: []int64{7, 14, 22}, check: checkRNN(kindLSTM), build: buildRNN(kindLSTM), back: backRNN(kindLSTM)},
	}
}

// def is the entry that builds and differentiates n: the registry's,
// unless a load-time fusion gave the node its own.
func (n *Node) def() opDef {
	if n.impl != nil {
		return *n.impl
	}
	return registry[n.Op]
}

// sinceVersion is the since_version of op's definition in effect at the
// given opset of the default domain (0 if op did not exist yet).
func sinceVersion(op string, opset int64) int64 {
	var v int64
	for _, s := range onnxVersions[op] {
		if s <= opset {
			v = s
		}
	}
	return v
}

// lookupOp returns the registry entry that runs a default-domain node at
// its opset, or an *UnsupportedError: unknown operator, or a definition
// (since_version) that the entry does not implement.
func lookupOp(n *Node) (opDef, error) {
	def, ok := registry[n.Op]
	if !ok {
		return def, &UnsupportedError{Op: n.Op, Domain: n.Domain, Opset: n.Opset, Node: n.Name}
	}
	v := sinceVersion(n.Op, n.Opset)
	if !slices.Contains(def.versions, v) {
		reason := fmt.Sprintf("%s did not exist at opset %d", n.Op, n.Opset)
		if v > 0 {
			reason = fmt.Sprintf("opset %d means %s-%d; versions supported: %s", n.Opset, n.Op, v, versionList(def.versions))
		}
		return def, &UnsupportedError{Op: n.Op, Domain: n.Domain, Opset: n.Opset, Node: n.Name,
			Version: v, Supported: def.versions, Reason: reason}
	}
	return def, nil
}

// versionList spells versions as "7, 13, 14".
func versionList(vs []int64) string {
	s := ""
	for i, v := range vs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprint(v)
	}
	return s
}

// SupportedOps lists the operators of the default domain the importer
// runs, sorted.
func SupportedOps() []string {
	var out []string
	for k := range registry {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
