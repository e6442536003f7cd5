package request

import (
	"bytes"
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
	"unicode/utf8"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// bodyNode is a node of the given method and body mode.
func bodyNode(method string, mode flowevent.BodyMode, url string, params ...flowevent.Param) flowevent.NodeConfig {
	n := node(method, url, params...)
	n.Body = mode
	return n
}

func secretParam(name, secret string) flowevent.Param {
	return flowevent.Param{Name: name, From: flowevent.FromSecret, Secret: secret}
}

// readBody reads a built request's body, checking Content-Length and that
// GetBody yields the same bytes again.
func readBody(t *testing.T, hr *http.Request) string {
	t.Helper()
	if hr.Body == nil || hr.Body == http.NoBody {
		if hr.ContentLength != 0 {
			t.Fatalf("no body but ContentLength %d", hr.ContentLength)
		}
		return ""
	}
	b, err := io.ReadAll(hr.Body)
	if err != nil {
		t.Fatal(err)
	}
	if hr.ContentLength != int64(len(b)) {
		t.Fatalf("ContentLength %d, body %d bytes", hr.ContentLength, len(b))
	}
	again, err := hr.GetBody()
	if err != nil {
		t.Fatal(err)
	}
	if b2, _ := io.ReadAll(again); !bytes.Equal(b, b2) {
		t.Fatalf("GetBody gives %q, body was %q", b2, b)
	}
	return string(b)
}

func TestBuildJSONBody(t *testing.T) {
	attrs := decodeJSON[map[string]any](t, `{
		"email": "jane@example.com", "score": 87.50, "big": 12345678901234567890, "exp": 1e21,
		"vip": true, "optout": false, "nothing": null, "empty": "",
		"address": {"city": "Malmö", "geo": {"lat": 55.6}}, "tags": ["a", 1, null],
		"quote": "say \"hi\"\\ <b>&</b>\n\t\u0001", "unicode": "日本 🎉"
	}`)
	trigger := decodeJSON[map[string]any](t, `{"order": {"id": "o-1", "total": 19.90, "items": [{"sku": "A-1"}]}}`)
	tests := []struct {
		name    string
		params  []flowevent.Param
		trigger map[string]any
		want    string
	}{
		{"flat", []flowevent.Param{profile("email", "email"), static("source", "flow")}, nil,
			`{"email":"jane@example.com","source":"flow"}`},
		{"no params", nil, nil, `{}`},
		{"numbers keep their literal", []flowevent.Param{profile("score", "score"), profile("big", "big"), profile("exp", "exp")}, nil,
			`{"score":87.50,"big":12345678901234567890,"exp":1e21}`},
		{"booleans", []flowevent.Param{profile("vip", "vip"), profile("optout", "optout")}, nil, `{"vip":true,"optout":false}`},
		{"null, missing and empty", []flowevent.Param{profile("n", "nothing"), profile("m", "missing"), profile("e", "empty"), fromEvent("o", "order.id")}, nil,
			`{"n":null,"m":null,"e":"","o":null}`},
		{"objects and arrays as is", []flowevent.Param{profile("address", "address"), profile("tags", "tags")}, nil,
			`{"address":{"city":"Malmö","geo":{"lat":55.6}},"tags":["a",1,null]}`},
		{"static values are strings", []flowevent.Param{static("n", "42"), static("b", "true"), static("z", "")}, nil,
			`{"n":"42","b":"true","z":""}`},
		{"secret is a string", []flowevent.Param{secretParam("key", "api")}, nil, `{"key":"s3cr\"t"}`},
		{"dotted names nest", []flowevent.Param{profile("customer.email", "email"), profile("customer.address.city", "address.city"),
			static("source", "flow"), profile("customer.vip", "vip")}, nil,
			`{"customer":{"email":"jane@example.com","address":{"city":"Malmö"},"vip":true},"source":"flow"}`},
		{"event values", []flowevent.Param{fromEvent("order.id", "order.id"), fromEvent("order.total", "order.total"), fromEvent("order.first", "order.items.0")}, trigger,
			`{"order":{"id":"o-1","total":19.90,"first":{"sku":"A-1"}}}`},
		{"escaping, no HTML escapes", []flowevent.Param{profile("q", "quote"), profile("u", "unicode")}, nil,
			`{"q":"say \"hi\"\\ <b>&</b>\n\t\u0001","u":"日本 🎉"}`},
		{"names escaped", []flowevent.Param{static(`a"b`, "1"), static("ü <x>", "2"), static("sp ace", "3")}, nil,
			`{"a\"b":"1","ü <x>":"2","sp ace":"3"}`},
		{"order as configured", []flowevent.Param{static("z", "1"), static("a.y", "2"), static("m", "3"), static("a.b", "4")}, nil,
			`{"z":"1","a":{"y":"2","b":"4"},"m":"3"}`},
	}
	b := NewBuilder(secretMap{"api": `s3cr"t`}, "ua")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hr, _ := mustBuild(t, b, event(bodyNode("POST", flowevent.BodyJSON, "https://h/p?api=2#frag", tt.params...), attrs, tt.trigger), Options{})
			if got := readBody(t, hr); got != tt.want {
				t.Fatalf("body %s\nwant %s", got, tt.want)
			}
			if !json.Valid([]byte(tt.want)) {
				t.Fatalf("test wants invalid JSON")
			}
			if hr.URL.String() != "https://h/p?api=2" {
				t.Fatalf("URL = %s, want the node URL's own query only", hr.URL)
			}
			if ct := hr.Header["Content-Type"]; len(ct) != 1 || ct[0] != "application/json" {
				t.Fatalf("Content-Type = %q", ct)
			}
		})
	}
}

func TestBuildFormBody(t *testing.T) {
	attrs := decodeJSON[map[string]any](t, `{"email": "jane+x@example.com", "score": 87.50, "vip": true, "nothing": null,
		"address": {"city": "Malmö"}, "tags": ["a", "b"]}`)
	tests := []struct {
		name   string
		params []flowevent.Param
		want   string
	}{
		{"text forms as in a query", []flowevent.Param{profile("email", "email"), profile("score", "score"), profile("vip", "vip"), profile("n", "nothing"), profile("m", "missing")},
			"email=jane%2Bx%40example.com&score=87.50&vip=true&n=&m="},
		{"objects as JSON text", []flowevent.Param{profile("address", "address"), profile("tags", "tags")},
			"address=%7B%22city%22%3A%22Malm%C3%B6%22%7D&tags=%5B%22a%22%2C%22b%22%5D"},
		{"reserved characters and spaces", []flowevent.Param{static("first name", "a&b=c+d %"), static("contact[email]", "x")},
			"first%20name=a%26b%3Dc%2Bd%20%25&contact%5Bemail%5D=x"},
		{"repeated and dotted names kept", []flowevent.Param{static("t", "1"), static("t", "2"), static("a.b", "3")}, "t=1&t=2&a.b=3"},
		{"no params", nil, ""},
	}
	b := NewBuilder(nil, "ua")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hr, _ := mustBuild(t, b, event(bodyNode("PUT", flowevent.BodyForm, "https://h/p?v=1", tt.params...), attrs, nil), Options{})
			if got := readBody(t, hr); got != tt.want {
				t.Fatalf("body %s\nwant %s", got, tt.want)
			}
			if hr.URL.RawQuery != "v=1" {
				t.Fatalf("RawQuery = %q, want the URL's own only", hr.URL.RawQuery)
			}
			if ct := hr.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
				t.Fatalf("Content-Type = %q", ct)
			}
			if _, err := url.ParseQuery(tt.want); err != nil {
				t.Fatalf("form does not parse: %v", err)
			}
		})
	}
}

// TestBuildBodyContentType: a node header sets its own Content-Type, in any
// case; query mode sets none.
func TestBuildBodyContentType(t *testing.T) {
	b := NewBuilder(nil, "ua")
	tests := []struct {
		name string
		mode flowevent.BodyMode
		hdr  []flowevent.Header
		want []string
	}{
		{"json default", flowevent.BodyJSON, nil, []string{"application/json"}},
		{"form default", flowevent.BodyForm, nil, []string{"application/x-www-form-urlencoded"}},
		{"node header wins", flowevent.BodyJSON, []flowevent.Header{{Name: "content-type", Value: "application/vnd.api+json"}}, []string{"application/vnd.api+json"}},
		{"node header wins over form", flowevent.BodyForm, []flowevent.Header{{Name: "CONTENT-TYPE", Value: "text/plain"}}, []string{"text/plain"}},
		{"query sets none", flowevent.BodyQuery, nil, nil},
		{"empty mode sets none", "", nil, nil},
		{"query keeps a node header", "", []flowevent.Header{{Name: "Content-Type", Value: "application/json"}}, []string{"application/json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := bodyNode("POST", tt.mode, "https://h/", static("a", "1"))
			n.Headers = tt.hdr
			hr, _ := mustBuild(t, b, event(n, nil, nil), Options{})
			if got := hr.Header["Content-Type"]; !equalStrings(got, tt.want) {
				t.Fatalf("Content-Type = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBuildBodyErrors(t *testing.T) {
	const planted = "planted-value-9e1"
	attrs := map[string]any{"nan": math.NaN(), "email": planted}
	tests := []struct {
		name   string
		node   flowevent.NodeConfig
		reason flowevent.Reason
		detail string
	}{
		{"GET with json", bodyNode("GET", flowevent.BodyJSON, "https://h/"), flowevent.ReasonInvalidConfig, "GET requests carry no body: use body query"},
		{"DELETE with form", bodyNode("DELETE", flowevent.BodyForm, "https://h/"), flowevent.ReasonInvalidConfig, "DELETE requests carry no body: use body query"},
		{"unknown mode", bodyNode("POST", "xml", "https://h/"), flowevent.ReasonInvalidConfig, "body must be query, json or form"},
		{"leaf then parent", bodyNode("POST", flowevent.BodyJSON, "https://h/", profile("c", "email"), profile("c.e", "email")),
			flowevent.ReasonInvalidConfig, `params[1] "c.e" nests under a name that is a value`},
		{"parent then leaf", bodyNode("POST", flowevent.BodyJSON, "https://h/", profile("c.e", "email"), profile("c", "email")),
			flowevent.ReasonInvalidConfig, `params[1] "c" names a field that another parameter already sets`},
		{"repeated", bodyNode("POST", flowevent.BodyJSON, "https://h/", profile("c", "email"), profile("c", "email")),
			flowevent.ReasonInvalidConfig, `params[1] "c" names a field that another parameter already sets`},
		{"empty segment", bodyNode("POST", flowevent.BodyJSON, "https://h/", profile("a..b", "email")),
			flowevent.ReasonInvalidConfig, `params[0] "a..b" name has an empty segment`},
		{"trailing dot", bodyNode("POST", flowevent.BodyJSON, "https://h/", profile("a.", "email")),
			flowevent.ReasonInvalidConfig, `params[0] "a." name has an empty segment`},
		{"no JSON form", bodyNode("POST", flowevent.BodyJSON, "https://h/", profile("x", "nan")),
			flowevent.ReasonInvalidEvent, `value of params[0] "x" has no JSON form`},
		{"missing secret", bodyNode("POST", flowevent.BodyJSON, "https://h/", secretParam("k", "nope")),
			flowevent.ReasonSecretMissing, `secret "nope" for params[0] "k" not found`},
		{"unknown source", bodyNode("POST", flowevent.BodyJSON, "https://h/", flowevent.Param{Name: "k", From: "cookie"}),
			flowevent.ReasonInvalidConfig, `params[0] "k" has unknown source "cookie"`},
		{"space in the URL query", bodyNode("POST", flowevent.BodyForm, "https://h/?q="+planted+" x"),
			flowevent.ReasonInvalidConfig, "url query contains a space; write it as %20"},
	}
	b := NewBuilder(nil, "ua")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, tg, err := b.Build(context.Background(), "r", event(tt.node, attrs, nil), Options{})
			var e *Error
			if !errors.As(err, &e) || e.Reason != tt.reason || e.Detail != tt.detail {
				t.Fatalf("err = %v, want %s: %s", err, tt.reason, tt.detail)
			}
			if strings.Contains(err.Error(), planted) {
				t.Fatalf("error %q quotes a value", err)
			}
			if tg.Origin != "https://h:443" {
				t.Fatalf("Target %+v, want the origin named", tg)
			}
		})
	}
}

// TestBuildBodyOnTheWire sends JSON and form bodies to a real receiver,
// which decodes them as an integrator would.
func TestBuildBodyOnTheWire(t *testing.T) {
	type seen struct {
		method, contentType, rawQuery string
		body                          []byte
		form                          url.Values
	}
	got := make(chan seen, 1)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		_ = r.ParseForm()
		got <- seen{r.Method, r.Header.Get("Content-Type"), r.URL.RawQuery, body, r.PostForm}
	})
	attrs := decodeJSON[map[string]any](t, `{"email": "jane+x@example.com", "score": 87, "ratio": 0.25, "vip": true,
		"address": {"city": "Malmö"}, "first name": "Jane & \"Joe\""}`)
	b := NewBuilder(nil, "ua")
	send := func(n flowevent.NodeConfig) seen {
		hr, _ := mustBuild(t, b, event(n, attrs, nil), Options{})
		resp, err := srv.Client().Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return <-got
	}

	s := send(bodyNode("POST", flowevent.BodyJSON, srv.URL+"/leads?k=1", profile("customer.email", "email"), profile("customer.score", "score"),
		profile("customer.ratio", "ratio"), profile("customer.vip", "vip"), profile("customer.address", "address"),
		profile("customer.phone", "phone"), profile("customer.name", "first name"), static("source", "flow")))
	var payload struct {
		Customer struct {
			Email   string            `json:"email"`
			Score   int               `json:"score"`
			Ratio   float64           `json:"ratio"`
			VIP     bool              `json:"vip"`
			Address map[string]string `json:"address"`
			Phone   *string           `json:"phone"`
			Name    string            `json:"name"`
		} `json:"customer"`
		Source string `json:"source"`
	}
	dec := json.NewDecoder(bytes.NewReader(s.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&payload); err != nil {
		t.Fatalf("receiver cannot decode %s: %v", s.body, err)
	}
	c := payload.Customer
	if s.method != "POST" || s.contentType != "application/json" || s.rawQuery != "k=1" ||
		c.Email != "jane+x@example.com" || c.Score != 87 || c.Ratio != 0.25 || !c.VIP || c.Address["city"] != "Malmö" ||
		c.Phone != nil || c.Name != `Jane & "Joe"` || payload.Source != "flow" {
		t.Fatalf("receiver saw %s %s ?%s %+v", s.method, s.contentType, s.rawQuery, payload)
	}

	s = send(bodyNode("PUT", flowevent.BodyForm, srv.URL+"/form?k=1", profile("email", "email"), profile("name", "first name"),
		profile("score", "score"), static("t", "1"), static("t", "2")))
	if s.method != "PUT" || s.contentType != "application/x-www-form-urlencoded" || s.rawQuery != "k=1" {
		t.Fatalf("receiver saw %s %s ?%s", s.method, s.contentType, s.rawQuery)
	}
	want := url.Values{"email": {"jane+x@example.com"}, "name": {`Jane & "Joe"`}, "score": {"87"}, "t": {"1", "2"}}
	for k, v := range want {
		if !equalStrings(s.form[k], v) {
			t.Errorf("form %s = %q, want %q", k, s.form[k], v)
		}
	}
}

// FuzzJSONBody: whatever the names and values, a JSON body either fails
// with an *Error or is one valid JSON object in which every parameter's
// value sits at its dotted name.
func FuzzJSONBody(f *testing.F) {
	f.Add("a.b", "a.c", "x", `{"v": {"k": [1, "2", null]}}`)
	f.Add("a", "a.b", "é\"\\", `{"v": 1e400}`)
	f.Add("", ".", "\x00", `{"v": "\ud800"}`)
	f.Fuzz(func(t *testing.T, n1, n2, static2, attrsJSON string) {
		if !utf8.ValidString(n1) || !utf8.ValidString(n2) {
			return // validation refuses such names
		}
		var attrs map[string]any
		decodeLoose(attrsJSON, &attrs)
		params := []flowevent.Param{profile(n1, "v"), static(n2, static2)}
		hr, _, err := NewBuilder(nil, "ua").Build(context.Background(), "r", event(bodyNode("POST", flowevent.BodyJSON, "https://h/", params...), attrs, nil), Options{})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err %T %v", err, err)
			}
			return
		}
		body, _ := io.ReadAll(hr.Body)
		var obj map[string]any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil || dec.More() {
			t.Fatalf("body %q is not a JSON object: %v", body, err)
		}
		var want string // what JSON can carry of static2: invalid UTF-8 as U+FFFD
		enc, _ := json.Marshal(static2)
		_ = json.Unmarshal(enc, &want)
		if got := at(obj, n2); got != want {
			t.Fatalf("%q = %#v in %s, want %q", n2, got, body, want)
		}
	})
}

// at walks a dotted name through decoded objects.
func at(obj map[string]any, name string) any {
	var cur any = obj
	for _, seg := range strings.Split(name, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[seg]
	}
	return cur
}

// newServer starts a real receiver, closed when the test ends.
func newServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
