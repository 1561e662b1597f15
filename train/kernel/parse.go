package kernel

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hierlearn/hierlearn/concept"
)

// ErrSpec is wrapped by every error of Parse.
var ErrSpec = errors.New("bad kernel spec")

// Specs lists the accepted kernel specs, for help texts.
const Specs = "poly:P[:c=C] | rbf[:gamma=G] | ntk:D | nngp:D | comp[:L[:default|chain|dense]] | rf-relu:W | rf-quad:W | linear"

// Parse reads a kernel spec (see Specs). Random-feature specs (rf-relu:W,
// rf-quad:W) draw their weights from seed; the others ignore it. The
// result is a Kernel; for random features it is also a FeatureMap (use
// AsFeatureMap).
func Parse(spec string, seed uint64) (Kernel, error) {
	parts := strings.Split(strings.TrimSpace(spec), ":")
	name, args := strings.ToLower(parts[0]), parts[1:]
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w %q: %s (want %s)", ErrSpec, spec, fmt.Sprintf(format, a...), Specs)
	}
	posInt := func(s, what string, lo, hi int) (int, error) {
		v, err := strconv.Atoi(s)
		if err != nil || v < lo || v > hi {
			return 0, bad("%s %q must be an integer in [%d, %d]", what, s, lo, hi)
		}
		return v, nil
	}
	keyval := func(s, key string) (float64, error) {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k != key {
			return 0, bad("want %s=VALUE, got %q", key, s)
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, bad("%s=%q is not a number", key, v)
		}
		return f, nil
	}
	switch name {
	case "linear":
		if len(args) != 0 {
			return nil, bad("linear takes no arguments")
		}
		return Poly{Degree: 1, C: 0}, nil
	case "poly":
		if len(args) < 1 || len(args) > 2 {
			return nil, bad("poly needs a degree")
		}
		p, err := posInt(args[0], "degree", 1, 64)
		if err != nil {
			return nil, err
		}
		k := Poly{Degree: p, C: 1}
		if len(args) == 2 {
			if k.C, err = keyval(args[1], "c"); err != nil {
				return nil, err
			}
			if k.C < 0 {
				return nil, bad("c must be >= 0 for a positive definite kernel")
			}
		}
		return k, nil
	case "rbf":
		if len(args) > 1 {
			return nil, bad("too many arguments")
		}
		var k RBF
		if len(args) == 1 {
			g, err := keyval(args[0], "gamma")
			if err != nil {
				return nil, err
			}
			if !(g > 0) {
				return nil, bad("gamma must be > 0")
			}
			k.Gamma = g
		}
		return k, nil
	case "ntk", "nngp":
		if len(args) != 1 {
			return nil, bad("%s needs a depth", name)
		}
		dep, err := posInt(args[0], "depth", 2, 1000)
		if err != nil {
			return nil, err
		}
		return ReLU{Depth: dep, NNGP: name == "nngp"}, nil
	case "comp":
		k := Comp{L: 3, Skips: concept.SkipDefault}
		if len(args) > 2 {
			return nil, bad("too many arguments")
		}
		if len(args) >= 1 {
			l, err := posInt(args[0], "depth L", 2, maxCompDepth)
			if err != nil {
				return nil, err
			}
			k.L = l
		}
		if len(args) == 2 {
			switch args[1] {
			case concept.SkipDefault, concept.SkipChain, concept.SkipDense:
				k.Skips = args[1]
			default:
				return nil, bad("skip family %q is not default, chain or dense", args[1])
			}
		}
		return k, nil
	case "rf-relu", "rf-quad":
		if len(args) != 1 {
			return nil, bad("%s needs a width", name)
		}
		w, err := posInt(args[0], "width", 1, 1<<24)
		if err != nil {
			return nil, err
		}
		return FeatureKernel{Map: &RandomFeatures{Unit: strings.TrimPrefix(name, "rf-"), N: w, Seed: seed}}, nil
	case "":
		return nil, bad("empty")
	}
	return nil, bad("unknown kernel %q", name)
}

// AsFeatureMap returns the feature map behind k, if it has one.
func AsFeatureMap(k Kernel) (FeatureMap, bool) {
	if f, ok := k.(FeatureKernel); ok {
		return f.Map, true
	}
	return nil, false
}
