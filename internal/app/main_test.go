package app_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no goroutine outlives the tests: an App's Wait
// returns only once its dispatcher, admin server, node stats, fleet
// breaker and NATS connection have stopped, and the embedded servers,
// receivers and clients the tests start are closed at cleanup.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
