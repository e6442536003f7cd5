package request

import (
	"context"
	"io"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// TestOutboundFields: header fields go out in the node's order with the
// names it configures, flowhook's own after them, then the body's
// Content-Type and the signature.
func TestOutboundFields(t *testing.T) {
	b := NewBuilder(secretMap{"tok": "s3cret", "hook": signingKey}, "flowhook/test", WithClock(fixedClock))
	n := node("POST", "https://h/p", static("a", "1"))
	n.Body = flowevent.BodyJSON
	n.Headers = []flowevent.Header{
		{Name: "X-API-KEY", Secret: "tok"}, {Name: "x-lower", Value: "v"}, {Name: "X-API-KEY", Value: "again"},
	}
	n.Signing = &flowevent.Signing{Scheme: flowevent.SigningStandardWebhooks, Secret: "hook"}
	out, _, err := b.Outbound("req-1", event(n, nil, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range out.Header {
		names = append(names, f.Name)
	}
	want := []string{"X-API-KEY", "x-lower", "X-API-KEY", "Idempotency-Key", "Webhook-Id", "User-Agent",
		"Content-Type", "Webhook-Timestamp", "Webhook-Signature"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("fields %q, want %q", names, want)
	}
	if out.Get("x-api-key") != "s3cret" || string(out.Body) != `{"a":"1"}` {
		t.Errorf("fields %v body %s", out.Header, out.Body)
	}
}

// TestBuildIsOutbound: Build (what render shows) and Outbound (what is
// sent) agree on method, URL, every header field and the body.
func TestBuildIsOutbound(t *testing.T) {
	b := NewBuilder(secretMap{"crm-token": "s3cret", "hook": signingKey}, "ua", WithClock(fixedClock))
	for _, mode := range []flowevent.BodyMode{"", flowevent.BodyJSON, flowevent.BodyForm} {
		req := benchRequest(t)
		req.Node.Body = mode
		req.Node.Headers = append(req.Node.Headers[1:], flowevent.Header{Name: "x-Mixed-CASE", Value: "v"})
		if mode != "" {
			req.Node.Signing = &flowevent.Signing{Scheme: flowevent.SigningStandardWebhooks, Secret: "hook"}
		}
		out, _, err := b.Outbound("req-1", req, Options{TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
		if err != nil {
			t.Fatal(err)
		}
		hr, _, err := b.Build(context.Background(), "req-1", req, Options{TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
		if err != nil {
			t.Fatal(err)
		}
		if hr.Method != out.Method || hr.URL.String() != out.URL.String() || hr.URL.RequestURI() != out.URL.RequestURI() {
			t.Errorf("%s: Build %s %s, Outbound %s %s", mode, hr.Method, hr.URL, out.Method, out.URL)
		}
		h := http.Header{}
		for _, f := range out.Header {
			h.Add(f.Name, f.Value)
		}
		if !reflect.DeepEqual(h, hr.Header) {
			t.Errorf("%s: Build header %v, Outbound %v", mode, hr.Header, h)
		}
		var body []byte
		if hr.GetBody != nil {
			rc, _ := hr.GetBody()
			body, _ = io.ReadAll(rc)
		}
		if string(body) != string(out.Body) {
			t.Errorf("%s: Build body %q, Outbound %q", mode, body, out.Body)
		}
	}
}

// fixedClock is a clock stopped at one instant.
func fixedClock() time.Time { return time.Unix(1_700_000_000, 0) }
