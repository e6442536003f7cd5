package flowevent

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent/internal/envelope"
)

func TestOutcomeCodecCoversOutcome(t *testing.T) {
	var names []string
	typ := reflect.TypeFor[Outcome]()
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		names = append(names, name)
	}
	if !reflect.DeepEqual(names, outcomeFields) {
		t.Fatalf("Outcome's fields are %v; the hand-written codec (outcome_json.go) knows %v: teach it the new ones", names, outcomeFields)
	}
	if typ := reflect.TypeFor[Endpoint](); typ.NumField() != 3 {
		t.Fatalf("Endpoint has %d fields; outcome_json.go knows scheme, host and port", typ.NumField())
	}
}

// checkOutcomeCodec holds the hand-written codec to encoding/json for o.
func checkOutcomeCodec(t *testing.T, env envelope.Structured, o Outcome) {
	t.Helper()
	env.Data = &o
	want, wantErr := json.Marshal(env)
	got, err := appendOutcomeEvent(nil, &env, &o)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("encode error %v, encoding/json %v", err, wantErr)
	}
	if err != nil {
		return
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encoded\n%s\nencoding/json\n%s", got, want)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatal(err)
	}
	fast, ok := decodeOutcomeFast(m["data"])
	var slow Outcome
	slowErr := json.Unmarshal(m["data"], &slow)
	if !ok || slowErr != nil {
		t.Fatalf("decode: fast ok=%v, encoding/json %v", ok, slowErr)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("decoded\n%#v\nencoding/json\n%#v", fast, slow)
	}
}

func TestOutcomeCodecMatchesEncodingJSON(t *testing.T) {
	env := envelope.Structured{SpecVersion: SpecVersion, ID: "k", Source: OutcomeSource, Type: OutcomeType, Subject: "p<1>",
		DataContentType: ContentTypeJSON, Time: "2026-01-02T03:04:05.123Z", TraceParent: sampleTraceParent, TraceState: "a=b"}
	full := sampleOutcome()
	full.Captured = map[string]json.RawMessage{"b": json.RawMessage(`{"x": [1, 2]}`), "a": json.RawMessage(`"<&>"`)}
	full.CaptureMissing = map[string]CaptureMiss{"z": CaptureAbsent}
	tests := map[string]Outcome{
		"sample":  sampleOutcome(),
		"zero":    {},
		"full":    full,
		"escapes": {RequestID: "a\"b\\c\n\t\r\b\f\x01\x1f", Detail: "<script>&\u2028\u2029\xff\xfeé😀", Account: "x"},
		"floats":  {DurationMS: 1e-7, Attempts: -3, Status: 999},
		"big":     {DurationMS: 1e21, CompletedAt: time.Date(2026, 1, 1, 0, 0, 0, 1, time.FixedZone("x", 3600))},
		"neg":     {DurationMS: -0.000123, Endpoint: &Endpoint{}},
		"nan":     {DurationMS: math.NaN()},
		"inf":     {DurationMS: math.Inf(1)},
		"year":    {CompletedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for name, o := range tests {
		t.Run(name, func(t *testing.T) {
			checkOutcomeCodec(t, env, o)
			checkOutcomeCodec(t, envelope.Structured{SpecVersion: "1.0", ID: "i", Source: "s", Type: "t"}, o)
		})
	}
}

func TestDecodeOutcomeFastAgrees(t *testing.T) {
	inputs := []string{
		`{}`, `null`, `[]`, `{"route":"yes","ROUTE":"no"}`, `{"status":"5"}`, `{"status":5.5}`, `{"status":1e2}`,
		`{"status":99999999999999999999}`, `{"duration_ms":"1"}`, `{"duration_ms":1e400}`, `{"success":1}`,
		`{"success":null,"status":null,"endpoint":null,"completed_at":null,"captured":null}`,
		`{"endpoint":{"port":"x"}}`, `{"endpoint":{"Port":8080,"HOST":"h"},"endpoint":{"scheme":"s"}}`,
		`{"completed_at":"2026-13-01T00:00:00Z"}`, `{"completed_at":5}`, `{"captured":{"a":1},"captured":{"b":2}}`,
		`{"captured":[1]}`, `{"capture_missing":{"a":"absent"}}`, `{"unknown":[{"x":1}],"detail":"d\u00e9"}`,
		`{"request_id":"` + "\xff" + `"}`, `{"attempts":-0}`, `{"ſuccess":true}`,
	}
	for _, in := range inputs {
		fast, ok := decodeOutcomeFast([]byte(in))
		var slow Outcome
		err := json.Unmarshal([]byte(in), &slow)
		switch {
		case ok && err != nil:
			t.Errorf("%s: fast decode accepted what encoding/json refuses: %v", in, err)
		case ok && !reflect.DeepEqual(fast, slow):
			t.Errorf("%s:\nfast %#v\nslow %#v", in, fast, slow)
		case !ok && err == nil && in != "null":
			t.Errorf("%s: fast decode gave up on what encoding/json decodes", in)
		}
	}
}

// FuzzOutcomeCodec holds the hand-written outcome codec to encoding/json.
func FuzzOutcomeCodec(f *testing.F) {
	f.Add("evt-1", "acme", "no", "status_mismatch", "expected <201>", 200, 12.5, int64(1767225600), "https", "h", 443)
	f.Add("\xff\u2028", "", "", "", "\x00", 0, 1e-9, int64(0), "", "", 0)
	f.Fuzz(func(t *testing.T, id, account, route, reason, detail string, status int, dur float64, unix int64, scheme, host string, port int) {
		o := Outcome{RequestID: id, Account: account, Route: Route(route), Reason: Reason(reason), Detail: detail,
			Status: status, DurationMS: dur, Attempts: status / 7, CompletedAt: time.Unix(unix%(1<<35), unix%1e9).UTC()}
		if scheme != "" {
			o.Endpoint = &Endpoint{Scheme: scheme, Host: host, Port: port}
		}
		checkOutcomeCodec(t, envelope.Structured{SpecVersion: "1.0", ID: id, Source: OutcomeSource, Type: OutcomeType, Subject: detail}, o)
	})
}

// BenchmarkDecodeOutcome decodes an outcome event, as every outcome
// consumer (node stats among them) does.
func BenchmarkDecodeOutcome(b *testing.B) {
	msg := sampleRequestMsg(b)
	ev, _, err := DecodeRequest(msg.Header, msg.Data)
	if err != nil {
		b.Fatal(err)
	}
	out, err := NewOutcomeMsg(ev, sampleOutcome())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := DecodeOutcome(out); err != nil {
			b.Fatal(err)
		}
	}
}
