package dispatch

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no goroutine outlives the tests: a Dispatcher's
// Run returns only once every goroutine it started (workers, pulls, the
// acker, the keeper, the poison capture) has ended.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
