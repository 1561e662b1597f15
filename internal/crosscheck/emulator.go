package crosscheck

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/hierlearn/hierlearn/internal/reftools"
)

// EmulatorOptions are the settings of tools/train_emulator.py (zero
// values take the script's defaults).
type EmulatorOptions struct {
	Epochs int
	Batch  int
	Growth int
	Opset  int
	LR     float64
	Seed   uint64
}

func (o EmulatorOptions) args() []string {
	var a []string
	add := func(flag string, v any, set bool) {
		if set {
			a = append(a, flag, fmt.Sprint(v))
		}
	}
	add("--epochs", o.Epochs, o.Epochs > 0)
	add("--batch", o.Batch, o.Batch > 0)
	add("--growth", o.Growth, o.Growth > 0)
	add("--opset", o.Opset, o.Opset > 0)
	add("--lr", o.LR, o.LR > 0)
	return append(a, "--seed", fmt.Sprint(o.Seed))
}

// TrainEmulator trains the DenseNet-style emulator of
// tools/train_emulator.py with Debian's PyTorch on the lagfield files
// train and test (concept/lagfield.Save) and returns the directory
// holding model.onnx and emulator_meta.json. The directory is
// dir/<key> (dir "": CacheDir()/emulator), key a hash of both files'
// bytes, the script and the options: a model already trained on the same
// data with the same settings is reused.
func TrainEmulator(ctx context.Context, train, test, dir string, opt EmulatorOptions) (string, error) {
	py, err := reftools.Python("torch", "onnx")
	if err != nil {
		return "", err
	}
	script, err := reftools.Tool("train_emulator.py")
	if err != nil {
		return "", err
	}
	if dir == "" {
		c, err := CacheDir()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(c, "emulator")
	}
	h := sha256.New()
	for _, p := range []string{train, test, script} {
		if err := hashFile(h, p); err != nil {
			return "", fmt.Errorf("crosscheck: emulator: %w", err)
		}
	}
	fmt.Fprint(h, opt.args())
	out := filepath.Join(dir, hex.EncodeToString(h.Sum(nil)[:8]))
	if _, err := os.Stat(filepath.Join(out, "emulator_meta.json")); err == nil {
		return out, nil
	}
	args := append([]string{script, "--train", train, "--test", test, "--out", out}, opt.args()...)
	b, err := exec.CommandContext(ctx, py, args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("crosscheck: train_emulator.py: %w\n%s", err, b)
	}
	return out, nil
}

func hashFile(h io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(h, f)
	return err
}
