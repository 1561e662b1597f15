package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/concept/lagfield"
	"github.com/hierlearn/hierlearn/export"
)

func init() { registerSub("data", newDataLagfieldCmd) }

// lagfieldTestSeed offsets the test set's seed from the training seed, so
// the two series never share a stream.
const lagfieldTestSeed = 1 << 40

func newDataLagfieldCmd() *cobra.Command {
	s := lagfield.DefaultSpec()
	var n, nTest int
	var seed uint64
	var out, onnxOut string
	var opset int
	cmd := &cobra.Command{
		Use:   "lagfield [--n 2000] [--n-test 500] [--seed 1] [spec flags] [--onnx target.onnx] -o OUTDIR/",
		Short: "Gridded spatio-temporal data with a known feature importance (OUTDIR/train.npz, test.npz)",
		Long: `lagfield generates the feature-importance test bed of concept/lagfield: C
input channels as AR(1) series on an H x W grid, examples the windows of
the last L steps (x float32 [N, C*L, H, W], channel c*L + l holding lag
l), and the target field

  u(t, p) = sum_c a_c sum_l exp(-l/tau) sum_{|o| <= R} exp(-|o|/ell) x_c(t-l, p+o) / s
  y(t, p) = u + beta tanh(u) + noise N(0, 1)

(y float32 [N, 1, H, W]), so the true importance of every input for every
output point is known. Writes OUTDIR/train.npz (seed --seed) and
OUTDIR/test.npz (seed --seed + 2^40), each with x, y, the true weights
(C, L, 2R+1, 2R+1) and meta (spec, seed, version). --onnx also writes the
noise-free target as ONNX (input x, outputs u and y; one Conv with the
true weights), which 'hierlearn validate' checks against onnxruntime.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("-o OUTDIR is required")
			}
			if err := s.Validate(); err != nil {
				return err
			}
			for _, p := range []struct {
				name string
				n    int
				seed uint64
			}{{"train.npz", n, seed}, {"test.npz", nTest, seed + lagfieldTestSeed}} {
				ds, err := s.Sample(p.n, p.seed)
				if err != nil {
					return err
				}
				path := filepath.Join(out, p.name)
				if err := lagfield.Save(path, s, ds); err != nil {
					return err
				}
				if !global.quiet {
					fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: x %d x %v, y %d x %v\n", path, ds.N, ds.Shape, ds.N, ds.YShape)
				}
			}
			if onnxOut != "" {
				m, err := export.LagField(s, opset)
				if err != nil {
					return err
				}
				if err := export.WriteModel(onnxOut, m); err != nil {
					return err
				}
				if !global.quiet {
					fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: the noise-free target (opset %d)\n", onnxOut, opset)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&onnxOut, "onnx", "", "also write the noise-free target as ONNX to this file")
	f.IntVar(&opset, "opset", 17, "ONNX opset of --onnx (13 or 17)")
	f.IntVar(&n, "n", 2000, "training examples")
	f.IntVar(&nTest, "n-test", 500, "test examples")
	f.Uint64Var(&seed, "seed", 1, "data seed")
	f.IntVar(&s.H, "height", s.H, "grid rows H")
	f.IntVar(&s.W, "width", s.W, "grid columns W")
	f.IntVar(&s.Lags, "lags", s.Lags, "lags L")
	f.IntVar(&s.Channels, "channels", s.Channels, "input channels C (give --amp with C values)")
	f.Float64SliceVar(&s.Amp, "amp", s.Amp, "coupling a_c of each channel (0: a distractor)")
	f.Float64Var(&s.Tau, "tau", s.Tau, "temporal decay tau (steps)")
	f.Float64Var(&s.Ell, "ell", s.Ell, "spatial decay ell (cells)")
	f.IntVar(&s.Radius, "radius", s.Radius, "radius R of the acting offsets")
	f.Float64Var(&s.Rho, "rho", s.Rho, "AR(1) coefficient of the inputs")
	f.Float64Var(&s.Beta, "beta", s.Beta, "nonlinearity: y = u + beta tanh(u)")
	f.Float64Var(&s.Noise, "noise", s.Noise, "target noise std")
	f.StringVarP(&out, "output", "o", "", "output directory")
	return cmd
}
