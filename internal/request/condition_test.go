package request

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

func omitEmpty(p flowevent.Param) flowevent.Param { p.OmitEmpty = true; return p }

func when(p flowevent.Param, c flowevent.Condition) flowevent.Param { p.When = &c; return p }

func raws(vs ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(vs))
	for i, v := range vs {
		out[i] = json.RawMessage(v)
	}
	return out
}

// conditionalParams are the parameters of the conditional-data tests, on
// a profile with email, an empty phone, a null fax, country SE, score
// 10.50 (a json.Number), vip true, and an event with order.total.
func conditionalParams() ([]flowevent.Param, map[string]any, map[string]any) {
	yes, no := true, false
	params := []flowevent.Param{
		profile("email", "email"),
		omitEmpty(profile("phone", "phone")),           // empty: left out
		omitEmpty(profile("fax", "fax")),               // null: left out
		omitEmpty(profile("mobile", "mobile")),         // missing: left out
		omitEmpty(fromEvent("coupon", "order.coupon")), // missing: left out
		omitEmpty(fromEvent("total", "order.total")),   // present: sent
		when(static("region", "nordics"), flowevent.Condition{From: flowevent.FromProfile, Path: "address.country", OneOf: raws(`"SE"`, `"NO"`)}),
		when(static("eu", "1"), flowevent.Condition{From: flowevent.FromProfile, Path: "address.country", OneOf: raws(`"DE"`, `"FR"`)}),
		when(static("score10", "1"), flowevent.Condition{From: flowevent.FromProfile, Path: "score", Equals: json.RawMessage(`10.5`)}),
		when(static("score_text", "1"), flowevent.Condition{From: flowevent.FromProfile, Path: "score", Equals: json.RawMessage(`"10.50"`)}),
		when(profile("vip", "vip"), flowevent.Condition{From: flowevent.FromProfile, Path: "vip", Equals: json.RawMessage(`true`)}),
		when(static("has_phone", "1"), flowevent.Condition{From: flowevent.FromProfile, Path: "phone", Exists: &yes}),
		when(static("no_phone", "1"), flowevent.Condition{From: flowevent.FromProfile, Path: "phone", Exists: &no}),
		when(omitEmpty(profile("nested.fax", "fax")), flowevent.Condition{From: flowevent.FromProfile, Path: "vip", Exists: &yes}),
	}
	attrs := map[string]any{
		"email": "ada@example.com", "phone": "", "fax": nil, "vip": true,
		"score":   json.Number("10.50"),
		"address": map[string]any{"country": "SE"},
	}
	trigger := map[string]any{"order": map[string]any{"total": json.Number("120.5")}}
	return params, attrs, trigger
}

func TestConditionalQuery(t *testing.T) {
	params, attrs, trigger := conditionalParams()
	req := event(node(flowevent.MethodGet, "https://x.example/h?src=1", params...), attrs, trigger)
	hr, _ := mustBuild(t, NewBuilder(nil, ""), req, Options{})
	want := "src=1&email=ada%40example.com&total=120.5&region=nordics&score10=1&vip=true&no_phone=1"
	if hr.URL.RawQuery != want {
		t.Errorf("query\n got %s\nwant %s", hr.URL.RawQuery, want)
	}
	got := Inclusions(req)
	wantWhy := []string{
		"",
		`left out (omit_empty): profile "phone" is empty`,
		`left out (omit_empty): profile "fax" is null`,
		`left out (omit_empty): profile "mobile" is missing`,
		`left out (omit_empty): event "order.coupon" is missing`,
		`sent: event "order.total" has a value`,
		`sent: profile "address.country" is one of "SE", "NO" holds`,
		`left out: profile "address.country" is one of "DE", "FR" does not hold`,
		`sent: profile "score" equals 10.5 holds`,
		`left out: profile "score" equals "10.50" does not hold`,
		`sent: profile "vip" equals true holds`,
		`left out: profile "phone" has a value does not hold`,
		`sent: profile "phone" has no value holds`,
		`left out (omit_empty): profile "fax" is null`,
	}
	for i, in := range got {
		if in.Why != wantWhy[i] || in.Included != (in.Why == "" || strings.HasPrefix(in.Why, "sent")) {
			t.Errorf("params[%d]: %+v, want %q", i, in, wantWhy[i])
		}
		if strings.Contains(in.Why, "ada@") || strings.Contains(in.Why, "120.5") {
			t.Errorf("params[%d]: why quotes a profile or event value: %q", i, in.Why)
		}
	}
}

func TestConditionalBodies(t *testing.T) {
	params, attrs, trigger := conditionalParams()
	req := event(bodyNode(flowevent.MethodPost, flowevent.BodyJSON, "https://x.example/h", params...), attrs, trigger)
	hr, _ := mustBuild(t, NewBuilder(nil, ""), req, Options{})
	// nested.fax is left out, and so is its object.
	if got, want := readBody(t, hr), `{"email":"ada@example.com","total":120.5,"region":"nordics","score10":"1","vip":true,"no_phone":"1"}`; got != want {
		t.Errorf("json body\n got %s\nwant %s", got, want)
	}
	req.Node.Body = flowevent.BodyForm
	hr, _ = mustBuild(t, NewBuilder(nil, ""), req, Options{})
	if got, want := readBody(t, hr), "email=ada%40example.com&total=120.5&region=nordics&score10=1&vip=true&no_phone=1"; got != want {
		t.Errorf("form body\n got %s\nwant %s", got, want)
	}
}

// TestConditionalAllLeftOut: when every parameter is left out, the URL
// keeps its own query and nothing is appended; a JSON body is {}.
func TestConditionalAllLeftOut(t *testing.T) {
	for _, url := range []string{"https://x.example/h", "https://x.example/h?a=1"} {
		req := event(node(flowevent.MethodGet, url, omitEmpty(profile("phone", "phone"))), map[string]any{}, nil)
		hr, _ := mustBuild(t, NewBuilder(nil, ""), req, Options{})
		if hr.URL.String() != url {
			t.Errorf("URL %s, want %s", hr.URL, url)
		}
	}
	req := event(bodyNode(flowevent.MethodPost, flowevent.BodyJSON, "https://x.example/h", omitEmpty(profile("a.b", "b"))), map[string]any{}, nil)
	hr, _ := mustBuild(t, NewBuilder(nil, ""), req, Options{})
	if got := readBody(t, hr); got != "{}" {
		t.Errorf("json body %s, want {}", got)
	}
}

// TestBaselineUnchanged: without omit_empty and when, a missing value is
// sent empty, as the node baseline requires.
func TestBaselineUnchanged(t *testing.T) {
	req := event(node(flowevent.MethodGet, "https://x.example/h", profile("phone", "phone"), fromEvent("c", "order.coupon")), map[string]any{}, nil)
	hr, _ := mustBuild(t, NewBuilder(nil, ""), req, Options{})
	if hr.URL.RawQuery != "phone=&c=" {
		t.Errorf("query %q, want phone=&c=", hr.URL.RawQuery)
	}
	for i, in := range Inclusions(req) {
		if !in.Included || in.Why != "" {
			t.Errorf("params[%d]: %+v", i, in)
		}
	}
}

func TestEqualsJSON(t *testing.T) {
	tests := []struct {
		v    any
		raw  string
		want bool
	}{
		{"SE", `"SE"`, true},
		{"SE", `"se"`, false},
		{"é", `"\u00e9"`, true},
		{json.Number("5"), `5`, true},
		{json.Number("5"), `5.0`, true},
		{json.Number("5"), `"5"`, false},
		{"5", `5`, false},
		{json.Number("12345678901234567890"), `12345678901234567891`, false},
		{json.Number("1e2"), `100`, true},
		{json.Number("1e999999999"), `1`, false},
		{float64(2.5), `2.50`, true},
		{int(3), `3`, true},
		{true, `true`, true},
		{false, `true`, false},
		{"true", `true`, false},
		{map[string]any{}, `1`, false},
	}
	for _, tt := range tests {
		if got := equalsJSON(tt.v, json.RawMessage(tt.raw)); got != tt.want {
			t.Errorf("equalsJSON(%#v, %s) = %v, want %v", tt.v, tt.raw, got, tt.want)
		}
	}
}

func TestBasicAuth(t *testing.T) {
	n := node(flowevent.MethodPost, "https://x.example/h")
	n.Auth = &flowevent.Auth{Kind: flowevent.AuthBasic, Username: "svc", Secret: "erp_password"}
	b := NewBuilder(secretMap{"erp_password": "pa:ss wörd"}, "")
	hr, _ := mustBuild(t, b, event(n, nil, nil), Options{})
	user, pw, ok := hr.BasicAuth()
	if !ok || user != "svc" || pw != "pa:ss wörd" {
		t.Errorf("basic auth %q %q %v", user, pw, ok)
	}
	// Another account does not resolve acme's password.
	other := event(n, nil, nil)
	other.Account = "evil"
	_, _, err := b.Outbound("r", other, Options{})
	var re *Error
	if !errors.As(err, &re) || re.Reason != flowevent.ReasonSecretMissing || strings.Contains(re.Detail, "pa:ss") {
		t.Errorf("other account: %v", err)
	}
	// A node header named Authorization conflicts with auth.
	n.Headers = []flowevent.Header{{Name: "authorization", Value: "Bearer x"}}
	if _, _, err := b.Outbound("r", event(n, nil, nil), Options{}); !errors.As(err, &re) || re.Reason != flowevent.ReasonInvalidConfig {
		t.Errorf("Authorization header with auth: %v", err)
	}
}

func TestOAuth2AccessToken(t *testing.T) {
	n := node(flowevent.MethodPost, "https://x.example/h")
	n.Headers = []flowevent.Header{{Name: "X-Source", Value: "flowhook"}}
	n.Auth = &flowevent.Auth{Kind: flowevent.AuthOAuth2, TokenURL: "https://login.example/token", ClientID: "c", Secret: "cs"}
	b := NewBuilder(nil, "")
	out, _, err := b.Outbound("r", event(n, nil, nil), Options{AccessToken: "tok-123"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Header[0].Name != "X-Source" || out.Header[1].Name != "Authorization" || out.Header[1].Value != "Bearer tok-123" {
		t.Errorf("fields %v", out.Header)
	}
	var re *Error
	if _, _, err := b.Outbound("r", event(n, nil, nil), Options{}); !errors.As(err, &re) || re.Reason != flowevent.ReasonInvalidConfig {
		t.Errorf("no token: %v", err)
	}
	if _, _, err := b.Outbound("r", event(n, nil, nil), Options{AccessToken: "a\r\nX: y"}); !errors.As(err, &re) || strings.Contains(re.Detail, "X: y") {
		t.Errorf("token with CRLF: %v", err)
	}
}
