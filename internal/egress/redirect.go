package egress

import (
	"net/http"
	"net/url"
	"strings"
)

// checkRedirect is the http.Client's CheckRedirect. With FollowRedirects 0
// (or once the limit is reached) it returns http.ErrUseLastResponse, so the
// 3xx itself is the response. Each followed hop is dialled through the same
// guard. Once any hop has left the original origin (scheme, host, port),
// every header but User-Agent is removed: net/http only strips a few
// (Authorization, Cookie) and forwards custom credentials such as
// X-Api-Key, and sets a Referer carrying the previous URL's query. A 307 or
// 308 that would re-send a request body (personal data, in json and form
// modes) to another origin is not followed: the 3xx is the response.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > c.followRedirects {
		return http.ErrUseLastResponse
	}
	if leftOrigin(req, via) {
		if req.GetBody != nil && req.ContentLength != 0 {
			return http.ErrUseLastResponse
		}
		stripHeaders(req.Header)
	}
	return nil
}

// leftOrigin reports whether req or any earlier hop has an origin other
// than the first request's.
func leftOrigin(req *http.Request, via []*http.Request) bool {
	first := via[0].URL
	if !sameOrigin(first, req.URL) {
		return true
	}
	for _, r := range via[1:] {
		if !sameOrigin(first, r.URL) {
			return true
		}
	}
	return false
}

func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) &&
		effectivePort(a) == effectivePort(b)
}

func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}

// stripHeaders removes every header but User-Agent.
func stripHeaders(h http.Header) {
	for k := range h {
		if k != "User-Agent" {
			delete(h, k)
		}
	}
}
