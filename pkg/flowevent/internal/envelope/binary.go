package envelope

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/cloudevents/sdk-go/v2/binding/spec"
	"github.com/flowhook/flowhook/pkg/flowevent/internal/jsoncodec"
	"github.com/nats-io/nats.go"
)

// binaryPrefix starts the header of every attribute in binary mode.
const binaryPrefix = "ce-"

// binaryV1 names the CloudEvents 1.0 attributes as binary-mode headers.
var binaryV1 = spec.WithPrefix(binaryPrefix).Version(specVersion)

// decodeBinary decodes a binary-mode event: every attribute a ce-* header
// (names case-insensitive, values percent-encoded), the payload its data.
// The datacontenttype falls back to a non-CloudEvents Content-Type header.
func decodeBinary(header nats.Header, contentType string, payload []byte) (Event, error) {
	attrs, err := binaryAttributes(header)
	if err != nil {
		return Event{ID: attrs["id"]}, err
	}
	if _, ok := attrs["specversion"]; !ok {
		return Event{}, fmt.Errorf("no %s content type and no %sspecversion header", contentTypeStructured, binaryPrefix)
	}
	ev := Event{ID: attrs["id"]}
	if len(payload) > 0 {
		ev.Data = payload
	}
	if err := fillBinaryEvent(&ev, attrs); err != nil {
		return ev, err
	}
	if ev.DataContentType == "" && contentType != "" {
		ev.DataContentType = contentType
	}
	if err := validateAttributes(ev); err != nil {
		return ev, err
	}
	if err := checkBinaryData(ev); err != nil {
		return ev, &DataError{Err: err}
	}
	return ev, nil
}

// binaryAttributes collects the ce-* headers by lowercase attribute name,
// percent-decoded. An attribute given twice (even in different cases) is
// refused rather than guessed at. The map holds what was read even on error.
func binaryAttributes(header nats.Header) (map[string]string, error) {
	attrs := make(map[string]string, len(header))
	for key, values := range header {
		lower := strings.ToLower(key)
		if !strings.HasPrefix(lower, binaryPrefix) {
			continue
		}
		name := lower[len(binaryPrefix):]
		if _, dup := attrs[name]; dup || len(values) != 1 {
			return attrs, fmt.Errorf("attribute header %s%s given more than once", binaryPrefix, safeName(name))
		}
		v, err := url.PathUnescape(values[0])
		if err != nil || !utf8.ValidString(v) {
			return attrs, fmt.Errorf("attribute header %s%s is not valid percent-encoded UTF-8", binaryPrefix, safeName(name))
		}
		attrs[name] = v
	}
	return attrs, nil
}

// fillBinaryEvent sets ev's attributes from the collected headers, using
// the CloudEvents 1.0 attribute set to tell core attributes from extensions.
func fillBinaryEvent(ev *Event, attrs map[string]string) error {
	var parent, state string
	for name, v := range attrs {
		a := binaryV1.Attribute(binaryPrefix + name)
		if a == nil {
			if !validAttributeName(name) {
				return errors.New("extension attribute name is not lowercase alphanumeric")
			}
			switch name {
			case "traceparent":
				parent = v
			case "tracestate":
				state = v
			}
			continue
		}
		if err := setBinaryAttribute(ev, a.Kind(), name, v); err != nil {
			return err
		}
	}
	ev.TraceParent, ev.TraceState = CleanTraceContext(parent, state)
	return nil
}

// setBinaryAttribute sets one core attribute; optional ones must not be
// empty when present.
func setBinaryAttribute(ev *Event, kind spec.Kind, name, v string) error {
	if v == "" && !kind.IsRequired() {
		return fmt.Errorf("%s is empty", name)
	}
	switch kind {
	case spec.ID:
		ev.ID = v
	case spec.Source:
		ev.Source = v
	case spec.SpecVersion:
		ev.SpecVersion = v
	case spec.Type:
		ev.Type = v
	case spec.DataContentType:
		ev.DataContentType = v
	case spec.DataSchema:
		ev.DataSchema = v
	case spec.Subject:
		ev.Subject = v
	case spec.Time:
		t, err := ParseTime(v)
		if err != nil {
			return err
		}
		ev.Time = t
	}
	return nil
}

// checkBinaryData checks that a binary-mode payload is JSON data.
func checkBinaryData(ev Event) error {
	if ev.DataContentType != "" && !isJSONMediaType(ev.DataContentType) {
		return errors.New("datacontenttype is not JSON")
	}
	if ev.Data != nil && !jsoncodec.Valid(ev.Data) {
		return errors.New("payload is not valid JSON")
	}
	return nil
}

// safeName returns an attribute name fit for an error message: itself when
// it is a valid attribute name, a placeholder otherwise.
func safeName(name string) string {
	if validAttributeName(name) {
		return name
	}
	return "<invalid name>"
}
