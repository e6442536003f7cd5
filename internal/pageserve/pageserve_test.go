package pageserve

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
)

func TestAssetAndHeaders(t *testing.T) {
	files := fstest.MapFS{"web/app.js": {Data: []byte("let x = 1;")}}
	h := SecureHeaders("default-src 'none'", Asset(files, "web/app.js", "text/javascript; charset=utf-8"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/app.js", nil))
	if rec.Body.String() != "let x = 1;" {
		t.Errorf("body %q", rec.Body.String())
	}
	want := map[string]string{
		"Content-Type":            "text/javascript; charset=utf-8",
		"Content-Security-Policy": "default-src 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
	}
	for k, v := range want {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
}

func TestAssetMissingPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a missing embedded file did not panic")
		}
	}()
	Asset(fstest.MapFS{}, "web/none.js", "text/javascript")
}
