package inspect

import (
	"net/url"
	"strings"
)

// Field is one name/value pair of a captured request: a query parameter
// or a header.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// Masked reports that Value is a mask, not what was received.
	Masked bool `json:"masked,omitempty"`
	// Raw reports that the pair could not be percent-decoded and is shown
	// as received.
	Raw bool `json:"raw,omitempty"`
}

// ParseQuery splits a raw query string into its parameters, in the order
// they were sent, percent-decoding names and values ('+' is a space, as
// HTML forms and net/url read it). A pair without '=' has an empty value;
// empty pairs ("a=1&&b=2") are skipped. A pair that does not decode is
// kept as received, with Raw set. Unlike url.ParseQuery, order and
// duplicates are kept and ';' is an ordinary character.
func ParseQuery(raw string) []Field {
	if raw == "" {
		return nil
	}
	fields := make([]Field, 0, strings.Count(raw, "&")+1)
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		dn, errN := url.QueryUnescape(name)
		dv, errV := url.QueryUnescape(value)
		if errN != nil || errV != nil {
			fields = append(fields, Field{Name: name, Value: value, Raw: true})
			continue
		}
		fields = append(fields, Field{Name: dn, Value: dv})
	}
	return fields
}
