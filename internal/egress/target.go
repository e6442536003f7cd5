package egress

import (
	"net/url"
	"strings"

	"golang.org/x/net/idna"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// target is where one request goes.
type target struct {
	// key is the pool key: scheme://host:port, host in lower-case ASCII.
	key string
	// addr is what is dialled: host:port (an IPv6 host in brackets).
	addr string
	// host is the Host header: the URL's host and port as written (a
	// non-ASCII name in its ASCII form), without an IPv6 zone.
	host string
	// serverName is the TLS server name (https only).
	serverName string
	tls        bool
	// identity is the request's own TLS identity (https only); key then
	// names it too.
	identity *ClientTLS
	owner    string
}

// withIdentity makes t's connections id's (https only): pooled under
// their own key and owner.
func (t *target) withIdentity(id *ClientTLS) {
	if id == nil || !t.tls {
		return
	}
	t.identity, t.owner = id, id.Owner
	t.key = id.poolKey(t.key)
}

// targetOf returns u's target, as net/http derives it: the default port
// of the scheme when none is written, a host name converted to ASCII
// (IDNA) when it is not.
func targetOf(u *url.URL) (target, error) {
	hostname, port := u.Hostname(), u.Port()
	if hostname == "" {
		return target{}, &Error{Reason: flowevent.ReasonInvalidConfig, Detail: "url has no host"}
	}
	hostname, err := asciiHost(hostname)
	if err != nil {
		return target{}, err
	}
	t := target{tls: u.Scheme == "https"}
	if port == "" {
		port = "80"
		if t.tls {
			port = "443"
		}
	}
	// One string: key is scheme://addr.
	if strings.IndexByte(hostname, ':') >= 0 {
		t.key = u.Scheme + "://[" + hostname + "]:" + port
	} else {
		t.key = u.Scheme + "://" + hostname + ":" + port
	}
	t.addr = t.key[len(u.Scheme)+len("://"):]
	t.host = hostHeader(u, hostname)
	if t.tls {
		t.serverName = hostname
		if i := strings.IndexByte(hostname, '%'); i >= 0 {
			t.serverName = hostname[:i]
		}
	}
	return t, nil
}

// asciiHost lower-cases a host name and converts a non-ASCII one to its
// ASCII (punycode) form.
func asciiHost(h string) (string, error) {
	for i := 0; i < len(h); i++ {
		if h[i] >= 0x80 {
			a, err := idna.Lookup.ToASCII(h)
			if err != nil {
				return "", &Error{Reason: flowevent.ReasonInvalidConfig, Detail: "url host is not a valid international domain name"}
			}
			return a, nil
		}
	}
	return strings.ToLower(h), nil
}

// hostHeader is the Host header of u, whose host name converted is
// hostname: the port kept as written, an empty port and an IPv6 zone
// dropped.
func hostHeader(u *url.URL, hostname string) string {
	if hostname == u.Hostname() && strings.IndexByte(u.Host, '%') < 0 && !strings.HasSuffix(u.Host, ":") {
		return u.Host // the common case: nothing to change
	}
	if i := strings.IndexByte(hostname, '%'); i >= 0 {
		hostname = hostname[:i]
	}
	if strings.IndexByte(hostname, ':') >= 0 {
		hostname = "[" + hostname + "]"
	}
	if port := u.Port(); port != "" {
		return hostname + ":" + port
	}
	return hostname
}
