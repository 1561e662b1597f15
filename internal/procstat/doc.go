// Package procstat reads this process's resource usage for the
// benchmarks: CPU seconds (user and system, all threads together) and
// peak resident memory. On a shared machine wall-clock times swing with
// the other load while CPU time moves much less, so the bench commands
// report both.
package procstat
