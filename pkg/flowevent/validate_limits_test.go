package flowevent

import (
	"math"
	"strings"
	"testing"
)

func TestCheckLimits(t *testing.T) {
	tests := []struct {
		name    string
		conc    int
		rate    float64
		badPath string // empty: valid
	}{
		{"defaults", 0, 0, ""},
		{"cap and rate", 2, 5, ""},
		{"largest", MaxNodeConcurrency, MaxRatePerSecond, ""},
		{"slowest rate", 1, MinRatePerSecond, ""},
		{"negative cap", -1, 0, "max_concurrency"},
		{"cap too large", MaxNodeConcurrency + 1, 0, "max_concurrency"},
		{"negative rate", 0, -1, "rate_per_second"},
		{"rate too small", 0, 0.001, "rate_per_second"},
		{"rate too large", 0, MaxRatePerSecond * 2, "rate_per_second"},
		{"rate NaN", 0, math.NaN(), "rate_per_second"},
		{"rate infinite", 0, math.Inf(1), "rate_per_second"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p problems
			checkLimits(&p, NodeConfig{MaxConcurrency: tt.conc, RatePerSecond: tt.rate})
			err := asError(p.list)
			if tt.badPath == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.badPath) {
				t.Fatalf("err = %v, want a problem at %s", err, tt.badPath)
			}
		})
	}
}
