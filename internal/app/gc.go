package app

import (
	"math"
	"runtime/debug"
)

// Garbage collector defaults of the service (see TuneGC). flowhook
// allocates a few kilobytes per event and keeps little, so at Go's default
// (GOGC=100) it collected every few milliseconds under load: a quarter of
// its CPU went to the collector and to regrowing worker stacks the
// collector had shrunk. A higher GC percent collects four times less
// often; the soft memory limit keeps the heap, and so the resident set,
// bounded all the same: the collector works harder only when memory
// nears the limit.
const (
	// DefaultGCPercent is used unless GOGC is set.
	DefaultGCPercent = 400
	// DefaultMemoryLimit is used unless GOMEMLIMIT is set: 44 MiB keeps
	// flowhook at 61-62.4 MB resident with 256 workers, draining a
	// backlog and over 10,000 endpoints. 46 MiB, the earlier default,
	// peaked at 62.6-64.2 MB once the binary grew (fasthttp, OAuth 2.0,
	// client certificates); in paired runs 44 MiB left flowhook's CPU per
	// event against the receiver's unchanged (2.52 vs 2.50) and cost 3%
	// over 10,000 endpoints (it had doubled it in an earlier round, with
	// the net/http client). Raise it (GOMEMLIMIT) for more workers or many
	// more endpoints, or the collector will run more often than needed.
	DefaultMemoryLimit = 44 << 20
)

// TuneGC applies DefaultGCPercent and DefaultMemoryLimit to the process's
// garbage collector, each unless the environment (read with lookupEnv)
// sets GOGC or GOMEMLIMIT, which the Go runtime has applied already. It
// returns the settings in force (a memory limit of math.MaxInt64 means
// none). Call it once, from main.
func TuneGC(lookupEnv func(string) (string, bool)) (gcPercent int, memoryLimit int64) {
	if _, ok := lookupEnv("GOGC"); !ok {
		debug.SetGCPercent(DefaultGCPercent)
	}
	if _, ok := lookupEnv("GOMEMLIMIT"); !ok {
		debug.SetMemoryLimit(DefaultMemoryLimit)
	}
	gcPercent = debug.SetGCPercent(-1)
	debug.SetGCPercent(gcPercent)
	return gcPercent, debug.SetMemoryLimit(-1)
}

// noMemoryLimit is what debug.SetMemoryLimit reports without a limit.
const noMemoryLimit = math.MaxInt64
