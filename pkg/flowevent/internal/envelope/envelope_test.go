package envelope

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent/internal/jsoncodec"
	"github.com/nats-io/nats.go"
)

const sampleTraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

func structuredHeader() nats.Header {
	return nats.Header{"Content-Type": []string{contentTypeStructured}}
}

// encode renders ev in the JSON event format, refusing what Decode would
// refuse: the attributes valid, the trace context well formed, and Data,
// when set, valid JSON with a JSON datacontenttype (or none). The tests
// use it to check that whatever Decode accepts is a valid event.
func encode(ev Event) ([]byte, error) {
	if ev.SpecVersion == "" {
		ev.SpecVersion = specVersion
	}
	if err := checkEncodable(ev); err != nil {
		return nil, err
	}
	s := Structured{
		SpecVersion: ev.SpecVersion, ID: ev.ID, Source: ev.Source, Type: ev.Type,
		Subject: ev.Subject, DataContentType: ev.DataContentType, DataSchema: ev.DataSchema,
		Time: FormatTime(ev.Time), TraceParent: ev.TraceParent, TraceState: ev.TraceState,
	}
	if len(ev.Data) > 0 {
		s.Data = ev.Data
	}
	return Marshal(&s)
}

// checkEncodable checks what encode requires of ev.
func checkEncodable(ev Event) error {
	if err := validateAttributes(ev); err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if (ev.TraceParent != "" || ev.TraceState != "") && !ValidTraceParent(ev.TraceParent) {
		return errors.New("encode: malformed traceparent")
	}
	if !ValidTraceState(ev.TraceState) {
		return errors.New("encode: malformed tracestate")
	}
	if len(ev.Data) == 0 {
		return nil
	}
	if ev.DataContentType != "" && !isJSONMediaType(ev.DataContentType) {
		return errors.New("encode: datacontenttype is not JSON")
	}
	if !jsoncodec.Valid(ev.Data) {
		return errors.New("encode: data is not valid JSON")
	}
	return nil
}

func TestEncodeRefuses(t *testing.T) {
	base := Event{ID: "e", Source: "s", Type: "t", Data: json.RawMessage(`{}`)}
	tests := []struct {
		name string
		edit func(e *Event)
	}{
		{"missing id", func(e *Event) { e.ID = "" }},
		{"wrong specversion", func(e *Event) { e.SpecVersion = "0.3" }},
		{"invalid data", func(e *Event) { e.Data = json.RawMessage(`{"a":`) }},
		{"non-JSON content type", func(e *Event) { e.DataContentType = "text/plain" }},
		{"bad traceparent", func(e *Event) { e.TraceParent = "00-bad" }},
		{"tracestate with CRLF", func(e *Event) { e.TraceParent = sampleTraceParent; e.TraceState = "a=b\r\nX: y" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := base
			tt.edit(&ev)
			if _, err := encode(ev); err == nil {
				t.Fatal("encode succeeded")
			}
		})
	}
	if _, err := encode(base); err != nil {
		t.Fatalf("base event: %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	ev := Event{
		SpecVersion: specVersion, ID: "e-1", Source: "https://example.com/src", Type: "t.v1",
		Subject: "s", DataContentType: "application/json", DataSchema: "https://example.com/schema.json",
		Time: time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC), TraceParent: sampleTraceParent, TraceState: "a=b",
		Data: json.RawMessage(`{"x":[1,2.50,"y"]}`),
	}
	b, err := encode(ev)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(structuredHeader(), b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, ev) {
		t.Errorf("round trip = %+v\nwant         %+v", got, ev)
	}
}

// FuzzDecode checks that decoding never panics and that every event it
// accepts, in either mode, is valid: it re-encodes, and decodes again to
// the same attributes.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("../../../../schemas/testdata/*.json")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(true, "", b)
	}
	f.Add(true, "", []byte(`{"specversion":"1.0","id":"a","source":"flows/f/nodes/n","type":"t","data_base64":"e30="}`))
	f.Add(true, "", []byte(`{"id":"a","id":"b","data":{"account":"x"}}`))
	f.Add(false, "evt%201", []byte(`{"account":"acme"}`))
	f.Add(false, "%", []byte(`{"account":"a"}`))
	f.Fuzz(func(t *testing.T, structured bool, ceID string, payload []byte) {
		h := nats.Header{"ce-specversion": {"1.0"}, "CE-ID": {ceID}, "ce-source": {"flows/f/nodes/n"}, "ce-type": {"t"},
			"ce-traceparent": {sampleTraceParent}, "Content-Type": {"application/json"}}
		if structured {
			h = structuredHeader()
		}
		ev, err := Decode(h, payload)
		if err != nil {
			return
		}
		b, err := encode(ev)
		if err != nil {
			t.Fatalf("decoded event does not encode: %v", err)
		}
		again, err := Decode(structuredHeader(), b)
		if err != nil || again.ID != ev.ID || again.Subject != ev.Subject || !again.Time.Equal(ev.Time) || again.TraceParent != ev.TraceParent {
			t.Fatalf("re-encoded event differs: %+v, %v", again, err)
		}
	})
}

func TestValidURIRefPlainPaths(t *testing.T) {
	for _, s := range []string{"flowhook", "flows/f-1/nodes/n_2", "a.b~c", "/", "//host", "..", "x/y/"} {
		if _, err := url.Parse(s); (err == nil) != validURIRef(s) {
			t.Errorf("validURIRef(%q) = %v, url.Parse error %v", s, validURIRef(s), err)
		}
	}
}
