package request

import (
	"testing"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// BenchmarkBuildModes builds the benchmark request (six parameters, two
// headers) in each body mode, and signed, as the dispatcher does
// (Outbound).
func BenchmarkBuildModes(b *testing.B) {
	bl := NewBuilder(secretMap{"crm-token": "eyJhbGciOiJIUzI1NiJ9.payload.sig", "hook": signingKey}, "flowhook/1.0")
	for _, bb := range []struct {
		name   string
		mode   flowevent.BodyMode
		signed bool
	}{
		{"query", flowevent.BodyQuery, false},
		{"json", flowevent.BodyJSON, false},
		{"form", flowevent.BodyForm, false},
		{"json_signed", flowevent.BodyJSON, true},
	} {
		req := benchRequest(b)
		req.Node.Body = bb.mode
		req.Node.Headers = req.Node.Headers[1:] // Content-Type set by the mode
		if bb.signed {
			req.Node.Signing = &flowevent.Signing{Scheme: flowevent.SigningStandardWebhooks, Secret: "hook"}
		}
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := bl.Outbound("01J9ZK8Q3W6V5X4Y3Z2A1B0C9D", req, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
