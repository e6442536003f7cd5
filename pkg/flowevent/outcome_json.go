package flowevent

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/flowhook/flowhook/pkg/flowevent/internal/envelope"
	"github.com/flowhook/flowhook/pkg/flowevent/internal/jsoncodec"
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

// appendOutcomeEvent appends env (whose Data is ignored) with data o, as
// json.Marshal renders an envelope whose Data is &o.
func appendOutcomeEvent(b []byte, env *envelope.Structured, o *Outcome) ([]byte, error) {
	b = envelope.AppendHead(b, env)
	b = append(b, `,"data":`...)
	b, err := appendOutcome(b, o)
	return append(b, '}'), err
}

// appendOutcome appends o as json.Marshal renders it.
func appendOutcome(b []byte, o *Outcome) ([]byte, error) {
	b = jsoncodec.AppendMember(b, `{"request_id":`, o.RequestID)
	b = jsoncodec.AppendMember(b, `,"account":`, o.Account)
	b = jsoncodec.AppendOptional(b, `,"flow_id":`, o.FlowID)
	b = jsoncodec.AppendOptional(b, `,"node_id":`, o.NodeID)
	b = jsoncodec.AppendOptional(b, `,"profile_id":`, o.ProfileID)
	b = jsoncodec.AppendMember(b, `,"route":`, string(o.Route))
	b = append(b, `,"success":`...)
	b = strconv.AppendBool(b, o.Success)
	b = jsoncodec.AppendMember(b, `,"reason":`, string(o.Reason))
	b = jsoncodec.AppendOptional(b, `,"detail":`, o.Detail)
	if o.Status != 0 {
		b = strconv.AppendInt(append(b, `,"status":`...), int64(o.Status), 10)
	}
	b, err := jsoncodec.AppendFloat(append(b, `,"duration_ms":`...), o.DurationMS)
	if err != nil {
		return b, err
	}
	b = strconv.AppendInt(append(b, `,"attempts":`...), int64(o.Attempts), 10)
	if e := o.Endpoint; e != nil {
		b = jsoncodec.AppendMember(b, `,"endpoint":{"scheme":`, e.Scheme)
		b = jsoncodec.AppendMember(b, `,"host":`, e.Host)
		b = strconv.AppendInt(append(b, `,"port":`...), int64(e.Port), 10)
		b = append(b, '}')
	}
	b = append(b, `,"completed_at":"`...)
	if b, err = o.CompletedAt.AppendText(b); err != nil {
		return b, jsoncodec.ErrUnencodable
	}
	b = append(b, '"')
	if b, err = jsoncodec.AppendMarshaled(b, `,"captured":`, o.Captured, len(o.Captured)); err != nil {
		return b, err
	}
	if b, err = jsoncodec.AppendMarshaled(b, `,"capture_missing":`, o.CaptureMissing, len(o.CaptureMissing)); err != nil {
		return b, err
	}
	return append(b, '}'), nil
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
	d := jsoncodec.NewDecoder(data)
	ok = true
	_ = jsoncodec.ForEachMember(data, func(key string, v []byte) error {
		if ok = outcomeMember(&d, &o, key, v); !ok {
			return jsoncodec.ErrNotObject
		}
		return nil
	})
	return o, ok
}

// outcomeMember sets the field of o that key names.
func outcomeMember(d *jsoncodec.Decoder, o *Outcome, key string, v []byte) bool {
	switch jsoncodec.MatchField(key, outcomeFields...) {
	case "request_id":
		return d.SetString(&o.RequestID, v)
	case "account":
		return d.SetString(&o.Account, v)
	case "flow_id":
		return d.SetString(&o.FlowID, v)
	case "node_id":
		return d.SetString(&o.NodeID, v)
	case "profile_id":
		return d.SetString(&o.ProfileID, v)
	case "route":
		return d.SetString((*string)(&o.Route), v)
	case "success":
		return jsoncodec.SetBool(&o.Success, v)
	case "reason":
		return d.SetString((*string)(&o.Reason), v)
	case "detail":
		return d.SetString(&o.Detail, v)
	case "status":
		return jsoncodec.SetInt(&o.Status, v)
	case "duration_ms":
		return jsoncodec.SetFloat(&o.DurationMS, v)
	case "attempts":
		return jsoncodec.SetInt(&o.Attempts, v)
	case "endpoint":
		return setEndpoint(d, &o.Endpoint, v)
	case "completed_at":
		return jsoncodec.SetTime(&o.CompletedAt, v)
	case "captured":
		return json.Unmarshal(v, &o.Captured) == nil
	case "capture_missing":
		return json.Unmarshal(v, &o.CaptureMissing) == nil
	}
	return true // unknown members are ignored, as by encoding/json
}

func setEndpoint(d *jsoncodec.Decoder, e **Endpoint, v []byte) bool {
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
	_ = jsoncodec.ForEachMember(v, func(key string, v []byte) error {
		switch jsoncodec.MatchField(key, "scheme", "host", "port") {
		case "scheme":
			ok = d.SetString(&(*e).Scheme, v)
		case "host":
			ok = d.SetString(&(*e).Host, v)
		case "port":
			ok = jsoncodec.SetInt(&(*e).Port, v)
		}
		if !ok {
			return jsoncodec.ErrNotObject
		}
		return nil
	})
	return ok
}
