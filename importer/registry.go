package importer

import "sort"

// opDef is one supported operator of the default domain.
type opDef struct {
	// since is the earliest opset the implementation follows; opsets
	// MinOpset..MaxOpset are dispatched inside build on n.Opset where the
	// operator's signature changed (attributes that became inputs).
	since int64
	// check validates attributes at load time (nil: nothing to check).
	check func(n *Node) error
	// build specialises the node to concrete input types and shapes. It
	// returns the outputs' descriptions and a kernel, or nil kernel with
	// constant outputs (Shape, Constant).
	build func(n *Node, in []*info) ([]*info, *kernel, error)
}

var registry map[string]opDef

func init() {
	registry = map[string]opDef{
		"Conv":               {since: 1, check: checkConv, build: buildConv},
		"BatchNormalization": {since: 7, check: checkBatchNorm, build: buildBatchNorm},
		"Relu":               {since: 6, build: buildUnary("Relu")},
		"LeakyRelu":          {since: 6, build: buildUnary("LeakyRelu")},
		"Sigmoid":            {since: 6, build: buildUnary("Sigmoid")},
		"Tanh":               {since: 6, build: buildUnary("Tanh")},
		"Sqrt":               {since: 6, build: buildUnary("Sqrt")},
		"Exp":                {since: 6, build: buildUnary("Exp")},
		"Log":                {since: 6, build: buildUnary("Log")},
		"Neg":                {since: 6, build: buildUnary("Neg")},
		"Abs":                {since: 6, build: buildUnary("Abs")},
		"Clip":               {since: 6, build: buildClip},
		"MaxPool":            {since: 1, check: checkPool, build: buildPool(true)},
		"AveragePool":        {since: 1, check: checkPool, build: buildPool(false)},
		"GlobalAveragePool":  {since: 1, build: buildGlobalPool(false)},
		"GlobalMaxPool":      {since: 1, build: buildGlobalPool(true)},
		"Gemm":               {since: 7, build: buildGemm},
		"MatMul":             {since: 1, build: buildMatMul},
		"Add":                {since: 7, build: buildBinary(opAdd)},
		"Sub":                {since: 7, build: buildBinary(opSub)},
		"Mul":                {since: 7, build: buildBinary(opMul)},
		"Div":                {since: 7, build: buildBinary(opDiv)},
		"Pow":                {since: 7, build: buildBinary(opPow)},
		"Equal":              {since: 7, build: buildBinary(opEqual)},
		"Sum":                {since: 6, build: buildVariadic(opAdd, false)},
		"Mean":               {since: 6, build: buildVariadic(opAdd, true)},
		"Max":                {since: 6, build: buildVariadic(opMax, false)},
		"Min":                {since: 6, build: buildVariadic(opMin, false)},
		"Where":              {since: 9, build: buildWhere},
		"Flatten":            {since: 1, build: buildFlatten},
		"Reshape":            {since: 5, build: buildReshape},
		"Transpose":          {since: 1, build: buildTranspose},
		"Squeeze":            {since: 1, build: buildSqueeze},
		"Unsqueeze":          {since: 1, build: buildUnsqueeze},
		"Concat":             {since: 4, build: buildConcat},
		"Split":              {since: 2, build: buildSplit},
		"Slice":              {since: 1, build: buildSlice},
		"Gather":             {since: 1, build: buildGather},
		"Shape":              {since: 1, build: buildShape},
		"ConstantOfShape":    {since: 9, build: buildConstantOfShape},
		"Constant":           {since: 1, check: checkConstant, build: buildConstant},
		"Pad":                {since: 2, check: checkPad, build: buildPad},
		"Identity":           {since: 1, build: buildIdentity},
		"Dropout":            {since: 7, build: buildDropout},
		"Cast":               {since: 6, check: checkCast, build: buildCast},
		"ReduceMean":         {since: 1, build: buildReduce(true)},
		"ReduceSum":          {since: 1, build: buildReduce(false)},
		"Softmax":            {since: 1, build: buildSoftmax(false)},
		"LogSoftmax":         {since: 1, build: buildSoftmax(true)},
		"Expand":             {since: 8, build: buildExpand},
	}
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
