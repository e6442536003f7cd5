package app

import (
	"os"
	"strings"
	"testing"

	"github.com/flowhook/flowhook/internal/bus"
)

func TestPayloadFindings(t *testing.T) {
	const MiB = 1 << 20
	for _, tc := range []struct {
		maxPayload    int64
		maxEventBytes int
		want          []string
	}{
		{8 * MiB, MiB, nil}, // the embedded server and deployments/nats
		{2 * MiB, MiB, nil},
		{MiB, MiB, []string{"refused by NATS", "dead letter"}}, // a stock server
		{MiB, 4 * MiB, []string{"refused by NATS", "dead letter"}},
		{MiB + MiB/5, MiB, []string{"dead letter"}},
	} {
		got := payloadFindings(tc.maxPayload, tc.maxEventBytes)
		if len(got) != len(tc.want) {
			t.Errorf("max_payload %d, cap %d: %q, want %d findings", tc.maxPayload, tc.maxEventBytes, got, len(tc.want))
			continue
		}
		for i, w := range tc.want {
			if !strings.Contains(got[i], w) {
				t.Errorf("max_payload %d, cap %d: finding %q lacks %q", tc.maxPayload, tc.maxEventBytes, got[i], w)
			}
		}
	}
}

// TestReadmeSaysWhatMaxPayloadDoes keeps the README's account of the
// start-up check in step with it.
func TestReadmeSaysWhatMaxPayloadDoes(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"`max_payload` well above `--max-event-bytes`", "reads the server's `max_payload` at start-up",
		"no `event_too_large`", "base64-encoded", "`max_payload: 8MB`"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README.md lacks %q", want)
		}
	}
	if bus.DefaultEmbeddedMaxPayload != 8<<20 {
		t.Errorf("the README says the embedded server allows 8 MiB; it allows %d", bus.DefaultEmbeddedMaxPayload)
	}
}
