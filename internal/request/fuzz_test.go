package request

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

const fuzzSecretValue = "fuzz-secret-VALUE"

// FuzzBuild checks that no node configuration, profile or trigger data
// makes Build panic, that every failure is an *Error free of secret values,
// and that every success keeps the URL's own query and sends only valid
// headers.
func FuzzBuild(f *testing.F) {
	f.Add(`{"method":"POST","url":"https://api.example.com/v1/leads?source=flow","params":[{"name":"email","from":"profile","path":"email"},{"name":"sku","from":"event","path":"items.0.sku"},{"name":"k","from":"secret","secret":"api"}],"headers":[{"name":"Authorization","prefix":"Bearer ","secret":"api"}]}`,
		`{"email":"jane@example.com","address":{"city":"Malmö"}}`, `{"items":[{"sku":"A-1"}]}`)
	f.Add(`{"method":"GET","url":"http://[::1]:8080/x?a=%zz#frag","params":[{"name":"a b&c","from":"static","value":"é 日本 🎉 & = + # % /"}]}`, `{}`, `null`)
	f.Add(`{"method":"DELETE","url":"https://h/?","params":[{"name":"n","from":"profile","path":"a.b.0.c"}]}`,
		`{"a":{"b":[{"c":12345678901234567890}]},"a.b":1e21}`, `{}`)
	f.Add(`{"method":"PUT","url":"ftp://user:pw@h:99999/"}`, `[]`, `"x"`)
	f.Add(`{"method":"PATCH","url":"https://h/p","params":[{"name":"x","from":"secret","secret":"missing"}],"headers":[{"name":"X-A","value":"a\r\nb"},{"name":"Webhook-Id","value":"mine"}]}`,
		`{"x":null}`, `{"y":[true,false,null,{"z":[]}]}`)
	f.Add(`{"method":"GET","url":"https://h/p?q=a b"}`, `{}`, `{}`)
	f.Add(`{}`, ``, ``)

	b := NewBuilder(secretMap{"api": fuzzSecretValue, "nl": "a\nb"}, "flowhook/fuzz")
	f.Fuzz(func(t *testing.T, nodeJSON, profileJSON, triggerJSON string) {
		var n flowevent.NodeConfig
		if !decodeLoose(nodeJSON, &n) {
			return
		}
		var attrs, data map[string]any
		decodeLoose(profileJSON, &attrs)
		decodeLoose(triggerJSON, &data)
		req := event(n, attrs, data)

		hr, tg, err := b.Build(context.Background(), "req", req, Options{TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %T %v, want *Error", err, err)
			}
			if !strings.Contains(nodeJSON, fuzzSecretValue) && strings.Contains(err.Error(), fuzzSecretValue) {
				t.Fatalf("error %q contains a secret value", err)
			}
			return
		}
		if !strings.HasPrefix(tg.Origin, "http://") && !strings.HasPrefix(tg.Origin, "https://") {
			t.Fatalf("Origin = %q", tg.Origin)
		}
		if strings.Contains(tg.Path, "?") {
			t.Fatalf("Path %q holds a query", tg.Path)
		}
		base := baseURL(n.URL)
		if i := strings.IndexByte(base, '?'); i >= 0 && !strings.HasPrefix(hr.URL.RawQuery, base[i+1:]) {
			t.Fatalf("RawQuery %q lost the URL's own query %q", hr.URL.RawQuery, base[i+1:])
		}
		for k, vs := range hr.Header {
			if !flowevent.ValidHeaderName(k) {
				t.Fatalf("invalid header name %q", k)
			}
			for _, v := range vs {
				if !flowevent.ValidHeaderValue(v) {
					t.Fatalf("invalid value for header %q", k)
				}
			}
		}
	})
}

// decodeLoose decodes s with UseNumber, reporting whether it worked.
func decodeLoose(s string, v any) bool {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	return dec.Decode(v) == nil
}

// FuzzEscape checks that the encoding is RFC 3986 percent-encoding that
// every decoder reads back as the original text.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "plain", "a b", "a+b", "&=#%/?;", "é日本🎉", "\x00\xff", "~-._"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var sb strings.Builder
		writeEscaped(&sb, s)
		got := sb.String()
		for i := 0; i < len(got); i++ {
			c := got[i]
			if unreserved[c] {
				continue
			}
			if c != '%' || i+2 >= len(got) || !strings.ContainsRune(upperHex, rune(got[i+1])) || !strings.ContainsRune(upperHex, rune(got[i+2])) {
				t.Fatalf("escape(%q) = %q: byte %d is neither unreserved nor %%XX", s, got, i)
			}
			i += 2
		}
		if q, err := url.QueryUnescape(got); err != nil || q != s {
			t.Fatalf("QueryUnescape(%q) = %q, %v; want %q", got, q, err, s)
		}
		if p, err := url.PathUnescape(got); err != nil || p != s {
			t.Fatalf("PathUnescape(%q) = %q, %v; want %q", got, p, err, s)
		}
	})
}
