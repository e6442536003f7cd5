// Package pageserve holds what the service's and the tools' self-contained
// HTML pages (the node stats page on the admin port, inspect's page) serve
// alike: their embedded assets, and the response headers that keep what
// they show from running as script or leaking elsewhere.
package pageserve

import (
	"io/fs"
	"net/http"
)

// Asset serves the file name of files as contentType. It reads the file
// once, now, and panics when it is missing: files are embedded at build
// time, so a missing one is a programming error.
func Asset(files fs.FS, name, contentType string) http.HandlerFunc {
	b, err := fs.ReadFile(files, name)
	if err != nil {
		panic(err)
	}
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(b)
	}
}

// SecureHeaders sets on every response of h the page's Content Security
// Policy csp, no content sniffing, no referrer and no caching.
func SecureHeaders(csp string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}
