package egress

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Request is one outbound request, as the request builder
// (internal/request) makes it and Client.Do sends it. It belongs to no
// HTTP library. Do neither changes nor keeps it.
type Request struct {
	// Method is sent as is (GET, POST, PUT, PATCH or DELETE).
	Method string
	// URL is an absolute http or https URL. The request target sent is
	// URL.RequestURI(): the path as the URL escapes it and the query byte
	// for byte, never normalised.
	URL *url.URL
	// Header holds the header fields sent, in order, names exactly as
	// written (not canonicalised). Host, Content-Length, Accept-Encoding,
	// and User-Agent when the fields have none, are the client's; a
	// User-Agent field with an empty value sends none (as in net/http).
	Header []Field
	// Body is sent with a Content-Length; nil sends none (a POST, PUT,
	// PATCH or DELETE then says Content-Length: 0).
	Body []byte
	// TLS, when set, is the request's own TLS identity toward an https
	// URL (a client certificate, private roots): see ClientTLS. It is not
	// carried to a redirect hop on another origin. Nil uses the Client's.
	TLS *ClientTLS
}

// Field is one header field.
type Field struct {
	Name, Value string
}

// Get returns the value of the first field named name (case-insensitive),
// or "".
func (r *Request) Get(name string) string {
	for i := range r.Header {
		if strings.EqualFold(r.Header[i].Name, name) {
			return r.Header[i].Value
		}
	}
	return ""
}

// Set replaces every field named name (case-insensitive) by one field
// name: value, at the first one's place or last.
func (r *Request) Set(name, value string) {
	out := r.Header[:0:0]
	set := false
	for _, f := range r.Header {
		if !strings.EqualFold(f.Name, name) {
			out = append(out, f)
			continue
		}
		if !set {
			out, set = append(out, Field{name, value}), true
		}
	}
	if !set {
		out = append(out, Field{name, value})
	}
	r.Header = out
}

// NewRequest parses rawURL and returns a Request of method to it with the
// given fields. It is what tests and tools use; the request builder makes
// its Requests itself.
func NewRequest(method, rawURL string, body []byte, header ...Field) (*Request, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// Never wrap err: it quotes the URL.
		return nil, &Error{Reason: flowevent.ReasonInvalidConfig, Detail: "url cannot be parsed"}
	}
	return &Request{Method: method, URL: u, Header: header, Body: body}, nil
}

// isClientField reports the fields the client sets itself: a request
// naming them is refused, so that no caller can reframe or split the
// request.
func isClientField(name string) bool {
	var f string
	switch len(name) {
	case 2:
		f = "TE"
	case 4:
		f = "Host"
	case 7:
		if strings.EqualFold(name, "Trailer") {
			return true
		}
		f = "Upgrade"
	case 10:
		f = "Connection"
	case 14:
		f = "Content-Length"
	case 15:
		f = "Accept-Encoding"
	case 17:
		f = "Transfer-Encoding"
	default:
		return false
	}
	return strings.EqualFold(name, f)
}

// checkRequest refuses what cannot be sent as one well-formed HTTP/1.1
// request, without quoting the URL.
func checkRequest(req *Request) error {
	if req == nil || req.URL == nil {
		return &Error{Reason: flowevent.ReasonInvalidConfig, Detail: "no request URL"}
	}
	switch req.URL.Scheme {
	case "http", "https":
	default:
		return &Error{Reason: flowevent.ReasonInvalidConfig, Detail: fmt.Sprintf("unsupported scheme %q", req.URL.Scheme)}
	}
	if req.URL.Host == "" || req.URL.User != nil {
		return &Error{Reason: flowevent.ReasonInvalidConfig, Detail: "url must have a host and no user info"}
	}
	if !flowevent.ValidHeaderName(req.Method) { // a method is a token too
		return &Error{Reason: flowevent.ReasonInvalidConfig, Detail: "invalid method"}
	}
	for i := range req.Header {
		if err := checkField(&req.Header[i]); err != nil {
			return err
		}
	}
	return nil
}

func checkField(f *Field) error {
	switch {
	case !flowevent.ValidHeaderName(f.Name):
		return &Error{Reason: flowevent.ReasonInvalidConfig, Detail: fmt.Sprintf("header %q has an invalid name", f.Name)}
	case isClientField(f.Name):
		return &Error{Reason: flowevent.ReasonInvalidConfig, Detail: fmt.Sprintf("header %q is set by the client", f.Name)}
	case !flowevent.ValidHeaderValue(f.Value):
		// The value may be a secret: never quote it.
		return &Error{Reason: flowevent.ReasonInvalidConfig, Detail: fmt.Sprintf("header %q value contains a control character", f.Name)}
	}
	return nil
}
