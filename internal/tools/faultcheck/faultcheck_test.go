package faultcheck

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestDeliveryGuarantees is the bounded checker CI runs: every scenario
// on a small batch. Required in each: lost = 0, duplicate outcomes = 0,
// unexpected = 0, every request carrying its id's idempotency key, and the
// scenario's own checks (the fault really landed). `go run
// ./cmd/flowhook-check` is the full version.
func TestDeliveryGuarantees(t *testing.T) {
	if testing.Short() {
		t.Skip("builds flowhook and runs it as processes against NATS")
	}
	bin, err := Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// The markers cmd/flowhook's TestDefaultBuildHasNoFaultInjection finds
	// none of are all in this build: that check can fail.
	if found, err := FaultCode(bin); err != nil || len(found) != len(faultMarkers) {
		t.Fatalf("the fault checker's build shows %d of %d fault-injection traces (%v): %v", len(found), len(faultMarkers), found, err)
	}
	p := Params{Binary: bin, Events: 120, Duration: 2 * time.Second, Replicas: 2, Workers: 32, Dir: t.TempDir(), Progress: testWriter{t}}
	var reports []Report
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			rep, err := RunScenario(context.Background(), p, name)
			if err != nil {
				t.Fatal(err)
			}
			reports = append(reports, rep)
			if !rep.Passed() {
				for class, ids := range rep.Examples {
					t.Logf("%s: %v", class, ids)
				}
				for _, l := range rep.Logs {
					tailLog(t, l)
				}
				t.Fatalf("guarantees broken: %s", strings.Join(rep.Failures, "; "))
			}
		})
	}
	t.Logf("\n%s", Table(reports))
}

// testWriter logs progress lines through t.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// tailLog logs the end of a replica's log.
func tailLog(t *testing.T, path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	t.Logf("--- %s (last lines)\n%s", path, strings.Join(lines[max(0, len(lines)-15):], "\n"))
}
