package request

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// sensitive marks values that must never appear in an error.
const sensitive = "S3NSITIVE"

func TestBuildErrors(t *testing.T) {
	secrets := secretMap{
		"tok":     sensitive + "-token",
		"newline": sensitive + "-file\n",
	}
	attrs := map[string]any{"email": sensitive + "@example.com", "nan": map[string]any{"x": math.NaN()}, "ch": make(chan int)}
	withHeaders := func(n flowevent.NodeConfig, h ...flowevent.Header) flowevent.NodeConfig {
		n.Headers = h
		return n
	}
	const okURL = "https://api.example.com/v1?key=" + sensitive
	okTarget := Target{Origin: "https://api.example.com:443", Endpoint: flowevent.Endpoint{Scheme: "https", Host: "api.example.com", Port: 443}, Path: "/v1"}
	tests := []struct {
		name       string
		node       flowevent.NodeConfig
		wantReason flowevent.Reason
		wantDetail string // substring
		wantTarget Target
	}{
		{"missing secret param",
			node("GET", okURL, profile("email", "email"), flowevent.Param{Name: "k", From: flowevent.FromSecret, Secret: "api-key"}),
			flowevent.ReasonSecretMissing, `secret "api-key" for params[1] "k" not found`, okTarget},
		{"secret param without a name",
			node("GET", okURL, flowevent.Param{Name: "k", From: flowevent.FromSecret}),
			flowevent.ReasonSecretMissing, `secret "" for params[0] "k" not found`, okTarget},
		{"missing secret header",
			withHeaders(node("GET", okURL, profile("email", "email")), flowevent.Header{Name: "Authorization", Prefix: "Bearer ", Secret: "crm"}),
			flowevent.ReasonSecretMissing, `secret "crm" for headers[0] "Authorization" not found`, okTarget},
		{"unknown param source",
			node("GET", okURL, static("a", sensitive), flowevent.Param{Name: "b", From: "cookie", Path: "x"}),
			flowevent.ReasonInvalidConfig, `params[1] "b" has unknown source "cookie"`, okTarget},
		{"empty param source",
			node("GET", okURL, flowevent.Param{Name: "b", Value: sensitive}),
			flowevent.ReasonInvalidConfig, `params[0] "b" has unknown source ""`, okTarget},
		{"value with no text form (NaN inside an object)",
			node("GET", okURL, profile("n", "nan")),
			flowevent.ReasonInvalidEvent, `value of params[0] "n" has no text form`, okTarget},
		{"value with no text form (channel)",
			node("GET", okURL, profile("c", "ch")),
			flowevent.ReasonInvalidEvent, `value of params[0] "c" has no text form`, okTarget},
		{"lower-case method",
			node("get", okURL), flowevent.ReasonInvalidConfig, "method must be", okTarget},
		{"empty method",
			node("", okURL), flowevent.ReasonInvalidConfig, "method must be", okTarget},
		{"other method",
			node("OPTIONS", okURL), flowevent.ReasonInvalidConfig, "method must be", okTarget},
		{"scheme ftp",
			node("GET", "ftp://h/x?key="+sensitive, static("a", "1")), flowevent.ReasonInvalidConfig, "scheme must be http or https", Target{}},
		{"relative URL",
			node("GET", "/v1/leads?key="+sensitive), flowevent.ReasonInvalidConfig, "scheme must be http or https", Target{}},
		{"empty URL",
			node("GET", ""), flowevent.ReasonInvalidConfig, "scheme must be http or https", Target{}},
		{"opaque URL",
			node("GET", "http:"+sensitive), flowevent.ReasonInvalidConfig, "url has no host", Target{}},
		{"user info",
			node("GET", "https://user:"+sensitive+"@h/x"), flowevent.ReasonInvalidConfig, "must not carry user info", Target{}},
		{"port 0",
			node("GET", "https://h:0/x"), flowevent.ReasonInvalidConfig, "port must be between 1 and 65535", Target{}},
		{"port too large",
			node("GET", "https://h:65536/x"), flowevent.ReasonInvalidConfig, "port must be between 1 and 65535", Target{}},
		{"unparsable URL",
			node("GET", "https://h/%zz?key="+sensitive, static("a", "1")), flowevent.ReasonInvalidConfig, "url cannot be parsed", Target{}},
		{"bad host",
			node("GET", "https://h h/?key="+sensitive), flowevent.ReasonInvalidConfig, "url cannot be parsed", Target{}},
		{"control character in URL",
			node("GET", "https://h/\x01?key="+sensitive), flowevent.ReasonInvalidConfig, "url cannot be parsed", Target{}},
		{"space in the URL's query",
			node("GET", "https://api.example.com/v1?q=a "+sensitive), flowevent.ReasonInvalidConfig, "url query contains a space", okTarget},
		{"bad URL wins over a missing secret",
			node("GET", "ftp://h/", flowevent.Param{Name: "k", From: flowevent.FromSecret, Secret: "nope"}),
			flowevent.ReasonInvalidConfig, "scheme must be http or https", Target{}},
		{"invalid header name",
			withHeaders(node("GET", okURL), flowevent.Header{Name: "X Bad", Value: sensitive}),
			flowevent.ReasonInvalidConfig, `headers[0] "X Bad" has an invalid name`, okTarget},
		{"empty header name",
			withHeaders(node("GET", okURL), flowevent.Header{Value: sensitive}),
			flowevent.ReasonInvalidConfig, `headers[0] "" has an invalid name`, okTarget},
		{"CR LF in an inline header value",
			withHeaders(node("GET", okURL), flowevent.Header{Name: "X-A", Value: sensitive + "\r\nX-Injected: 1"}),
			flowevent.ReasonInvalidConfig, `headers[0] "X-A" value contains a control character`, okTarget},
		{"secret with a trailing newline",
			withHeaders(node("GET", okURL), flowevent.Header{Name: "Authorization", Prefix: "Bearer ", Secret: "newline"}),
			flowevent.ReasonInvalidConfig, `headers[0] "Authorization" value (prefix or secret "newline") contains a control character`, okTarget},
	}
	b := NewBuilder(secrets, "ua")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hr, tg, err := b.Build(context.Background(), "req-1", event(tt.node, attrs, nil), Options{})
			if err == nil {
				t.Fatalf("Build succeeded with URL %q", hr.URL)
			}
			if hr != nil {
				t.Fatal("Build returned a request with an error")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %T %v, want *Error", err, err)
			}
			if e.Reason != tt.wantReason || !strings.Contains(e.Detail, tt.wantDetail) {
				t.Fatalf("err = %s / %q, want %s / %q", e.Reason, e.Detail, tt.wantReason, tt.wantDetail)
			}
			if tg != tt.wantTarget {
				t.Fatalf("Target = %+v, want %+v", tg, tt.wantTarget)
			}
			if strings.Contains(err.Error(), sensitive) {
				t.Fatalf("error text %q contains a value", err.Error())
			}
		})
	}
}

func TestBuildNilRequest(t *testing.T) {
	_, _, err := NewBuilder(nil, "ua").Build(context.Background(), "id", nil, Options{})
	var e *Error
	if !errors.As(err, &e) || e.Reason != flowevent.ReasonInvalidEvent {
		t.Fatalf("err = %v, want invalid_event", err)
	}
}

// TestErrorTextsNeverContainValues fails a build in every way an error can
// arise while values (secrets, attributes, event fields, static values, the
// URL query) sit everywhere around it.
func TestErrorTextsNeverContainValues(t *testing.T) {
	secrets := secretMap{"s1": sensitive + "1", "bad": sensitive + "\n"}
	attrs := map[string]any{"a": sensitive + "a", "obj": map[string]any{"k": sensitive}, "nan": []any{math.Inf(1)}}
	trigger := map[string]any{"f": sensitive + "f"}
	params := []flowevent.Param{
		static("st", sensitive+"st"), profile("pa", "a"), profile("po", "obj"), fromEvent("ev", "f"),
		{Name: "se", From: flowevent.FromSecret, Secret: "s1"},
	}
	breakers := []struct {
		name   string
		mutate func(n *flowevent.NodeConfig)
	}{
		{"missing secret param", func(n *flowevent.NodeConfig) {
			n.Params = append(n.Params, flowevent.Param{Name: "x", From: flowevent.FromSecret, Secret: "none"})
		}},
		{"missing secret header", func(n *flowevent.NodeConfig) {
			n.Headers = append(n.Headers, flowevent.Header{Name: "A", Prefix: sensitive, Secret: "none"})
		}},
		{"invalid secret header", func(n *flowevent.NodeConfig) {
			n.Headers = append(n.Headers, flowevent.Header{Name: "A", Prefix: sensitive, Secret: "bad"})
		}},
		{"invalid inline header", func(n *flowevent.NodeConfig) {
			n.Headers = append(n.Headers, flowevent.Header{Name: "A", Value: sensitive + "\x00"})
		}},
		{"no text form", func(n *flowevent.NodeConfig) { n.Params = append(n.Params, profile("n", "nan")) }},
		{"unknown source", func(n *flowevent.NodeConfig) {
			n.Params = append(n.Params, flowevent.Param{Name: "u", From: "x", Value: sensitive})
		}},
		{"bad method", func(n *flowevent.NodeConfig) { n.Method = "TRACE" }},
		{"unparsable URL", func(n *flowevent.NodeConfig) { n.URL = "https://h/%zz?" + sensitive }},
		{"user info", func(n *flowevent.NodeConfig) { n.URL = "https://" + sensitive + "@h/?" + sensitive }},
		{"space in query", func(n *flowevent.NodeConfig) { n.URL += " " }},
	}
	b := NewBuilder(secrets, "ua")
	for _, br := range breakers {
		t.Run(br.name, func(t *testing.T) {
			n := node("POST", "https://h/p?token="+sensitive, params...)
			n.Params = append([]flowevent.Param(nil), params...)
			n.Headers = []flowevent.Header{{Name: "X-V", Value: sensitive}, {Name: "X-S", Secret: "s1"}}
			br.mutate(&n)
			_, _, err := b.Build(context.Background(), "id", event(n, attrs, trigger), Options{})
			if err == nil {
				t.Fatal("Build succeeded")
			}
			if strings.Contains(err.Error(), sensitive) {
				t.Fatalf("error text %q contains a value", err.Error())
			}
		})
	}
}
