package envelope

import (
	"encoding/json"
	"errors"
	"mime"
	"net/url"
	"strings"
	"time"
)

// The contract's constants the envelope needs (flowevent exports them;
// its tests check that the two agree).
const (
	specVersion           = "1.0"
	contentTypeJSON       = "application/json"
	contentTypeStructured = "application/cloudevents+json"
)

// Event is a decoded CloudEvent whose data is JSON, field for field
// flowevent.Event (which converts to and from it): the core attributes
// and the distributed tracing extension.
type Event struct {
	SpecVersion     string
	ID              string
	Source          string
	Type            string
	Subject         string
	DataContentType string
	DataSchema      string
	Time            time.Time
	TraceParent     string
	TraceState      string
	Data            json.RawMessage
}

// validateAttributes checks ev's attributes against CloudEvents 1.0: the
// required ones present and well formed, the optional ones well formed when
// present. Its errors never quote attribute values other than specversion.
func validateAttributes(ev Event) error {
	switch {
	case ev.SpecVersion != specVersion:
		return errors.New("specversion must be " + specVersion)
	case ev.ID == "":
		return errors.New("id missing")
	case ev.Source == "":
		return errors.New("source missing")
	case !validURIRef(ev.Source):
		return errors.New("source is not a URI-reference")
	case ev.Type == "":
		return errors.New("type missing")
	case ev.DataSchema != "" && !validAbsURI(ev.DataSchema):
		return errors.New("dataschema is not an absolute URI")
	case ev.DataContentType != "" && !validMediaType(ev.DataContentType):
		return errors.New("datacontenttype is not a media type")
	}
	return nil
}

// validURIRef reports whether s is a URI-reference (RFC 3986): parseable,
// with no whitespace or control characters.
func validURIRef(s string) bool {
	plain := true // only unreserved characters and '/': a path url.Parse accepts
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == 0x7f {
			return false
		}
		plain = plain && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '/')
	}
	if plain {
		return true
	}
	_, err := url.Parse(s)
	return err == nil
}

// validAbsURI reports whether s is an absolute URI.
func validAbsURI(s string) bool {
	if !validURIRef(s) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.IsAbs()
}

// validMediaType reports whether s is an RFC 2046 media type.
func validMediaType(s string) bool {
	if s == contentTypeJSON {
		return true
	}
	_, _, err := mime.ParseMediaType(s)
	return err == nil
}

// isJSONMediaType reports whether s names JSON data: application/json,
// text/json or any +json type, parameters allowed.
func isJSONMediaType(s string) bool {
	if s == contentTypeJSON {
		return true
	}
	mt, _, err := mime.ParseMediaType(s)
	if err != nil {
		return false
	}
	return mt == contentTypeJSON || mt == "text/json" || strings.HasSuffix(mt, "+json")
}

// validAttributeName reports whether name is a CloudEvents attribute name:
// lowercase ASCII letters and digits only.
func validAttributeName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// ParseTime parses a CloudEvents timestamp (RFC 3339).
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errors.New("time is not an RFC 3339 timestamp")
	}
	return t, nil
}

// FormatTime renders t as a CloudEvents timestamp, "" for the zero time.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
