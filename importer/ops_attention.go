package importer

import (
	"fmt"
	"math"
)

// attnSpec is the geometry of an Attention node: B batches, Hq query
// heads sharing Hkv key/value heads, Sq queries of size D, P past and Skv
// new keys (T = P+Skv), values of size Dv; q3 when Q, K, V (and Y) are
// 3-D (B, S, heads·size).
type attnSpec struct {
	B, Hq, Hkv, Sq, Skv, P, T, D, Dv int
	q3                               bool
	mask                             *bcast // attn_mask over (B, Hq, Sq, T'), nil without
	maskT                            int    // the mask's last dim T' (<= T: the rest is masked)
}

func attnOf(n *Node, in []*info) (*attnSpec, error) {
	q, k, v := in[0], in[1], in[2]
	s := &attnSpec{}
	switch {
	case len(q.shape) == 4 && len(k.shape) == 4 && len(v.shape) == 4:
		s.B, s.Hq, s.Sq, s.D = q.shape[0], q.shape[1], q.shape[2], q.shape[3]
		s.Hkv, s.Skv, s.Dv = k.shape[1], k.shape[2], v.shape[3]
		if k.shape[3] != s.D || v.shape[1] != s.Hkv || v.shape[2] != s.Skv {
			return nil, fmt.Errorf("%w: Q %v, K %v, V %v", ErrShape, q.shape, k.shape, v.shape)
		}
	case len(q.shape) == 3 && len(k.shape) == 3 && len(v.shape) == 3:
		s.q3 = true
		s.Hq, s.Hkv = int(n.attrInt("q_num_heads", 0)), int(n.attrInt("kv_num_heads", 0))
		if s.Hq < 1 || s.Hkv < 1 || q.shape[2]%s.Hq != 0 || k.shape[2]%s.Hkv != 0 || v.shape[2]%s.Hkv != 0 {
			return nil, fmt.Errorf("%w: 3-D Q %v, K %v, V %v need q_num_heads and kv_num_heads dividing them", ErrShape, q.shape, k.shape, v.shape)
		}
		s.B, s.Sq, s.D = q.shape[0], q.shape[1], q.shape[2]/s.Hq
		s.Skv, s.Dv = k.shape[1], v.shape[2]/s.Hkv
		if k.shape[2]/s.Hkv != s.D || v.shape[1] != s.Skv {
			return nil, fmt.Errorf("%w: Q %v, K %v, V %v", ErrShape, q.shape, k.shape, v.shape)
		}
	default:
		return nil, fmt.Errorf("%w: Q %v, K %v, V %v must all be 3-D or 4-D", ErrShape, q.shape, k.shape, v.shape)
	}
	if k.shape[0] != s.B || v.shape[0] != s.B || s.Hq%s.Hkv != 0 {
		return nil, fmt.Errorf("%w: Q %v, K %v, V %v", ErrShape, q.shape, k.shape, v.shape)
	}
	pk, pv := input(in, 4), input(in, 5)
	if (pk == nil) != (pv == nil) {
		return nil, fmt.Errorf("%w: past_key and past_value go together", ErrShape)
	}
	if pk != nil {
		if len(pk.shape) != 4 || len(pv.shape) != 4 || pk.shape[0] != s.B || pk.shape[1] != s.Hkv || pk.shape[3] != s.D ||
			!sameShape(pv.shape[:3], pk.shape[:3]) || pv.shape[3] != s.Dv {
			return nil, fmt.Errorf("%w: past_key %v, past_value %v", ErrShape, pk.shape, pv.shape)
		}
		s.P = pk.shape[2]
	}
	s.T = s.P + s.Skv
	if m := input(in, 3); m != nil {
		r := len(m.shape)
		if r < 2 || r > 4 || m.shape[r-1] > s.T {
			return nil, fmt.Errorf("%w: attn_mask %v for %d keys", ErrShape, m.shape, s.T)
		}
		s.maskT = m.shape[r-1]
		full := []int{s.B, s.Hq, s.Sq, s.maskT}
		if b, err := broadcastShape(full, m.shape); err != nil || !sameShape(b, full) {
			return nil, fmt.Errorf("%w: attn_mask %v does not broadcast to %v", ErrShape, m.shape, full)
		}
		s.mask = newBcast(full, m.shape)
	}
	return s, nil
}

// buildAttention is Attention-23/24 (scaled dot-product attention with
// grouped heads, boolean or additive masks, causal masking aligned to the
// past, softcap, a KV cache, and the qk_matmul_output modes), computed in
// float64 per row.
func buildAttention(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 3); err != nil {
		return nil, nil, err
	}
	if err := wantFloat(in, 0, 1, 2, 4, 5); err != nil {
		return nil, nil, err
	}
	s, err := attnOf(n, in)
	if err != nil {
		return nil, nil, err
	}
	if input(in, 6) != nil {
		return nil, nil, fmt.Errorf("%w: nonpad_kv_seqlen", ErrUnsupported)
	}
	scale := 1 / math.Sqrt(float64(s.D))
	if n.has("scale") {
		scale = float64(n.attrFloat("scale", 0))
	}
	softcap := float64(n.attrFloat("softcap", 0))
	causal := n.attrInt("is_causal", 0) != 0
	mode := n.attrInt("qk_matmul_output_mode", 0)
	y := []int{s.B, s.Hq, s.Sq, s.Dv}
	if s.q3 {
		y = []int{s.B, s.Sq, s.Hq * s.Dv}
	}
	outs := []*info{{dt: Float32, shape: y}, {dt: Float32, shape: []int{s.B, s.Hkv, s.T, s.D}},
		{dt: Float32, shape: []int{s.B, s.Hkv, s.T, s.Dv}}, {dt: Float32, shape: []int{s.B, s.Hq, s.Sq, s.T}}}
	maskBool := input(in, 3) != nil && in[3].dt == Bool
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		// qAt, kAt, vAt index the inputs by (batch, head, position, element).
		qAt := func(b, h, i, d int) float64 {
			if s.q3 {
				return float64(in[0].F[(b*s.Sq+i)*s.Hq*s.D+h*s.D+d])
			}
			return float64(in[0].F[((b*s.Hq+h)*s.Sq+i)*s.D+d])
		}
		kvAt := func(t *Tensor, past *Tensor, size, b, h, j, d int) float64 {
			if j < s.P {
				return float64(past.F[((b*s.Hkv+h)*s.P+j)*size+d])
			}
			j -= s.P
			if s.q3 {
				return float64(t.F[(b*s.Skv+j)*s.Hkv*size+h*size+d])
			}
			return float64(t.F[((b*s.Hkv+h)*s.Skv+j)*size+d])
		}
		var pk, pv *Tensor
		if len(in) > 5 {
			pk, pv = in[4], in[5]
		}
		var mask []float64
		if s.mask != nil {
			mask = make([]float64, s.B*s.Hq*s.Sq*s.maskT)
			m := in[3]
			s.mask.rows(func(oi int, offs []int, n int, st []int) {
				for i := 0; i < n; i++ {
					e := offs[0] + i*st[0]
					if maskBool {
						if m.I[e] == 0 {
							mask[oi+i] = math.Inf(-1)
						}
					} else {
						mask[oi+i] = float64(m.F[e])
					}
				}
			})
		}
		for b := 0; b < s.B; b++ {
			for h := 0; h < s.Hq; h++ {
				hk := h / (s.Hq / s.Hkv)
				for i := 0; i < s.Sq; i++ {
					row := make([]float64, s.T)
					for j := range row {
						dot := 0.0
						for d := 0; d < s.D; d++ {
							dot += qAt(b, h, i, d) * kvAt(in[1], pk, s.D, b, hk, j, d)
						}
						row[j] = dot * scale
					}
					qkOut := func(m int64) {
						if m == mode && len(out) > 3 && out[3].F != nil {
							for j, v := range row {
								out[3].F[((b*s.Hq+h)*s.Sq+i)*s.T+j] = float32(v)
							}
						}
					}
					qkOut(0)
					if softcap > 0 {
						for j, v := range row {
							row[j] = softcap * math.Tanh(v/softcap)
						}
					}
					qkOut(1)
					for j := range row {
						switch {
						case mask != nil && j >= s.maskT:
							row[j] = math.Inf(-1)
						case mask != nil:
							row[j] += mask[((b*s.Hq+h)*s.Sq+i)*s.maskT+j]
						}
						if causal && j > i+s.P {
							row[j] = math.Inf(-1)
						}
					}
					qkOut(2)
					mx := math.Inf(-1)
					for _, v := range row {
						mx = math.Max(mx, v)
					}
					sum := 0.0
					for j, v := range row {
						row[j] = math.Exp(v - mx)
						sum += row[j]
					}
					for j := range row {
						row[j] /= sum
					}
					qkOut(3)
					for d := 0; d < s.Dv; d++ {
						acc := 0.0
						for j, p := range row {
							acc += p * kvAt(in[2], pv, s.Dv, b, hk, j, d)
						}
						if s.q3 {
							out[0].F[(b*s.Sq+i)*s.Hq*s.Dv+h*s.Dv+d] = float32(acc)
						} else {
							out[0].F[((b*s.Hq+h)*s.Sq+i)*s.Dv+d] = float32(acc)
						}
					}
				}
			}
		}
		for o, t := range []*Tensor{in[1], in[2]} { // present_key, present_value
			if len(out) <= 1+o || out[1+o].F == nil {
				continue
			}
			past, size := pk, s.D
			if o == 1 {
				past, size = pv, s.Dv
			}
			for b := 0; b < s.B; b++ {
				for h := 0; h < s.Hkv; h++ {
					for j := 0; j < s.T; j++ {
						for d := 0; d < size; d++ {
							out[1+o].F[((b*s.Hkv+h)*s.T+j)*size+d] = float32(kvAt(t, past, size, b, h, j, d))
						}
					}
				}
			}
		}
	}}
	return outs, k, nil
}
