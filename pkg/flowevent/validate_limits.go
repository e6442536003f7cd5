package flowevent

import "math"

// Bounds of NodeConfig.MaxConcurrency and NodeConfig.RatePerSecond.
const (
	MaxNodeConcurrency = 1000
	MinRatePerSecond   = 0.01
	MaxRatePerSecond   = 10_000
)

// checkLimits checks a node's endpoint limits.
func checkLimits(p *problems, n NodeConfig) {
	if n.MaxConcurrency < 0 || n.MaxConcurrency > MaxNodeConcurrency {
		p.errorf("max_concurrency", "must be 0 (the operator's default) or between 1 and %d", MaxNodeConcurrency)
	}
	r := n.RatePerSecond
	if math.IsNaN(r) || (r != 0 && (r < MinRatePerSecond || r > MaxRatePerSecond)) {
		p.errorf("rate_per_second", "must be 0 (the operator's default) or between %g and %g", MinRatePerSecond, float64(MaxRatePerSecond))
	}
}
