//go:build !linux

package importer

import "runtime"

// osYield is runtime.Gosched where sched_yield is not at hand.
func osYield() { runtime.Gosched() }
