package scaleout

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/flowhook/flowhook/internal/tools/faultcheck"
)

// testWriter sends progress lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(string(b[:len(b)-1]))
	return len(b), nil
}

// TestScaleOut is the bounded scale-out check CI runs: three replicas on
// a 3-node cluster, one replica SIGKILLed and one NATS node shut down
// under load. No event may be lost, answered twice or answered
// unexpectedly, and every replica must do its share.
func TestScaleOut(t *testing.T) {
	if testing.Short() {
		t.Skip("builds flowhook and runs a NATS cluster and three processes")
	}
	bin, err := faultcheck.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rep, err := Run(context.Background(), Params{Binary: bin, Dir: dir, Events: 2400, Duration: 12 * time.Second, Progress: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", rep)
	if !rep.Passed() {
		for _, l := range rep.Logs {
			if b, err := os.ReadFile(l); err == nil {
				t.Logf("%s:\n%s", l, tail(b, 4000))
			}
		}
		t.Fatalf("scale-out guarantees broken: %v", rep.Problems())
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
