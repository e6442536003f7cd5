package request

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

func TestBuildMethods(t *testing.T) {
	b := NewBuilder(nil, "flowhook/test")
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		t.Run(m, func(t *testing.T) {
			hr, _ := mustBuild(t, b, event(node(m, "https://api.example.com/v1/leads", static("a", "1")), nil, nil), Options{})
			if hr.Method != m {
				t.Fatalf("Method = %q, want %q", hr.Method, m)
			}
			if hr.Body != nil && hr.Body != http.NoBody {
				t.Fatalf("Body = %v, want none", hr.Body)
			}
			if hr.URL.String() != "https://api.example.com/v1/leads?a=1" {
				t.Fatalf("URL = %q", hr.URL.String())
			}
		})
	}
}

func TestBuildQuery(t *testing.T) {
	attrs := decodeJSON[map[string]any](t, `{
		"email": "jane@example.com", "first name": "Jane", "empty": "", "nothing": null,
		"address": {"city": "Malmö", "geo": {"lat": 55.6}},
		"address.city": "exact wins",
		"lead_score": 87
	}`)
	trigger := decodeJSON[map[string]any](t, `{
		"form": {"id": "f-9", "fields": {"company": "ACME & Sons"}},
		"items": [{"sku": "A-1"}, {"sku": "B-2"}],
		"link": "https://example.com/?q=1#x"
	}`)
	tests := []struct {
		name    string
		url     string
		params  []flowevent.Param
		trigger map[string]any
		want    string // RawQuery
	}{
		{"static only", "https://h/p", []flowevent.Param{static("source", "flow"), static("v", "2")}, nil,
			"source=flow&v=2"},
		{"static merged after the URL's own", "https://h/p?key=abc&x=1", []flowevent.Param{static("source", "flow")}, nil,
			"key=abc&x=1&source=flow"},
		{"URL ending in ?", "https://h/p?", []flowevent.Param{static("a", "1")}, nil, "a=1"},
		{"URL ending in &", "https://h/p?x=1&", []flowevent.Param{static("a", "1")}, nil, "x=1&a=1"},
		{"own query kept byte for byte", "https://h/p?b=2&a=1&a=3&flag&enc=%41%2b+x;y", []flowevent.Param{static("z", "0")}, nil,
			"b=2&a=1&a=3&flag&enc=%41%2b+x;y&z=0"},
		{"own query kept without params", "https://h/p?b=%zz&a", nil, nil, "b=%zz&a"},
		{"fragment dropped", "https://h/p?x=1#frag", []flowevent.Param{static("a", "1")}, nil, "x=1&a=1"},
		{"fragment dropped without query", "https://h/p#frag?no", []flowevent.Param{static("a", "1")}, nil, "a=1"},
		{"profile attribute", "https://h/", []flowevent.Param{profile("email", "email")}, nil, "email=jane%40example.com"},
		{"profile attribute with a space in its name", "https://h/", []flowevent.Param{profile("fn", "first name")}, nil, "fn=Jane"},
		{"profile nested", "https://h/", []flowevent.Param{profile("lat", "address.geo.lat")}, nil, "lat=55.6"},
		{"profile exact name wins over nesting", "https://h/", []flowevent.Param{profile("c", "address.city")}, nil, "c=exact%20wins"},
		{"profile number", "https://h/", []flowevent.Param{profile("score", "lead_score")}, nil, "score=87"},
		{"profile missing is empty", "https://h/", []flowevent.Param{profile("phone", "phone"), static("a", "1")}, nil, "phone=&a=1"},
		{"profile empty string is empty", "https://h/", []flowevent.Param{profile("e", "empty")}, nil, "e="},
		{"profile null is empty", "https://h/", []flowevent.Param{profile("n", "nothing")}, nil, "n="},
		{"profile missing nested is empty", "https://h/", []flowevent.Param{profile("z", "address.zip")}, nil, "z="},
		{"profile walk through a string is empty", "https://h/", []flowevent.Param{profile("z", "email.x")}, nil, "z="},
		{"profile empty path is empty", "https://h/", []flowevent.Param{profile("z", "")}, nil, "z="},
		{"event field", "https://h/", []flowevent.Param{fromEvent("form", "form.id")}, trigger, "form=f-9"},
		{"event deep field", "https://h/", []flowevent.Param{fromEvent("co", "form.fields.company")}, trigger, "co=ACME%20%26%20Sons"},
		{"event array index", "https://h/", []flowevent.Param{fromEvent("s0", "items.0.sku"), fromEvent("s1", "items.1.sku")}, trigger,
			"s0=A-1&s1=B-2"},
		{"event index out of range", "https://h/", []flowevent.Param{fromEvent("s", "items.2.sku")}, trigger, "s="},
		{"event index with leading zero", "https://h/", []flowevent.Param{fromEvent("s", "items.01.sku")}, trigger, "s="},
		{"event negative index", "https://h/", []flowevent.Param{fromEvent("s", "items.-1.sku")}, trigger, "s="},
		{"event empty segment", "https://h/", []flowevent.Param{fromEvent("s", "form..id")}, trigger, "s="},
		{"event whole array as JSON", "https://h/", []flowevent.Param{fromEvent("i", "items")}, trigger,
			"i=%5B%7B%22sku%22%3A%22A-1%22%7D%2C%7B%22sku%22%3A%22B-2%22%7D%5D"},
		{"event URL value encoded", "https://h/", []flowevent.Param{fromEvent("l", "link")}, trigger,
			"l=https%3A%2F%2Fexample.com%2F%3Fq%3D1%23x"},
		{"event missing field", "https://h/", []flowevent.Param{fromEvent("x", "form.nope")}, trigger, "x="},
		{"event without trigger is empty", "https://h/", []flowevent.Param{fromEvent("form", "form.id"), static("a", "1")}, nil,
			"form=&a=1"},
		{"names as configured, escaped", "https://h/", []flowevent.Param{static("contact[email]", "x"), static("first name", "y"), static("emailAddress", "z")}, nil,
			"contact%5Bemail%5D=x&first%20name=y&emailAddress=z"},
		{"reserved characters", "https://h/", []flowevent.Param{static("v", "a&b=c+d#e%f g/h?i;j")}, nil,
			"v=a%26b%3Dc%2Bd%23e%25f%20g%2Fh%3Fi%3Bj"},
		{"unreserved kept", "https://h/", []flowevent.Param{static("v", "AZaz09-._~")}, nil, "v=AZaz09-._~"},
		{"non-ASCII", "https://h/", []flowevent.Param{static("e", "é"), static("j", "日本"), static("emoji", "🎉")}, nil,
			"e=%C3%A9&j=%E6%97%A5%E6%9C%AC&emoji=%F0%9F%8E%89"},
		{"order as configured", "https://h/", []flowevent.Param{static("z", "1"), profile("a", "email"), static("m", "2")}, nil,
			"z=1&a=jane%40example.com&m=2"},
		{"repeated names kept", "https://h/", []flowevent.Param{static("t", "1"), static("t", "2")}, nil, "t=1&t=2"},
	}
	b := NewBuilder(nil, "ua")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hr, _ := mustBuild(t, b, event(node("GET", tt.url, tt.params...), attrs, tt.trigger), Options{})
			if hr.URL.RawQuery != tt.want {
				t.Fatalf("RawQuery = %q\nwant       %q", hr.URL.RawQuery, tt.want)
			}
			if hr.URL.Fragment != "" {
				t.Fatalf("Fragment = %q, want none", hr.URL.Fragment)
			}
		})
	}
}

func TestBuildValueTypes(t *testing.T) {
	tests := []struct {
		name  string
		value any
		want  string // escaped
	}{
		{"string", "plain", "plain"},
		{"integer", json.Number("42"), "42"},
		{"negative integer", json.Number("-7"), "-7"},
		{"big integer", json.Number("12345678901234567890"), "12345678901234567890"},
		{"float", json.Number("1.5"), "1.5"},
		{"1e21 literal", json.Number("1e21"), "1e21"},
		{"float64 integer", float64(42), "42"},
		{"float64 fraction", 1.5, "1.5"},
		{"float64 1e21", 1e21, "1e%2B21"},
		{"float64 below 1e21", 1e20, "100000000000000000000"},
		{"float64 small", 1e-7, "1e-7"},
		{"float64 negative zero", math.Copysign(0, -1), "-0"},
		{"float64 NaN", math.NaN(), "NaN"},
		{"float64 +Inf", math.Inf(1), "%2BInf"},
		{"float32", float32(1.1), "1.1"},
		{"int", 7, "7"},
		{"int64", int64(-9007199254740993), "-9007199254740993"},
		{"uint64 big", uint64(12345678901234567890), "12345678901234567890"},
		{"true", true, "true"},
		{"false", false, "false"},
		{"null", nil, ""},
		{"object keys sorted", map[string]any{"b": json.Number("1"), "a": "x<y&z"}, "%7B%22a%22%3A%22x%3Cy%26z%22%2C%22b%22%3A1%7D"},
		{"array", []any{json.Number("1"), "two", nil, true}, "%5B1%2C%22two%22%2Cnull%2Ctrue%5D"},
		{"empty object", map[string]any{}, "%7B%7D"},
		{"other Go type as JSON", []string{"a"}, "%5B%22a%22%5D"},
	}
	b := NewBuilder(nil, "ua")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attrs := map[string]any{"v": tt.value}
			hr, _ := mustBuild(t, b, event(node("GET", "https://h/", profile("v", "v")), attrs, nil), Options{})
			if want := "v=" + tt.want; hr.URL.RawQuery != want {
				t.Fatalf("RawQuery = %q, want %q", hr.URL.RawQuery, want)
			}
		})
	}
}

// TestBuildValueFromJSON checks that numbers decoded with UseNumber travel
// as the flow engine wrote them.
func TestBuildValueFromJSON(t *testing.T) {
	req := decodeJSON[flowevent.Request](t, `{
		"account": "acme", "flow_id": "f", "node_id": "n",
		"node": {"method": "POST", "url": "https://h/x", "params": [
			{"name": "big", "from": "profile", "path": "big"},
			{"name": "exp", "from": "profile", "path": "exp"},
			{"name": "amount", "from": "event", "path": "order.amount"}]},
		"profile": {"id": "p", "attributes": {"big": 12345678901234567890, "exp": 1e21}},
		"trigger": {"type": "order", "data": {"order": {"amount": 19.90}}}
	}`)
	hr, _ := mustBuild(t, NewBuilder(nil, "ua"), &req, Options{})
	if want := "big=12345678901234567890&exp=1e21&amount=19.90"; hr.URL.RawQuery != want {
		t.Fatalf("RawQuery = %q, want %q", hr.URL.RawQuery, want)
	}
}

func TestBuildSecretParam(t *testing.T) {
	b := NewBuilder(secretMap{"api-key": "k&y=1 2"}, "ua")
	p := flowevent.Param{Name: "key", From: flowevent.FromSecret, Secret: "api-key"}
	hr, _ := mustBuild(t, b, event(node("GET", "https://h/", p), nil, nil), Options{})
	if want := "key=k%26y%3D1%202"; hr.URL.RawQuery != want {
		t.Fatalf("RawQuery = %q, want %q", hr.URL.RawQuery, want)
	}
}

// TestBuildOnTheWire sends built requests to a real receiver and checks
// that every value decodes back to exactly what was resolved.
func TestBuildOnTheWire(t *testing.T) {
	type seen struct {
		method, rawQuery string
		query            url.Values
		header           http.Header
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.Method, r.URL.RawQuery, r.URL.Query(), r.Header.Clone()}
	}))
	defer srv.Close()

	values := []string{"a&b=c+d#e%f g/h", "é", "日本", "🎉", "", "x;y", "tab\there"}
	var params []flowevent.Param
	for i, v := range values {
		params = append(params, static("p"+string(rune('a'+i)), v))
	}
	params = append(params, profile("email", "email"))
	n := node("PATCH", srv.URL+"/hook?static=1", params...)
	n.Headers = []flowevent.Header{{Name: "X-Api-Key", Secret: "k"}, {Name: "Authorization", Prefix: "Bearer ", Secret: "tok"}}
	req := event(n, map[string]any{"email": "jane+tag@example.com"}, nil)
	b := NewBuilder(secretMap{"k": "key-1", "tok": "tok-2"}, "flowhook/1.0")

	hr, _ := mustBuild(t, b, req, Options{TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", TraceState: "congo=t61rcWkgMzE"})
	resp, err := srv.Client().Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	s := <-got

	if s.method != "PATCH" {
		t.Errorf("method = %q", s.method)
	}
	if !strings.HasPrefix(s.rawQuery, "static=1&pa=") {
		t.Errorf("raw query %q does not start with the URL's own", s.rawQuery)
	}
	for i, v := range values {
		name := "p" + string(rune('a'+i))
		if g := s.query[name]; len(g) != 1 || g[0] != v {
			t.Errorf("%s decoded to %q, want [%q]", name, g, v)
		}
	}
	if g := s.query.Get("email"); g != "jane+tag@example.com" {
		t.Errorf("email decoded to %q", g)
	}
	key := flowevent.IdempotencyKey("acme", "req-1")
	wantHeaders := map[string]string{
		"X-Api-Key":       "key-1",
		"Authorization":   "Bearer tok-2",
		"Idempotency-Key": `"` + key + `"`,
		"Webhook-Id":      key,
		"User-Agent":      "flowhook/1.0",
		"Traceparent":     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"Tracestate":      "congo=t61rcWkgMzE",
	}
	for k, v := range wantHeaders {
		if g := s.header.Values(k); len(g) != 1 || g[0] != v {
			t.Errorf("header %s = %q, want [%q]", k, g, v)
		}
	}
}

func TestBuildContext(t *testing.T) {
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "v")
	hr, _, err := NewBuilder(nil, "ua").Build(ctx, "id", event(node("GET", "https://h/"), nil, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if hr.Context().Value(key{}) != "v" {
		t.Fatal("request does not carry the caller's context")
	}
	//lint:ignore SA1012 checking that a nil context is refused, not panicked on
	if _, _, err := NewBuilder(nil, "ua").Build(nil, "id", event(node("GET", "https://h/"), nil, nil), Options{}); !errors.Is(err, errNilContext) {
		t.Fatalf("nil context: err = %v", err)
	}
}

func TestBuildTarget(t *testing.T) {
	tests := []struct {
		url        string
		wantOrigin string
		wantEP     flowevent.Endpoint
		wantPath   string
	}{
		{"http://Example.COM/x", "http://example.com:80", flowevent.Endpoint{Scheme: "http", Host: "example.com", Port: 80}, "/x"},
		{"https://api.example.com/v1/leads?key=secret", "https://api.example.com:443", flowevent.Endpoint{Scheme: "https", Host: "api.example.com", Port: 443}, "/v1/leads"},
		{"HTTPS://h.example:8443", "https://h.example:8443", flowevent.Endpoint{Scheme: "https", Host: "h.example", Port: 8443}, "/"},
		{"http://h.example:080/p", "http://h.example:80", flowevent.Endpoint{Scheme: "http", Host: "h.example", Port: 80}, "/p"},
		{"http://h.example:/p", "http://h.example:80", flowevent.Endpoint{Scheme: "http", Host: "h.example", Port: 80}, "/p"},
		{"https://[2001:DB8::1]/x", "https://[2001:db8::1]:443", flowevent.Endpoint{Scheme: "https", Host: "2001:db8::1", Port: 443}, "/x"},
		{"http://[::1]:8080/", "http://[::1]:8080", flowevent.Endpoint{Scheme: "http", Host: "::1", Port: 8080}, "/"},
		{"http://10.0.0.1/a b", "http://10.0.0.1:80", flowevent.Endpoint{Scheme: "http", Host: "10.0.0.1", Port: 80}, "/a%20b"},
	}
	b := NewBuilder(nil, "ua")
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, tg := mustBuild(t, b, event(node("GET", tt.url, static("email", "x@y")), nil, nil), Options{})
			want := Target{Origin: tt.wantOrigin, Endpoint: tt.wantEP, Path: tt.wantPath}
			if tg != want {
				t.Fatalf("Target = %+v, want %+v", tg, want)
			}
		})
	}
}

func TestBuildHeaders(t *testing.T) {
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	key := flowevent.IdempotencyKey("acme", "req-1")
	tests := []struct {
		name    string
		headers []flowevent.Header
		opts    Options
		want    http.Header
	}{
		{"inline and secret with prefix",
			[]flowevent.Header{{Name: "Content-Type", Value: "application/json"}, {Name: "Authorization", Prefix: "Bearer ", Secret: "tok"}},
			Options{},
			http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer t0k"}}},
		{"secret without prefix",
			[]flowevent.Header{{Name: "x-api-key", Secret: "key"}},
			Options{},
			http.Header{"X-Api-Key": {"k3y"}}},
		{"repeated header keeps order",
			[]flowevent.Header{{Name: "X-Tag", Value: "a"}, {Name: "x-tag", Value: "b"}},
			Options{},
			http.Header{"X-Tag": {"a", "b"}}},
		{"node cannot override reserved headers",
			[]flowevent.Header{{Name: "idempotency-key", Value: "mine"}, {Name: "Webhook-ID", Value: "mine"}, {Name: "user-agent", Value: "mine"},
				{Name: "TraceParent", Value: "mine"}, {Name: "tracestate", Value: "mine"}},
			Options{},
			http.Header{"Traceparent": nil, "Tracestate": nil}},
		{"transport and signing headers ignored",
			[]flowevent.Header{{Name: "Host", Value: "evil.example"}, {Name: "content-length", Value: "9"}, {Name: "Connection", Value: "close"},
				{Name: "webhook-signature", Value: "v1,x"}, {Name: "X-Kept", Value: "1"}},
			Options{},
			http.Header{"Host": nil, "Content-Length": nil, "Connection": nil, "Webhook-Signature": nil, "X-Kept": {"1"}}},
		{"tracestate too long dropped",
			nil,
			Options{TraceParent: tp, TraceState: strings.Repeat("a", 513)},
			http.Header{"Traceparent": {tp}, "Tracestate": nil}},
		{"trace context passed",
			nil,
			Options{TraceParent: tp, TraceState: "rojo=00f067aa0ba902b7"},
			http.Header{"Traceparent": {tp}, "Tracestate": {"rojo=00f067aa0ba902b7"}}},
		{"tracestate without traceparent dropped",
			nil,
			Options{TraceState: "rojo=1"},
			http.Header{"Traceparent": nil, "Tracestate": nil}},
		{"malformed traceparent drops both",
			nil,
			Options{TraceParent: "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", TraceState: "rojo=1"},
			http.Header{"Traceparent": nil, "Tracestate": nil}},
		{"tracestate with newline dropped",
			nil,
			Options{TraceParent: tp, TraceState: "a=1\r\nX-Evil: 1"},
			http.Header{"Traceparent": {tp}, "Tracestate": nil, "X-Evil": nil}},
	}
	b := NewBuilder(secretMap{"tok": "t0k", "key": "k3y"}, "flowhook/2")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := node("POST", "https://h/")
			n.Headers = tt.headers
			hr, _ := mustBuild(t, b, event(n, nil, nil), tt.opts)
			for k, v := range tt.want {
				if g := hr.Header[k]; !equalStrings(g, v) {
					t.Errorf("header %s = %q, want %q", k, g, v)
				}
			}
			reserved := http.Header{"Idempotency-Key": {`"` + key + `"`}, "Webhook-Id": {key}, "User-Agent": {"flowhook/2"}}
			for k, v := range reserved {
				if g := hr.Header[k]; !equalStrings(g, v) {
					t.Errorf("reserved header %s = %q, want %q", k, g, v)
				}
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestIdempotencyKeyStable(t *testing.T) {
	b := NewBuilder(nil, "ua")
	req := event(node("POST", "https://h/"), nil, nil)
	a, _, _ := b.Build(context.Background(), "evt-42", req, Options{})
	c, _, _ := b.Build(context.Background(), "evt-42", req, Options{})
	d, _, _ := b.Build(context.Background(), "evt-43", req, Options{})
	if a.Header.Get("Webhook-Id") != c.Header.Get("Webhook-Id") || a.Header.Get("Idempotency-Key") != c.Header.Get("Idempotency-Key") {
		t.Fatal("same request id gave different keys")
	}
	if a.Header.Get("Webhook-Id") == d.Header.Get("Webhook-Id") {
		t.Fatal("different request ids gave the same key")
	}
	other := event(node("POST", "https://h/"), nil, nil)
	other.Account = "evil"
	e, _, _ := b.Build(context.Background(), "evt-42", other, Options{})
	if a.Header.Get("Webhook-Id") == e.Header.Get("Webhook-Id") || a.Header.Get("Idempotency-Key") == e.Header.Get("Idempotency-Key") {
		t.Fatal("two accounts' equal request ids gave the same key")
	}
}

// TestSecretsOfAnotherAccount: a node references only its own account's
// secrets, in headers, parameters and signing alike.
func TestSecretsOfAnotherAccount(t *testing.T) {
	b := NewBuilder(secretMap{"tok": "t0k", "hook": signingKey}, "ua")
	nodes := map[string]flowevent.NodeConfig{
		"header":  {Method: "GET", URL: "https://h/", Headers: []flowevent.Header{{Name: "Authorization", Secret: "tok"}}},
		"param":   {Method: "GET", URL: "https://h/", Params: []flowevent.Param{{Name: "k", From: flowevent.FromSecret, Secret: "tok"}}},
		"json":    {Method: "POST", URL: "https://h/", Body: flowevent.BodyJSON, Params: []flowevent.Param{{Name: "k", From: flowevent.FromSecret, Secret: "tok"}}},
		"signing": {Method: "POST", URL: "https://h/", Signing: &flowevent.Signing{Scheme: flowevent.SigningStandardWebhooks, Secret: "hook"}},
	}
	for name, n := range nodes {
		req := event(n, nil, nil)
		if _, _, err := b.Build(context.Background(), "r", req, Options{}); err != nil {
			t.Fatalf("%s: the owner's build failed: %v", name, err)
		}
		req.Account = "evil"
		_, _, err := b.Build(context.Background(), "r", req, Options{})
		var e *Error
		if !errors.As(err, &e) || e.Reason != flowevent.ReasonSecretMissing {
			t.Errorf("%s: another account's build: %v, want secret_missing", name, err)
		}
	}
}

func TestNewBuilderUserAgent(t *testing.T) {
	for _, ua := range []string{"", "bad\r\nX: y"} {
		hr, _ := mustBuild(t, NewBuilder(nil, ua), event(node("GET", "https://h/"), nil, nil), Options{})
		if g := hr.Header["User-Agent"]; len(g) != 1 || g[0] != "" {
			t.Errorf("NewBuilder(%q): User-Agent = %q, want [\"\"] (suppressed)", ua, g)
		}
	}
}

// benchRequest is the benchmark's request event: six parameters from the
// profile and the triggering event, two headers, one from a secret.
func benchRequest(tb testing.TB) *flowevent.Request {
	req := decodeJSON[flowevent.Request](tb, `{
		"account": "acme", "flow_id": "flow-1", "node_id": "node-7",
		"node": {"method": "POST", "url": "https://api.example.com/v1/leads?source=flow",
			"params": [
				{"name": "email", "from": "profile", "path": "email"},
				{"name": "first_name", "from": "profile", "path": "first_name"},
				{"name": "city", "from": "profile", "path": "address.city"},
				{"name": "score", "from": "profile", "path": "lead_score"},
				{"name": "form", "from": "event", "path": "form.id"},
				{"name": "sku", "from": "event", "path": "items.0.sku"}],
			"headers": [
				{"name": "Content-Type", "value": "application/json"},
				{"name": "Authorization", "prefix": "Bearer ", "secret": "crm-token"}],
			"response": {"kind": "status", "status": 200}, "on_error": "no"},
		"profile": {"id": "p-1", "attributes": {"email": "jane.doe+news@example.com", "first_name": "Jane",
			"address": {"city": "Malmö"}, "lead_score": 87}},
		"trigger": {"type": "form.submitted", "data": {"form": {"id": "demo-request"}, "items": [{"sku": "A-100"}]}}
	}`)
	return &req
}

// BenchmarkBuild builds the benchmark request as the dispatcher does
// (Outbound: an egress.Request) and as render does (Build: the same as an
// *http.Request, whose construction Outbound no longer pays).
func BenchmarkBuild(b *testing.B) {
	bl := NewBuilder(secretMap{"crm-token": "eyJhbGciOiJIUzI1NiJ9.payload.sig"}, "flowhook/1.0")
	req := benchRequest(b)
	ctx := context.Background()
	opts := Options{TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
	b.Run("Outbound", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := bl.Outbound("01J9ZK8Q3W6V5X4Y3Z2A1B0C9D", req, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Build", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := bl.Build(ctx, "01J9ZK8Q3W6V5X4Y3Z2A1B0C9D", req, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
}
