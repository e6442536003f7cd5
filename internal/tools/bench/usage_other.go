//go:build !unix

package bench

// processUsage is not available here: CPU and memory read as zero.
func processUsage() (cpuMicros, maxRSSKB int64) { return 0, 0 }

// rssKB is not available here.
func rssKB(int) (int64, bool) { return 0, false }
