package main

import (
	"fmt"
	"strconv"
	"strings"
)

// maxSeeds bounds the seeds one flag may name (a typo such as 1-1000000
// is an error, not a week of runs).
const maxSeeds = 10000

// seedList is a flag value holding seeds written as a comma-separated
// list of numbers and inclusive ranges: "1,2,5-8".
type seedList struct{ seeds *[]uint64 }

func (s seedList) Type() string { return "seeds" }

func (s seedList) String() string {
	if s.seeds == nil {
		return ""
	}
	parts := make([]string, len(*s.seeds))
	for i, v := range *s.seeds {
		parts[i] = strconv.FormatUint(v, 10)
	}
	return strings.Join(parts, ",")
}

func (s seedList) Set(v string) error {
	out, err := parseSeeds(v)
	if err != nil {
		return err
	}
	*s.seeds = out
	return nil
}

// parseSeeds parses "1,2,5-8" into 1, 2, 5, 6, 7, 8.
func parseSeeds(v string) ([]uint64, error) {
	var out []uint64
	for _, p := range strings.Split(v, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(p), "-")
		a, err := strconv.ParseUint(lo, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("seeds %q: %q is not a seed or a range a-b", v, p)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(hi, 10, 64); err != nil || b < a {
				return nil, fmt.Errorf("seeds %q: %q is not a range a-b with a <= b", v, p)
			}
		}
		if b-a >= maxSeeds || len(out)+int(b-a+1) > maxSeeds {
			return nil, fmt.Errorf("seeds %q: more than %d seeds", v, maxSeeds)
		}
		for s := a; s <= b; s++ {
			out = append(out, s)
		}
	}
	return out, nil
}
