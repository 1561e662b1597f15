package kernel

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ErrTooLarge is wrapped by the error returned when a fit would need more
// memory than the limit (Options.MemLimit).
var ErrTooLarge = errors.New("problem too large for the chosen method")

// MemFraction is the share of physical memory that a fit may use by
// default.
const MemFraction = 0.7

// DefaultMemLimit returns MemFraction of the physical memory reported by
// /proc/meminfo, or 4 GiB where that cannot be read.
func DefaultMemLimit() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 4 << 30
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err == nil {
				return int64(MemFraction * float64(kb) * 1024)
			}
		}
	}
	return 4 << 30
}

// checkMem returns an ErrTooLarge error when need bytes exceed limit.
func checkMem(need, limit int64, what, hint string) error {
	if need > limit {
		return fmt.Errorf("%w: %s needs about %s, over the limit of %s; %s",
			ErrTooLarge, what, gib(need), gib(limit), hint)
	}
	return nil
}

func gib(b int64) string { return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30)) }
