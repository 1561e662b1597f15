package export

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/hierlearn/hierlearn/dtype"
	"github.com/hierlearn/hierlearn/train/kernel"
)

// KernelGraph builds the graph of a fitted kernel predictor: input x [N,d]
// (float32), output y [N] (one output: regression, or the real-valued
// score of binary classification) or y [N,C] (multiclass scores).
//
// Dual form (exact, CG, Nystrom fits): y = k(x, centers) alpha with the
// centers (the stored training points or landmarks) and the dual
// coefficients as constants, for the kernels with a closed form:
//
//	poly  (<x,c>/d + c0)^p                    (repeated squaring)
//	rbf   exp(-gamma max(|x|^2 + |c|^2 - 2<x,c>, 0))
//	ntk, nngp  the arc-cosine recursion on z = [x/sqrt(d), 1]
//	comp  the compositional recursion on <x,c>/d and <h1(x), h1(c)>,
//	      h1 = (x^2 - 1)/sqrt(2d), with the centers' own terms as constants
//
// Primal form (random features rf-relu, rf-quad): y = phi(x) beta with
// the first-layer weights as constants.
//
// The graph computes in float64 after casting x (kernel predictions sum
// many large terms with cancellation, which float32 cannot resolve), and
// casts y back to float32. onnxruntime has no float64 Acos, so the
// arc-cosine is computed as 2 atan2(u, v), u = sqrt((1-rho)/2),
// v = sqrt((1+rho)/2): a float32 Asin start refined by three Newton steps
// in float64 on u cos h - v sin h = 0 (well conditioned for every rho).
// Plug-in kernels (kernel.GramFunc, e.g. an empirical NTK) have no graph:
// they are an error.
func KernelGraph(p *kernel.Predictor, opset int) (*Graph, error) {
	if err := CheckOpset(opset); err != nil {
		return nil, err
	}
	if p == nil || p.D < 1 {
		return nil, fmt.Errorf("kernel predictor: none or no input dimension")
	}
	g := NewGraph("kernel")
	g.SetOpset(opset)
	g.SetDoc(fmt.Sprintf("hierlearn kernel predictor: %s, %s form, task %s, d=%d", p.Kernel, p.Form, p.Task, p.D))
	g.SetMetadata("learner", "kernel")
	g.SetMetadata("kernel", p.Kernel.String())
	if b, err := json.Marshal(kernel.KernelParams(p.Kernel, p.D)); err == nil {
		g.SetMetadata("kernel_params", string(b))
	}
	g.SetMetadata("task", p.Task)
	g.SetMetadata("form", p.Form)
	d := p.D
	x := g.Input("x", dtype.Float32, Batch, int64(d))
	x64 := g.Node("Cast", "x_float64", []string{x}, Int("to", int64(dtype.Float64)), Doc("the graph computes in float64"))
	var scores string
	var outputs int
	switch p.Form {
	case kernel.FormDual:
		c, a := p.Centers, p.Alpha
		if c.Cols != d || a.Rows != c.Rows || a.Cols < 1 || len(c.Data) != c.Rows*c.Cols || len(a.Data) != a.Rows*a.Cols {
			return nil, fmt.Errorf("kernel predictor: centers %dx%d and dual coefficients %dx%d do not fit d=%d", c.Rows, c.Cols, a.Rows, a.Cols, d)
		}
		gram, err := gramGraph(g, p.Kernel, x64, c.Data, c.Rows, d)
		if err != nil {
			return nil, err
		}
		alpha := Initializer(g, "dual/alpha", a.Data, int64(a.Rows), int64(a.Cols))
		scores = g.Node("MatMul", "scores", []string{gram, alpha}, Doc("k(x, centers) alpha"))
		outputs = a.Cols
	case kernel.FormPrimal:
		fk, ok := p.Kernel.(kernel.FeatureKernel)
		rf, isRF := fk.Map.(*kernel.RandomFeatures)
		if !ok || !isRF {
			return nil, fmt.Errorf("kernel predictor: primal form with kernel %s not supported (random features only)", p.Kernel)
		}
		w := rf.Weights(d)
		if w.Cols != d+1 || p.Beta.Rows != rf.N || p.Beta.Cols < 1 {
			return nil, fmt.Errorf("kernel predictor: random-feature weights %dx%d and beta %dx%d do not fit", w.Rows, w.Cols, p.Beta.Rows, p.Beta.Cols)
		}
		phi, err := rfGraph(g, rf, x64, w, d)
		if err != nil {
			return nil, err
		}
		beta := Initializer(g, "primal/beta", p.Beta.Data, int64(p.Beta.Rows), int64(p.Beta.Cols))
		scores = g.Node("MatMul", "scores", []string{phi, beta}, Doc("phi(x) beta"))
		outputs = p.Beta.Cols
	default:
		return nil, fmt.Errorf("kernel predictor: unknown form %q", p.Form)
	}
	y32 := g.Node("Cast", "scores_float32", []string{scores}, Int("to", int64(dtype.Float32)))
	if outputs == 1 {
		g.Node("Reshape", "y", []string{y32, Initializer(g, "const/shape_N", []int64{-1}, 1)}, Doc("[N,1] -> [N]"))
		g.Output("y", dtype.Float32, "prediction (regression) or score (classification: its sign)", Batch)
	} else {
		g.Node("Identity", "y", []string{y32})
		g.Output("y", dtype.Float32, "class scores (predict the argmax)", Batch, int64(outputs))
	}
	return g, nil
}

// f64const adds a float64 scalar constant.
func f64const(g *Graph, name string, v float64) string {
	return Initializer(g, name, []float64{v})
}

// dotAndNorms adds <x, c_j> (scaled by s) [N,m], and returns it with the
// names of |x|^2 s [N,1] and the constant |c_j|^2 s [m].
func dotAndNorms(g *Graph, x string, centers []float64, m, d int, s float64) (dot, xx, cc string) {
	ct := make([]float64, d*m)
	cn := make([]float64, m)
	for j := range m {
		row := centers[j*d : (j+1)*d]
		var n2 float64
		for q, v := range row {
			ct[q*m+j] = v
			n2 += v * v
		}
		cn[j] = n2 * s
	}
	cT := Initializer(g, "dual/centers_T", ct, int64(d), int64(m))
	dot = g.Node("MatMul", "gram/x_dot_c", []string{x, cT}, Doc("<x, c_j>"))
	if s != 1 {
		dot = g.Node("Mul", "gram/x_dot_c_scaled", []string{dot, f64const(g, "gram/scale", s)})
	}
	x2 := g.Node("Mul", "gram/x_squared", []string{x, x})
	xx = g.Node("ReduceSum", "gram/x_norm2", []string{x2, Initializer(g, "const/axis1", []int64{1}, 1)}, Int("keepdims", 1))
	if s != 1 {
		xx = g.Node("Mul", "gram/x_norm2_scaled", []string{xx, "gram/scale"})
	}
	cc = Initializer(g, "dual/centers_norm2", cn, int64(m))
	return dot, xx, cc
}

// gramGraph adds k(x, c_j) for the m centers and returns its name [N,m].
func gramGraph(g *Graph, k kernel.Kernel, x string, centers []float64, m, d int) (string, error) {
	switch k := k.(type) {
	case kernel.Poly:
		if k.Degree < 1 {
			return "", fmt.Errorf("poly kernel of degree %d", k.Degree)
		}
		dot, _, _ := dotAndNorms(g, x, centers, m, d, 1/float64(d))
		base := g.Node("Add", "gram/poly_base", []string{dot, f64const(g, "gram/poly_c", k.C)}, Doc("<x,c>/d + c0"))
		return powGraph(g, base, k.Degree), nil
	case kernel.RBF:
		gamma := k.GammaFor(d)
		dot, xx, cc := dotAndNorms(g, x, centers, m, d, 1)
		two := g.Node("Mul", "gram/2_x_dot_c", []string{dot, f64const(g, "const/two", 2)})
		s := g.Node("Add", "gram/norms", []string{xx, cc})
		d2 := g.Node("Sub", "gram/dist2_raw", []string{s, two})
		d2 = g.Node("Max", "gram/dist2", []string{d2, f64const(g, "const/zero", 0)}, Doc("max(|x|^2 + |c|^2 - 2<x,c>, 0)"))
		e := g.Node("Mul", "gram/neg_gamma_dist2", []string{d2, f64const(g, "gram/neg_gamma", -gamma)})
		return g.Node("Exp", "gram", []string{e}, Doc(fmt.Sprintf("exp(-%g |x - c|^2)", gamma))), nil
	case kernel.ReLU:
		if k.Depth < 1 {
			return "", fmt.Errorf("relu kernel of depth %d", k.Depth)
		}
		return reluKernelGraph(g, k, x, centers, m, d), nil
	case kernel.Comp:
		if k.L < 2 {
			return "", fmt.Errorf("comp kernel of depth %d", k.L)
		}
		return compKernelGraph(g, k, x, centers, m, d), nil
	}
	return "", fmt.Errorf("kernel %s: export supports poly, rbf, ntk, nngp and comp in the dual form", k)
}

// compKernelGraph adds kernel.Comp: with k_0 = <x,c>/d and k_1 =
// <h1(x), h1(c)>, h1 = (x^2 - 1)/sqrt(2d), every layer l = 2..L has
// s_l = the mean of k_j over its skip set J_l and k_l = (S_l(x) S_l(c) +
// 2 s_l^2)/3, where S_l(.) is the same recursion on the point with itself
// (S_l = s_l, k_l = s_l^2: the x side is computed here, the centers' side
// is stored); the kernel is 1 + sum of k_l.
func compKernelGraph(g *Graph, k kernel.Comp, x string, centers []float64, m, d int) string {
	dot, xx, _ := dotAndNorms(g, x, centers, m, d, 1/float64(d))
	// h1 of the input and of the centers.
	hs := 1 / math.Sqrt(2*float64(d))
	x2 := g.Node("Mul", "comp/x_squared", []string{x, x})
	h1 := g.Node("Sub", "comp/x2_minus_1", []string{x2, f64const(g, "comp/one", 1)})
	h1 = g.Node("Mul", "comp/h1", []string{h1, f64const(g, "comp/h1_scale", hs)}, Doc("h1 = (x^2 - 1)/sqrt(2d)"))
	ht := make([]float64, d*m)
	for j := range m {
		for q, v := range centers[j*d : (j+1)*d] {
			ht[q*m+j] = (v*v - 1) * hs
		}
	}
	k1 := g.Node("MatMul", "comp/k1", []string{h1, Initializer(g, "comp/centers_h1_T", ht, int64(d), int64(m))}, Doc("<h1(x), h1(c)>"))
	h1h1 := g.Node("Mul", "comp/h1_squared", []string{h1, h1})
	xk1 := g.Node("ReduceSum", "comp/h1_norm2", []string{h1h1, "const/axis1"}, Int("keepdims", 1))
	// The centers' terms S_l(c, c), one row per layer.
	self := make([][]float64, k.L+1)
	for l := 2; l <= k.L; l++ {
		self[l] = make([]float64, m)
	}
	for j := range m {
		for i, v := range k.Self(centers[j*d : (j+1)*d]) {
			self[i+2][j] = v
		}
	}
	mean := func(p string, terms []string) string {
		s := terms[0]
		for i, t := range terms[1:] {
			s = g.Node("Add", fmt.Sprintf("%ssum%d", p, i+1), []string{s, t})
		}
		if len(terms) == 1 {
			return s
		}
		return g.Node("Mul", p+"mean", []string{s, f64const(g, p+"inv_count", 1/float64(len(terms)))})
	}
	kk := map[int]string{0: dot, 1: k1} // k_l(x, c) [N,m]
	kx := map[int]string{0: xx, 1: xk1} // k_l(x, x) [N,1]
	third, twoThirds := f64const(g, "comp/third", 1.0/3), f64const(g, "comp/two_thirds", 2.0/3)
	total := ""
	for l := 2; l <= k.L; l++ {
		p := fmt.Sprintf("comp/layer%d/", l)
		var pair, own []string
		for _, j := range k.SkipSet(l) {
			pair, own = append(pair, kk[j]), append(own, kx[j])
		}
		s := mean(p, pair)
		sx := mean(p+"x_", own)
		kx[l] = g.Node("Mul", p+"x_k", []string{sx, sx})
		cross := g.Node("Mul", p+"self_product", []string{sx, Initializer(g, p+"centers_self", self[l], int64(m))})
		s2 := g.Node("Mul", p+"s_squared", []string{s, s})
		a := g.Node("Mul", p+"third_self", []string{cross, third})
		b := g.Node("Mul", p+"two_thirds_s2", []string{s2, twoThirds})
		kk[l] = g.Node("Add", p+"k", []string{a, b}, Doc("(S(x) S(c) + 2 s^2)/3"))
		if total == "" {
			total = kk[l]
		} else {
			total = g.Node("Add", p+"total", []string{total, kk[l]})
		}
	}
	return g.Node("Add", "gram", []string{total, f64const(g, "comp/bias", 1)}, Doc("1 + sum of k_l"))
}

// powGraph raises base to the integer power p by repeated squaring.
func powGraph(g *Graph, base string, p int) string {
	var result string
	sq := base
	for bit := 0; p > 0; bit++ {
		if p&1 == 1 {
			if result == "" {
				result = sq
			} else {
				result = g.Node("Mul", fmt.Sprintf("gram/pow_acc%d", bit), []string{result, sq})
			}
		}
		p >>= 1
		if p > 0 {
			sq = g.Node("Mul", fmt.Sprintf("gram/pow_sq%d", bit+1), []string{sq, sq})
		}
	}
	return g.Node("Identity", "gram", []string{result})
}

// reluKernelGraph adds the arc-cosine recursion of kernel.ReLU on
// z = [x/sqrt(d), 1]: Sigma^0 = <z, z'>, with fixed diagonals, then per
// hidden layer rho = Sigma/norm, Sigma' = norm/pi (sqrt(1-rho^2) +
// (pi - t) rho), Sigma-dot = (pi - t)/pi, Theta' = Theta Sigma-dot +
// Sigma', t = acos(rho).
func reluKernelGraph(g *Graph, k kernel.ReLU, x string, centers []float64, m, d int) string {
	dot, xx, cc := dotAndNorms(g, x, centers, m, d, 1/float64(d))
	one := f64const(g, "const/one64", 1)
	s := g.Node("Add", "ntk/sigma0", []string{dot, one}, Doc("Sigma^0 = <z, z'>, z = [x/sqrt(d), 1]"))
	sxx := g.Node("Add", "ntk/zz_x", []string{xx, one})
	syy := g.Node("Add", "ntk/zz_c", []string{cc, one})
	prod := g.Node("Mul", "ntk/zz_prod", []string{sxx, syy})
	norm := g.Node("Sqrt", "ntk/norm", []string{prod}, Doc("sqrt(Sigma(x,x) Sigma(c,c)), the same at every layer"))
	half := f64const(g, "const/half", 0.5)
	invPi := f64const(g, "const/inv_pi", 1/math.Pi)
	pi := f64const(g, "const/pi", math.Pi)
	theta := s
	for h := 1; h < k.Depth; h++ {
		p := fmt.Sprintf("ntk/layer%d/", h)
		rho := g.Node("Div", p+"rho_raw", []string{s, norm})
		rho = g.Node("Max", p+"rho_lo", []string{rho, f64const(g, p+"minus_one", -1)})
		rho = g.Node("Min", p+"rho", []string{rho, one}, Doc("rho = clip(Sigma/norm, -1, 1)"))
		// u = sin(t/2) = sqrt((1-rho)/2), v = cos(t/2) = sqrt((1+rho)/2).
		u := g.Node("Sqrt", p+"u", []string{g.Node("Mul", p+"u2", []string{g.Node("Sub", p+"one_minus_rho", []string{one, rho}), half})})
		v := g.Node("Sqrt", p+"v", []string{g.Node("Mul", p+"v2", []string{g.Node("Add", p+"one_plus_rho", []string{one, rho}), half})})
		u32 := g.Node("Cast", p+"u_float32", []string{u}, Int("to", int64(dtype.Float32)))
		h0 := g.Node("Asin", p+"half_t0_float32", []string{u32}, Doc("float32 start: asin(u)"))
		ht := g.Node("Cast", p+"half_t0", []string{h0}, Int("to", int64(dtype.Float64)))
		for it := 1; it <= 3; it++ {
			q := fmt.Sprintf("%snewton%d/", p, it)
			c := g.Node("Cos", q+"cos", []string{ht})
			sn := g.Node("Sin", q+"sin", []string{ht})
			f := g.Node("Sub", q+"f", []string{g.Node("Mul", q+"u_cos", []string{u, c}), g.Node("Mul", q+"v_sin", []string{v, sn})})
			df := g.Node("Add", q+"df", []string{g.Node("Mul", q+"u_sin", []string{u, sn}), g.Node("Mul", q+"v_cos", []string{v, c})})
			ht = g.Node("Add", q+"half_t", []string{ht, g.Node("Div", q+"step", []string{f, df})},
				Doc("h += (u cos h - v sin h)/(u sin h + v cos h)"))
		}
		t := g.Node("Add", p+"t", []string{ht, ht}, Doc("t = acos(rho) = 2 atan2(u, v)"))
		piMinusT := g.Node("Sub", p+"pi_minus_t", []string{pi, t})
		sqrt1mr2 := g.Node("Mul", p+"sqrt_1_minus_rho2", []string{g.Node("Mul", p+"uv", []string{u, v}), f64const(g, p+"two", 2)},
			Doc("sqrt(1 - rho^2) = 2uv"))
		inner := g.Node("Add", p+"j1", []string{sqrt1mr2, g.Node("Mul", p+"pi_minus_t_rho", []string{piMinusT, rho})})
		sNew := g.Node("Mul", p+"sigma", []string{g.Node("Mul", p+"norm_inner", []string{norm, inner}), invPi},
			Doc("Sigma = norm/pi (sqrt(1-rho^2) + (pi - t) rho)"))
		sDot := g.Node("Mul", p+"sigma_dot", []string{piMinusT, invPi}, Doc("Sigma-dot = (pi - t)/pi"))
		if !k.NNGP {
			theta = g.Node("Add", p+"theta", []string{g.Node("Mul", p+"theta_sigma_dot", []string{theta, sDot}), sNew},
				Doc("Theta = Theta Sigma-dot + Sigma"))
		}
		s = sNew
	}
	if k.NNGP {
		return g.Node("Identity", "gram", []string{s})
	}
	return g.Node("Identity", "gram", []string{theta})
}

// rfGraph adds the random features phi(x) [N,W] on z = [x/sqrt(d), 1].
func rfGraph(g *Graph, rf *kernel.RandomFeatures, x string, w kernel.Matrix, d int) (string, error) {
	n := w.Rows
	wt := make([]float64, d*n)
	bias := make([]float64, n)
	s := 1 / math.Sqrt(float64(d))
	for r := range n {
		row := w.Row(r)
		for q := range d {
			wt[q*n+r] = row[q] * s
		}
		bias[r] = row[d]
	}
	pre := g.Node("MatMul", "rf/wx", []string{x, Initializer(g, "rf/W_T_scaled", wt, int64(d), int64(n))})
	pre = g.Node("Add", "rf/pre", []string{pre, Initializer(g, "rf/w_bias", bias, int64(n))}, Doc("w_r . [x/sqrt(d), 1]"))
	switch rf.Unit {
	case "relu":
		a := g.Node("Relu", "rf/relu", []string{pre})
		return g.Node("Mul", "phi", []string{a, f64const(g, "rf/scale", math.Sqrt(2/float64(n)))}, Doc("sqrt(2/N) max(0, w.z)")), nil
	case "quad":
		a := g.Node("Mul", "rf/square", []string{pre, pre})
		return g.Node("Mul", "phi", []string{a, f64const(g, "rf/scale", 1/math.Sqrt(3*float64(n)))}, Doc("(w.z)^2 / sqrt(3N)")), nil
	}
	return "", fmt.Errorf("random-feature unit %q not supported", rf.Unit)
}
