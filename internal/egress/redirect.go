package egress

import (
	"net/http"
	"net/url"
	"strings"
)

// isRedirect reports the statuses that are followed when FollowRedirects
// allows: 301, 302, 303, 307 and 308.
func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// redirect returns the hop that follows h's redirect response resp, as
// net/http would make it, or follow false when the 3xx itself is the
// response: it has no Location, or it is a 307 or 308 that would re-send a
// body (personal data, in json and form modes) to another origin. A 301,
// 302 or 303 becomes a GET without a body. Each hop is dialled through the
// same guard. Once any hop has left the original origin (scheme, host,
// port), every header but User-Agent is removed: net/http only strips a
// few (Authorization, Cookie) and would forward custom credentials such as
// X-Api-Key, and the request's own TLS identity is not presented; no
// Referer is ever added, since it would carry the previous URL's query.
func (c *Client) redirect(h *hop, via []*hop, resp *Response) (hop, bool, error) {
	loc := resp.Header.Get("Location")
	if loc == "" {
		return hop{}, false, nil
	}
	u, err := h.url.Parse(loc)
	if err != nil {
		return hop{}, false, errBadLocation
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.User != nil {
		return hop{}, false, errBadLocation
	}
	next := hop{method: h.method, url: u, header: h.header, body: h.body, tls: h.tls}
	if resp.Status != http.StatusTemporaryRedirect && resp.Status != http.StatusPermanentRedirect {
		if next.method != http.MethodGet && next.method != http.MethodHead {
			next.method = http.MethodGet
		}
		if next.body != nil {
			next.body = nil
			next.header = without(next.header, "Content-Type")
		}
	}
	if leftOrigin(u, h, via) {
		if next.body != nil {
			return hop{}, false, nil
		}
		next.header = only(next.header, "User-Agent")
		next.tls = nil // the identity is the endpoint's, not another origin's
	}
	return next, true, nil
}

// leftOrigin reports whether next or any earlier hop has an origin other
// than the first request's.
func leftOrigin(next *url.URL, h *hop, via []*hop) bool {
	first := h.url
	if len(via) > 0 {
		first = via[0].url
	}
	if !sameOrigin(first, next) || !sameOrigin(first, h.url) {
		return true
	}
	for _, v := range via {
		if !sameOrigin(first, v.url) {
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

// without returns fs without the fields named name, in a new slice.
func without(fs []Field, name string) []Field {
	var out []Field
	for _, f := range fs {
		if !strings.EqualFold(f.Name, name) {
			out = append(out, f)
		}
	}
	return out
}

// only returns the fields of fs named name, in a new slice.
func only(fs []Field, name string) []Field {
	var out []Field
	for _, f := range fs {
		if strings.EqualFold(f.Name, name) {
			out = append(out, f)
		}
	}
	return out
}
