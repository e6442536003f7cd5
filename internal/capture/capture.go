// Package capture copies the values a Webhook node names (its Capture
// fields, JSON Pointers) out of a matched JSON response, for the outcome
// event, so that the flow engine can update the profile from the
// receiver's answer.
//
// Each value is compact JSON of its own type (a string stays a string, a
// number keeps its literal). A value longer than
// flowevent.MaxCaptureValueBytes, or one that would take the outcome's
// captures past flowevent.MaxCaptureTotalBytes (fields are taken in the
// node's order), is left out; so is a field whose pointer names nothing,
// and every field when the body is not one JSON document or was cut at the
// response size cap. Each field left out is listed with the reason
// (flowevent.CaptureMiss).
//
// Captured values are the receiver's answer and may be personal data by
// design; this package never logs them.
package capture

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"github.com/flowhook/flowhook/internal/jsonpointer"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Extract returns the captured values and the fields left out, by field
// name; both are nil when fields is empty, and each is nil when it has no
// entry. body is the response body read (at most the response cap);
// truncated reports that more existed.
func Extract(fields []flowevent.CaptureField, body []byte, truncated bool) (map[string]json.RawMessage, map[string]flowevent.CaptureMiss) {
	if len(fields) == 0 {
		return nil, nil
	}
	var captured map[string]json.RawMessage
	var missing map[string]flowevent.CaptureMiss
	miss := func(name string, why flowevent.CaptureMiss) {
		if missing == nil {
			missing = make(map[string]flowevent.CaptureMiss, len(fields))
		}
		missing[name] = why
	}
	doc, err := jsonpointer.Parse(body)
	if truncated || err != nil {
		for _, f := range fields {
			miss(f.Name, flowevent.CaptureNotJSON)
		}
		return nil, missing
	}
	total := 0
	for _, f := range fields {
		v, why := value(doc, f.Pointer)
		switch {
		case why != "":
			miss(f.Name, why)
		case total+len(v) > flowevent.MaxCaptureTotalBytes:
			miss(f.Name, flowevent.CaptureTooLarge)
		default:
			if captured == nil {
				captured = make(map[string]json.RawMessage, len(fields))
			}
			captured[f.Name] = v
			total += len(v)
		}
	}
	return captured, missing
}

// value finds one pointer's value as compact, valid UTF-8 JSON within the
// per-value cap, or says why not.
func value(doc jsonpointer.Document, ptr string) (json.RawMessage, flowevent.CaptureMiss) {
	raw, err := doc.Lookup(ptr)
	if err != nil {
		return nil, flowevent.CaptureAbsent
	}
	if len(raw) > 16*flowevent.MaxCaptureValueBytes {
		return nil, flowevent.CaptureTooLarge // not worth compacting
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, flowevent.CaptureAbsent
	}
	v := buf.Bytes()
	if !utf8.Valid(v) {
		v = sanitize(v)
	}
	if len(v) > flowevent.MaxCaptureValueBytes {
		return nil, flowevent.CaptureTooLarge
	}
	return v, ""
}

// sanitize re-encodes JSON holding invalid UTF-8 so that every invalid
// byte becomes U+FFFD, as encoding/json decodes it: the outcome event
// stays valid JSON text.
func sanitize(v []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var x any
	if dec.Decode(&x) != nil {
		return v
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(x) != nil {
		return v
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
