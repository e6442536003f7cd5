package inspect

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, srv *httptest.Server, path, host string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestPageEscapesCapturedData(t *testing.T) {
	_, srv := startCatcher(t, Options{})
	send(t, "POST", srv.URL+"/p?x=%3Cscript%3Ealert(1)%3C%2Fscript%3E", http.Header{"X-Evil": {`"><img src=x onerror=alert(2)>`}}, "<b>body</b>")
	resp, page := get(t, srv, UIPrefix, "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	for _, bad := range []string{"<script>alert", "<img src=x", "<b>body"} {
		if strings.Contains(page, bad) {
			t.Errorf("page holds unescaped %q", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;b&gt;body&lt;/b&gt;", `data-seq="1"`, "/p</code>"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestFragmentFollowsNewCaptures(t *testing.T) {
	_, srv := startCatcher(t, Options{})
	send(t, "GET", srv.URL+"/one", nil, "")
	send(t, "GET", srv.URL+"/two", nil, "")
	resp, frag := get(t, srv, UIPrefix+"fragment?after=1", "")
	if resp.Header.Get("X-Inspect-Seq") != "2" {
		t.Errorf("X-Inspect-Seq %q", resp.Header.Get("X-Inspect-Seq"))
	}
	if !strings.Contains(frag, "/two") || strings.Contains(frag, "/one") {
		t.Errorf("fragment after 1: %s", frag)
	}
	if _, frag := get(t, srv, UIPrefix+"fragment?after=2", ""); strings.TrimSpace(frag) != "" {
		t.Errorf("fragment after 2 not empty: %q", frag)
	}
	if resp, _ := get(t, srv, UIPrefix+"fragment?after=x", ""); resp.StatusCode != 400 {
		t.Errorf("bad after: status %d", resp.StatusCode)
	}
}

func TestUIRoutes(t *testing.T) {
	_, srv := startCatcher(t, Options{})
	tests := []struct {
		path, host string
		status     int
		ctype      string
	}{
		{UIPrefix + "app.js", "", 200, "text/javascript; charset=utf-8"},
		{UIPrefix + "style.css", "", 200, "text/css; charset=utf-8"},
		{UIPrefix, "localhost:9000", 200, "text/html; charset=utf-8"},
		{UIPrefix, "[::1]:9000", 200, "text/html; charset=utf-8"},
		{UIPrefix, "rebound.example:9000", 403, ""},
		{UIPrefix + "api/requests", "attacker.example", 403, ""},
		{UIPrefix + "nothing", "", 404, ""},
	}
	for _, tt := range tests {
		resp, _ := get(t, srv, tt.path, tt.host)
		if resp.StatusCode != tt.status || (tt.ctype != "" && resp.Header.Get("Content-Type") != tt.ctype) {
			t.Errorf("GET %s (Host %q): %d %q, want %d %q", tt.path, tt.host, resp.StatusCode, resp.Header.Get("Content-Type"), tt.status, tt.ctype)
		}
	}
	// The UI's own requests are never captured.
	if l := list(t, srv, 0); len(l.Requests) != 0 {
		t.Errorf("UI requests captured: %+v", l.Requests)
	}
}

func TestLine(t *testing.T) {
	c := Capture{
		Seq: 7, Time: time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC), Method: "POST", Path: "/hooks/crm",
		Query: []Field{
			{Name: "email", Value: "ada@example.com"}, {Name: "note", Value: "a\x1b[31mred\nline"},
			{Name: "token", Value: Mask, Masked: true}, {Name: "b", Value: "%zz", Raw: true},
		},
		Headers:   []Field{{Name: "Authorization", Value: "Bearer ****", Masked: true}, {Name: "Accept", Value: "*/*"}},
		BodyBytes: 12, Status: 503, Failed: true,
	}
	want := "03:04:05.006  #7  POST /hooks/crm?email=ada%40example.com&note=a%1B%5B31mred%0Aline&token=****&b=<undecodable>  body 12 B  -> 503 (injected failure)\n      Authorization: Bearer ****"
	if got := Line(c); got != want {
		t.Errorf("Line =\n%s\nwant\n%s", got, want)
	}
}

func TestMaskCredential(t *testing.T) {
	tests := []struct{ name, value, want string }{
		{"Authorization", "Bearer abc.def", "Bearer ****"},
		{"authorization", "Basic dXNlcjpwYXNz", "Basic ****"},
		{"Authorization", "rawtoken", "****"},
		{"Authorization", "Bearer", "****"},
		{"Authorization", "12345 67890", "****"},
		{"X-Auth-Token", "t", "****"},
		{"Proxy-Authorization", "Basic x", "Basic ****"},
		{"Set-Cookie", "a=b", "****"},
		{"X-Source", "flowhook", "flowhook"},
		{"Idempotency-Key", `"fh_1"`, `"fh_1"`},
		// Signatures keep their scheme only.
		{"X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "sha256=****"},
		{"X-Hub-Signature", "sha1=7d38cdd689735b008b3c702edd92eea23791c5f6", "sha1=****"},
		{"webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v1,bm9wZQ==", "v1,****"},
		{"Stripe-Signature", "t=1492774577,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd", "t=****"},
		{"X-Signature", "3f7a9c0d2e", "****"},
		{"X-Slack-Signature", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", "v0=****"},
		{"X-Webhook-Signature", "=abc", "****"},
	}
	for _, tt := range tests {
		if got, _ := maskHeader(tt.name, tt.value); got != tt.want {
			t.Errorf("maskHeader(%s, %q) = %q, want %q", tt.name, tt.value, got, tt.want)
		}
	}
	for name, want := range map[string]bool{
		"api_key": true, "API-KEY": true, "access_token": true, "sig": true, "client_secret": true,
		"hub_signature": true, "email": false, "keyword": false, "monkey": false,
	} {
		if IsCredentialParam(name) != want {
			t.Errorf("IsCredentialParam(%q) = %v", name, !want)
		}
	}
}
