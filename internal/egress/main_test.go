package egress

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no goroutine outlives the tests. The comparison
// benchmarks (bench_test.go) run fasthttp's own Client, whose cleaner
// goroutines sleep up to 10 s after its last connection closed; this
// package's Client starts none, so only those are excused.
func TestMain(m *testing.M) {
	if os.Getenv(serverEnv) != "" {
		serveBenchServer()
		return
	}
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*Client).mCleaner"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*HostClient).connsCleaner"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*TCPDialer).tcpAddrsClean"),
	)
}
