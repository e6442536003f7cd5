package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/internal/testsupport/poll"
)

// waitPulling waits until the dispatcher has a pull request waiting on its
// consumer: it is running, and a stop is a clean one.
func waitPulling(t *testing.T, url string) {
	t.Helper()
	_, js := bustest.Connect(t, url)
	poll.Until(t, 15*time.Second, "the dispatcher pulls", func() bool {
		c, err := js.Consumer(context.Background(), bus.DefaultRequestStream, "flowhook")
		if err != nil {
			return false
		}
		info, err := c.Info(context.Background())
		return err == nil && info.NumWaiting > 0
	})
}

// TestMaxPayloadCheckedAtStart: against a server with NATS's stock 1 MiB
// max_payload, the default --max-event-bytes (1 MiB) draws start-up
// warnings naming both limits; against the embedded server's 8 MiB, none.
func TestMaxPayloadCheckedAtStart(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	for _, tc := range []struct {
		name       string
		maxPayload int32
		warnings   int
	}{
		{"stock server", 1 << 20, 2},
		{"embedded default", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emb, err := bus.StartEmbedded(bus.EmbeddedOptions{StoreDir: t.TempDir(), MaxPayload: tc.maxPayload})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(emb.Shutdown)
			var logs syncBuffer
			startAppWithLog(t, testConfig(emb.ClientURL()), zerolog.New(&logs))
			waitPulling(t, emb.ClientURL())
			n := 0
			for _, l := range logLines(t, &logs) {
				msg, _ := l["message"].(string)
				if !strings.HasPrefix(msg, "nats: ") || !strings.Contains(msg, "max_payload") {
					continue
				}
				n++
				if l["level"] != "warn" || l["max_payload"] != float64(1<<20) || l["max_event_bytes"] != float64(1<<20) {
					t.Errorf("warning %v: want level warn and both limits", l)
				}
			}
			if n != tc.warnings {
				t.Errorf("%d max_payload warnings, want %d:\n%s", n, tc.warnings, logs.Bytes())
			}
		})
	}
}
