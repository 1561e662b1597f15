// Package version holds the toolkit's version string, stamped into every
// result file, exported model and `hierlearn version`.
//
//	meta["version"] = version.Full() // for example "0.1.0-dev+a1b2c3d"
package version

import (
	"runtime"
	"runtime/debug"
)

// Version is the toolkit's semantic version. Release builds may override
// it with -ldflags "-X github.com/hierlearn/hierlearn/internal/version.Version=...".
var Version = "0.1.0-dev"

// Full returns the version with the VCS revision when the binary was built
// from a git checkout, e.g. "0.1.0-dev+3f2a1c9" or "0.1.0-dev+3f2a1c9-dirty".
func Full() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return Version
	}
	var rev string
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return Version
	}
	if len(rev) > 7 {
		rev = rev[:7]
	}
	v := Version + "+" + rev
	if dirty {
		v += "-dirty"
	}
	return v
}

// GoVersion is the Go toolchain that built the binary.
func GoVersion() string { return runtime.Version() }
