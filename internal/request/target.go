package request

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Target is where a built request goes, in forms safe to log.
type Target struct {
	// Origin is the circuit-breaker key: scheme://host:port with a lower-case
	// host, the default port written out (http 80, https 443) and an IPv6
	// host in brackets ("https://[2001:db8::1]:443").
	Origin string
	// Endpoint is the same origin in the outcome event's form.
	Endpoint flowevent.Endpoint
	// Path is the URL's path, escaped, for logs; never the query.
	Path string
}

// targetOf checks that u is an absolute http(s) URL without user info and
// returns its Target.
func targetOf(u *url.URL) (Target, error) {
	if u.Scheme != "http" && u.Scheme != "https" {
		return Target{}, configError("url scheme must be http or https")
	}
	if u.User != nil {
		return Target{}, configError("url must not carry user info; send credentials in a secret header")
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return Target{}, configError("url has no host")
	}
	port, portText, err := portOf(u)
	if err != nil {
		return Target{}, err
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return Target{
		Origin:   origin(u.Scheme, host, portText),
		Endpoint: flowevent.Endpoint{Scheme: u.Scheme, Host: host, Port: port},
		Path:     path,
	}, nil
}

// origin joins scheme, host and port, bracketing an IPv6 host.
func origin(scheme, host, port string) string {
	if strings.IndexByte(host, ':') >= 0 {
		return scheme + "://[" + host + "]:" + port
	}
	return scheme + "://" + host + ":" + port
}

// portOf returns u's port, or its scheme's default port, as a number and
// as canonical text.
func portOf(u *url.URL) (int, string, error) {
	p := u.Port()
	if p == "" {
		if u.Scheme == "https" {
			return 443, "443", nil
		}
		return 80, "80", nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return 0, "", configError("url port must be between 1 and 65535")
	}
	if p[0] == '0' { // "080" is port 80; the key must not depend on spelling
		p = strconv.Itoa(n)
	}
	return n, p, nil
}

// targetOfRaw parses a node URL (without its query) for its Target; it is
// used on error paths, where the final URL was never parsed.
func targetOfRaw(raw string) (Target, error) {
	base := baseURL(raw)
	if i := strings.IndexByte(base, '?'); i >= 0 {
		base = base[:i]
	}
	u, err := url.Parse(base)
	if err != nil {
		return Target{}, configError("url cannot be parsed")
	}
	return targetOf(u)
}

// TargetOfNode is the Target of a node's URL (its query ignored), for an
// outcome that names the endpoint although no request was built.
func TargetOfNode(n *flowevent.NodeConfig) (Target, error) { return targetOfRaw(n.URL) }
