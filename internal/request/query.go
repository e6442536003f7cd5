package request

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// unreserved marks the bytes RFC 3986 section 2.3 lets a query carry as is.
var unreserved = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-._~" {
		t[c] = true
	}
	return t
}()

const upperHex = "0123456789ABCDEF"

// writeEscaped writes s percent-encoded: unreserved bytes as is, every
// other byte as %XX.
func writeEscaped[S string | []byte](sb *strings.Builder, s S) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved[c] {
			sb.WriteByte(c)
			continue
		}
		sb.WriteByte('%')
		sb.WriteByte(upperHex[c>>4])
		sb.WriteByte(upperHex[c&15])
	}
}

// baseURL is the node URL without its fragment, which is never sent.
func baseURL(raw string) string {
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		return raw[:i]
	}
	return raw
}

// buildURL returns the node URL with the node's parameters appended to its
// own query.
func (b *Builder) buildURL(req *flowevent.Request) (string, error) {
	base := baseURL(req.Node.URL)
	q := strings.IndexByte(base, '?')
	if q >= 0 && strings.IndexByte(base[q:], ' ') >= 0 {
		return "", configError("url query contains a space; write it as %20")
	}
	params := req.Node.Params
	skip, none := leftOut(req)
	if len(params) == 0 || none {
		return base, nil
	}
	var sb strings.Builder
	sb.Grow(len(base) + 1 + 48*len(params))
	sb.WriteString(base)
	switch {
	case q < 0:
		sb.WriteByte('?')
	case base[len(base)-1] != '?' && base[len(base)-1] != '&':
		sb.WriteByte('&')
	}
	if err := b.writeParams(&sb, req, skip); err != nil {
		return "", err
	}
	return sb.String(), nil
}

// writeParams writes name=value for every node parameter that skip (nil:
// none) does not leave out, joined by '&'.
func (b *Builder) writeParams(sb *strings.Builder, req *flowevent.Request, skip []bool) error {
	var scratch [64]byte
	first := true
	for i := range req.Node.Params {
		if skip != nil && skip[i] {
			continue
		}
		p := &req.Node.Params[i]
		if !first {
			sb.WriteByte('&')
		}
		first = false
		writeEscaped(sb, p.Name)
		sb.WriteByte('=')
		if err := b.writeValue(sb, scratch[:0], i, p, req); err != nil {
			return err
		}
	}
	return nil
}

// writeValue resolves one parameter's value and writes it escaped.
func (b *Builder) writeValue(sb *strings.Builder, scratch []byte, i int, p *flowevent.Param, req *flowevent.Request) error {
	var v any
	switch p.From {
	case flowevent.FromStatic:
		writeEscaped(sb, p.Value)
		return nil
	case flowevent.FromSecret:
		s, ok := b.secret(req.Account, p.Secret)
		if !ok {
			return missingSecret("secret " + strconv.Quote(p.Secret) + " for " + paramRef(i, p) + " not found")
		}
		writeEscaped(sb, s)
		return nil
	case flowevent.FromProfile:
		v, _ = lookupProfile(req.Profile.Attributes, p.Path)
	case flowevent.FromEvent:
		if req.Trigger != nil {
			v, _ = lookupEvent(req.Trigger.Data, p.Path)
		}
	default:
		return configError(paramRef(i, p) + " has unknown source " + strconv.Quote(string(p.From)))
	}
	return writeAny(sb, scratch, i, p, v)
}

// writeAny writes the text form of a profile or event value.
func writeAny(sb *strings.Builder, scratch []byte, i int, p *flowevent.Param, v any) error {
	switch v := v.(type) {
	case string:
		writeEscaped(sb, v)
		return nil
	case json.Number:
		writeEscaped(sb, string(v))
		return nil
	}
	text, err := appendText(scratch, v)
	if err != nil {
		return &Error{Reason: flowevent.ReasonInvalidEvent, Detail: "value of " + paramRef(i, p) + " has no text form"}
	}
	writeEscaped(sb, text)
	return nil
}

// paramRef names a parameter by position and name, never by value.
func paramRef(i int, p *flowevent.Param) string {
	return "params[" + strconv.Itoa(i) + "] " + strconv.Quote(p.Name)
}
