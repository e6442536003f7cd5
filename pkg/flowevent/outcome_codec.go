package flowevent

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/flowhook/flowhook/pkg/jsonwire"
)

// This file encodes and decodes outcome events by hand: one is written for
// every request event and read back by every outcome consumer (node stats
// among them), and encoding/json's reflection was most of their cost. The
// bytes written are exactly json.Marshal's, and the values read exactly
// json.Unmarshal's, or the decoder gives up and encoding/json decides;
// tests hold both to encoding/json and to the list of Outcome's fields.

// outcomeFields are the JSON names of Outcome's fields, in order: the
// codec below handles each of them (TestOutcomeCodecCoversOutcome).
var outcomeFields = []string{
	"request_id", "account", "flow_id", "node_id", "profile_id", "route", "success", "reason", "detail",
	"status", "duration_ms", "attempts", "endpoint", "completed_at", "captured", "capture_missing",
}

// errUnencodable reports an outcome json.Marshal would refuse.
var errUnencodable = errors.New("flowevent: encode: data cannot be rendered as JSON")

// appendOutcomeEvent appends env (whose Data is ignored) with data o, as
// json.Marshal renders an envelope whose Data is &o.
func appendOutcomeEvent(b []byte, env *envelope, o *Outcome) ([]byte, error) {
	b = appendEnvelopeHead(b, env)
	b = append(b, `,"data":`...)
	b, err := appendOutcome(b, o)
	return append(b, '}'), err
}

// appendEnvelopeHead appends env's attributes: an object left open.
func appendEnvelopeHead(b []byte, env *envelope) []byte {
	b = appendMember(b, `{"specversion":`, env.SpecVersion)
	b = appendMember(b, `,"id":`, env.ID)
	b = appendMember(b, `,"source":`, env.Source)
	b = appendMember(b, `,"type":`, env.Type)
	b = appendOptional(b, `,"subject":`, env.Subject)
	b = appendOptional(b, `,"datacontenttype":`, env.DataContentType)
	b = appendOptional(b, `,"dataschema":`, env.DataSchema)
	b = appendOptional(b, `,"time":`, env.Time)
	b = appendOptional(b, `,"traceparent":`, env.TraceParent)
	return appendOptional(b, `,"tracestate":`, env.TraceState)
}

// appendOutcome appends o as json.Marshal renders it.
func appendOutcome(b []byte, o *Outcome) ([]byte, error) {
	b = appendMember(b, `{"request_id":`, o.RequestID)
	b = appendMember(b, `,"account":`, o.Account)
	b = appendOptional(b, `,"flow_id":`, o.FlowID)
	b = appendOptional(b, `,"node_id":`, o.NodeID)
	b = appendOptional(b, `,"profile_id":`, o.ProfileID)
	b = appendMember(b, `,"route":`, string(o.Route))
	b = append(b, `,"success":`...)
	b = strconv.AppendBool(b, o.Success)
	b = appendMember(b, `,"reason":`, string(o.Reason))
	b = appendOptional(b, `,"detail":`, o.Detail)
	if o.Status != 0 {
		b = strconv.AppendInt(append(b, `,"status":`...), int64(o.Status), 10)
	}
	b, err := appendJSONFloat(append(b, `,"duration_ms":`...), o.DurationMS)
	if err != nil {
		return b, err
	}
	b = strconv.AppendInt(append(b, `,"attempts":`...), int64(o.Attempts), 10)
	if e := o.Endpoint; e != nil {
		b = appendMember(b, `,"endpoint":{"scheme":`, e.Scheme)
		b = appendMember(b, `,"host":`, e.Host)
		b = strconv.AppendInt(append(b, `,"port":`...), int64(e.Port), 10)
		b = append(b, '}')
	}
	b = append(b, `,"completed_at":"`...)
	if b, err = o.CompletedAt.AppendText(b); err != nil {
		return b, errUnencodable
	}
	b = append(b, '"')
	if b, err = appendMarshaled(b, `,"captured":`, o.Captured, len(o.Captured)); err != nil {
		return b, err
	}
	if b, err = appendMarshaled(b, `,"capture_missing":`, o.CaptureMissing, len(o.CaptureMissing)); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

// appendMarshaled appends name and json.Marshal of v, unless n is 0.
func appendMarshaled(b []byte, name string, v any, n int) ([]byte, error) {
	if n == 0 {
		return b, nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return b, errUnencodable
	}
	return append(append(b, name...), j...), nil
}

func appendMember(b []byte, name, s string) []byte {
	return jsonwire.AppendString(append(b, name...), s, true)
}

// appendOptional appends a member with omitempty: not when s is empty.
func appendOptional(b []byte, name, s string) []byte {
	if s == "" {
		return b
	}
	return appendMember(b, name, s)
}

// appendJSONFloat appends f as json.Marshal renders a float64: the
// shortest form, in exponent form below 1e-6 and from 1e21 on; NaN and
// infinities cannot be rendered.
func appendJSONFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, errUnencodable
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// "1e-07" -> "1e-7", as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// decodeOutcomeFast decodes data, a valid JSON value, into an Outcome as
// json.Unmarshal would; ok is false when the caller must use json.Unmarshal
// instead (for its error).
func decodeOutcomeFast(data []byte) (o Outcome, ok bool) {
	defer func() {
		if recover() != nil { // out of bounds on invalid JSON
			o, ok = Outcome{}, false
		}
	}()
	data = bytes.TrimLeft(data, " \t\r\n")
	if len(data) == 0 || data[0] != '{' {
		return Outcome{}, false
	}
	d := dataDecoder{src: newSource(data)}
	ok = true
	_ = forEachMember(data, func(key string, v []byte) error {
		if ok = d.outcomeMember(&o, key, v); !ok {
			return errNotObject
		}
		return nil
	})
	return o, ok
}

// outcomeMember sets the field of o that key names.
func (d *dataDecoder) outcomeMember(o *Outcome, key string, v []byte) bool {
	switch matchField(key, outcomeFields...) {
	case "request_id":
		return d.setString(&o.RequestID, v)
	case "account":
		return d.setString(&o.Account, v)
	case "flow_id":
		return d.setString(&o.FlowID, v)
	case "node_id":
		return d.setString(&o.NodeID, v)
	case "profile_id":
		return d.setString(&o.ProfileID, v)
	case "route":
		return d.setString((*string)(&o.Route), v)
	case "success":
		return setBool(&o.Success, v)
	case "reason":
		return d.setString((*string)(&o.Reason), v)
	case "detail":
		return d.setString(&o.Detail, v)
	case "status":
		return setInt(&o.Status, v)
	case "duration_ms":
		return setFloat(&o.DurationMS, v)
	case "attempts":
		return setInt(&o.Attempts, v)
	case "endpoint":
		return d.setEndpoint(&o.Endpoint, v)
	case "completed_at":
		return setTime(&o.CompletedAt, v)
	case "captured":
		return json.Unmarshal(v, &o.Captured) == nil
	case "capture_missing":
		return json.Unmarshal(v, &o.CaptureMissing) == nil
	}
	return true // unknown members are ignored, as by encoding/json
}

func (d *dataDecoder) setEndpoint(e **Endpoint, v []byte) bool {
	switch v[0] {
	case 'n':
		*e = nil
		return true
	case '{':
	default:
		return false
	}
	if *e == nil {
		*e = new(Endpoint)
	}
	ok := true
	_ = forEachMember(v, func(key string, v []byte) error {
		switch matchField(key, "scheme", "host", "port") {
		case "scheme":
			ok = d.setString(&(*e).Scheme, v)
		case "host":
			ok = d.setString(&(*e).Host, v)
		case "port":
			ok = setInt(&(*e).Port, v)
		}
		if !ok {
			return errNotObject
		}
		return nil
	})
	return ok
}

// setBool, setInt, setFloat and setTime set a field as encoding/json does
// (null leaves it as it is), and are false where it would fail.
func setBool(dst *bool, v []byte) bool {
	switch v[0] {
	case 'n':
	case 't':
		*dst = true
	case 'f':
		*dst = false
	default:
		return false
	}
	return true
}

func setInt(dst *int, v []byte) bool {
	if v[0] == 'n' {
		return true
	}
	if v[0] != '-' && (v[0] < '0' || v[0] > '9') {
		return false
	}
	n, err := strconv.ParseInt(string(v), 10, strconv.IntSize)
	if err != nil {
		return false
	}
	*dst = int(n)
	return true
}

func setFloat(dst *float64, v []byte) bool {
	if v[0] == 'n' {
		return true
	}
	if v[0] != '-' && (v[0] < '0' || v[0] > '9') {
		return false
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil {
		return false
	}
	*dst = f
	return true
}

func setTime(dst *time.Time, v []byte) bool {
	return dst.UnmarshalJSON(v) == nil
}
