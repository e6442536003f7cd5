package nodestats

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no goroutine outlives the tests: the aggregator's
// lease keeper and watchers, the admin handlers and the browser tests'
// Chromium driver all stop with their test.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
