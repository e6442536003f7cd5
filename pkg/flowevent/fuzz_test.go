package flowevent

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// FuzzDecodeRequest checks that decoding never panics, that every failure
// is a *DecodeError wrapping exactly one sentinel at the matching stage
// with only valid partial ids, and that every success is a request event
// whose source names its flow and node. (That every envelope decoded
// re-encodes is envelope's FuzzDecode.)
func FuzzDecodeRequest(f *testing.F) {
	msg := sampleRequestMsg(f)
	f.Add(true, "", msg.Data)
	f.Add(true, "", requestJSON(f, func(m map[string]any) { m["data"] = "x" }))
	f.Add(true, "", []byte(`{"specversion":"1.0","id":"a","source":"flows/f/nodes/n","type":"`+RequestType+`","data_base64":"e30="}`))
	f.Add(true, "", []byte(`{"id":"a","id":"b","data":{"account":"x","node":{"on_error":"yes"}}}`))
	f.Add(false, "evt%201", binaryPayload(f))
	f.Add(false, "%", []byte(`{"account":"a"}`))
	f.Fuzz(func(t *testing.T, structured bool, ceID string, payload []byte) {
		h := binaryHeader()
		h["CE-ID"] = []string{ceID}
		if structured {
			h = structuredHeader()
		}
		ev, req, err := DecodeRequest(h, payload)
		if err != nil {
			checkDecodeError(t, err)
			return
		}
		if ev.ID == "" || ev.Source != RequestSource(req.FlowID, req.NodeID) || ev.Type != RequestType {
			t.Fatalf("decoded an invalid event: %+v", ev)
		}
		if ev.Subject != "" && ev.Subject != req.Profile.ID {
			t.Fatalf("decoded an event whose subject is not its profile: %+v", ev)
		}
	})
}

// checkDecodeError checks the shape of a decoding error.
func checkDecodeError(t *testing.T, err error) {
	t.Helper()
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("error %T %v is not a *DecodeError", err, err)
	}
	sentinels := map[error]decodeStage{ErrNotCloudEvent: stageEnvelope, ErrWrongType: stageType, ErrBadData: stageData, ErrInconsistent: stageData}
	matched := 0
	for s, stage := range sentinels {
		if errors.Is(err, s) {
			matched++
			if de.stage != stage {
				t.Fatalf("%v at stage %s", err, de.stage)
			}
		}
	}
	if matched != 1 {
		t.Fatalf("%v wraps %d sentinels", err, matched)
	}
	p := de.Partial
	if (p.Account != "" && !ValidAccount(p.Account)) || (p.Node.OnError != "" && !p.Node.OnError.Valid()) {
		t.Fatalf("invalid partial ids: %+v", p)
	}
	for _, id := range []string{p.FlowID, p.NodeID, p.Profile.ID} {
		if id != "" && !validID(id) {
			t.Fatalf("invalid partial id %q", id)
		}
	}
}

// FuzzValidate checks that validating any node configuration never panics
// and that its problems do not depend on header or parameter values (so
// they cannot quote them): masking every value byte, except control
// characters, leaves the problems unchanged.
func FuzzValidate(f *testing.F) {
	seed, _ := json.Marshal(sampleRequest().Node)
	f.Add(seed, false)
	f.Add([]byte(`{"method":"get","url":"http://u:p@h:0/#f","headers":[{"name":"Authorization: Bearer tok","value":"v\r\n"},{"name":"Host","value":"x","secret":"s"}],"params":[{"from":"x"}],"response":{"kind":"status"},"on_error":"maybe","timeout_ms":5}`), true)
	f.Add([]byte(`{"headers":[{"name":"X-Api-Key","value":"k-123","prefix":"p\u0000"}],"response":{"kind":"body_contains"}}`), false)
	f.Fuzz(func(t *testing.T, raw []byte, httpsOnly bool) {
		var n NodeConfig
		if json.Unmarshal(raw, &n) != nil {
			return
		}
		opts := ValidateOptions{HTTPSOnly: httpsOnly, MaxHeaderValueBytes: 64}
		got := n.Problems(opts)
		if masked := maskValues(n).Problems(opts); !reflect.DeepEqual(got, masked) {
			t.Fatalf("problems depend on values:\n%v\n%v", got, masked)
		}
		if err := n.Validate(opts); (err != nil) != hasError(got) {
			t.Fatalf("Validate = %v with problems %v", err, got)
		}
	})
}

// maskValues returns n with every header value and prefix and every
// parameter value rewritten byte by byte, control characters kept.
func maskValues(n NodeConfig) NodeConfig {
	mask := func(s string) string {
		b := []byte(s)
		for i, c := range b {
			if c >= 0x20 && c != 0x7f {
				b[i] = 'Q'
			}
		}
		return string(b)
	}
	n.Headers = append([]Header(nil), n.Headers...)
	for i := range n.Headers {
		n.Headers[i].Value, n.Headers[i].Prefix = mask(n.Headers[i].Value), mask(n.Headers[i].Prefix)
	}
	n.Params = append([]Param(nil), n.Params...)
	for i := range n.Params {
		n.Params[i].Value = mask(n.Params[i].Value)
	}
	return n
}

func hasError(ps []Problem) bool {
	for _, p := range ps {
		if !p.Warning {
			return true
		}
	}
	return false
}
