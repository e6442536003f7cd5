package flowevent

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/flowhook/flowhook/pkg/flowevent/internal/envelope"
	"github.com/nats-io/nats.go"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaDir holds the JSON Schemas and the AsyncAPI document.
const schemaDir = "../../schemas"

// schemaBase is the base of every schema's $id.
const schemaBase = "https://raw.githubusercontent.com/flowhook/flowhook/main/schemas/"

// eventSchemas compiles the whole-event schema ($defs/event) of each kind
// of event, loading every schema file under its $id.
func eventSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	files, err := filepath.Glob(filepath.Join(schemaDir, "*.schema.json"))
	if err != nil || len(files) != 4 {
		t.Fatalf("schema files %v: %v", files, err)
	}
	for _, f := range files {
		doc := loadJSON(t, f)
		if id := doc.(map[string]any)["$id"]; id != schemaBase+filepath.Base(f) {
			t.Fatalf("%s: $id %v", f, id)
		}
		if err := c.AddResource(schemaBase+filepath.Base(f), doc); err != nil {
			t.Fatal(err)
		}
	}
	out := map[string]*jsonschema.Schema{}
	for _, kind := range []string{"request", "outcome", "deadletter"} {
		sch, err := c.Compile(schemaBase + kind + ".schema.json#/$defs/event")
		if err != nil {
			t.Fatalf("compile %s: %v", kind, err)
		}
		out[kind] = sch
	}
	return out
}

// loadJSON reads a JSON file the way the schema library wants it.
func loadJSON(t *testing.T, path string) any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

// validateInstance validates JSON bytes against sch.
func validateInstance(sch *jsonschema.Schema, b []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// exampleKind is the event kind an example file is named after.
func exampleKind(name string) string {
	kind, _, _ := strings.Cut(filepath.Base(name), "-")
	kind, _, _ = strings.Cut(kind, ".")
	return kind
}

func TestGoodExamples(t *testing.T) {
	schemas := eventSchemas(t)
	files, _ := filepath.Glob(filepath.Join(schemaDir, "testdata", "*.good.json"))
	if len(files) < 6 {
		t.Fatalf("only %d good examples", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := validateInstance(schemas[exampleKind(f)], b); err != nil {
				t.Fatalf("schema: %v", err)
			}
			roundTrip(t, exampleKind(f), b)
		})
	}
}

// roundTrip decodes an example into the Go types, encodes it back and
// decodes again: both decodings must be equal, and the Go types must keep
// every field of the example's data.
func roundTrip(t *testing.T, kind string, b []byte) {
	t.Helper()
	ev, data, err := decodeExample(kind, b)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	encoded, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, ev.Data, encoded)
	ev2 := ev
	ev2.Data = encoded
	b2, err := envelope.Marshal(&envelope.Structured{
		SpecVersion: ev2.SpecVersion, ID: ev2.ID, Source: ev2.Source, Type: ev2.Type, Subject: ev2.Subject,
		DataContentType: ev2.DataContentType, DataSchema: ev2.DataSchema, Time: envelope.FormatTime(ev2.Time),
		TraceParent: ev2.TraceParent, TraceState: ev2.TraceState, Data: ev2.Data,
	})
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	ev3, data3, err := decodeExample(kind, b2)
	if err != nil {
		t.Fatalf("decode again: %v", err)
	}
	if !reflect.DeepEqual(ev3, ev2) || !reflect.DeepEqual(data3, data) {
		t.Fatalf("round trip differs:\n%+v\n%+v\n%+v\n%+v", ev3, ev2, data3, data)
	}
}

// decodeExample decodes a structured event of the given kind.
func decodeExample(kind string, b []byte) (Event, any, error) {
	msg := &nats.Msg{Header: structuredHeader(), Data: b}
	switch kind {
	case "request":
		ev, r, err := DecodeRequest(msg.Header, msg.Data)
		return ev, r, err
	case "outcome":
		ev, o, err := DecodeOutcome(msg)
		return ev, o, err
	case "deadletter":
		ev, d, err := DecodeDeadLetter(msg)
		return ev, d, err
	}
	return Event{}, nil, errors.New("unknown example kind " + kind)
}

// assertSameJSON fails unless a and b hold the same JSON value, numbers
// compared by their literal text.
func assertSameJSON(t *testing.T, a, b []byte) {
	t.Helper()
	decode := func(x []byte) any {
		d := json.NewDecoder(bytes.NewReader(x))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if va, vb := decode(a), decode(b); !reflect.DeepEqual(va, vb) {
		t.Fatalf("Go types lose data:\nexample %s\nGo      %s", a, b)
	}
}

func TestBadExamples(t *testing.T) {
	schemas := eventSchemas(t)
	files, _ := filepath.Glob(filepath.Join(schemaDir, "testdata", "*.bad.json"))
	if len(files) < 6 {
		t.Fatalf("only %d bad examples", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			schemaErr := validateInstance(schemas[exampleKind(f)], b)
			goErr := goCheck(exampleKind(f), b)
			if schemaErr == nil && goErr == nil {
				t.Fatal("accepted by the schema and by the Go code")
			}
			wantSchema, wantGo := !goOnly[filepath.Base(f)], !schemaOnly[filepath.Base(f)]
			if (schemaErr != nil) != wantSchema || (goErr != nil) != wantGo {
				t.Fatalf("schema rejects: %v (want %v); Go rejects: %v (want %v)", schemaErr != nil, wantSchema, goErr, wantGo)
			}
		})
	}
}

// Bad examples that only one side can reject; every other one must be
// rejected by both the schemas and the Go code.
var (
	// goOnly: a JSON Schema cannot compare the source with the data.
	goOnly = map[string]bool{"request-source-mismatch.bad.json": true}
	// schemaOnly: the Go decoder accepts what a newer flowhook might send.
	schemaOnly = map[string]bool{
		"outcome-success-not-matched.bad.json": true,
		"outcome-unknown-reason.bad.json":      true,
	}
)

// goCheck decodes an example and, for a request, validates it.
func goCheck(kind string, b []byte) error {
	_, data, err := decodeExample(kind, b)
	if err != nil {
		return err
	}
	if r, ok := data.(Request); ok {
		return r.Validate(ValidateOptions{})
	}
	return nil
}

func TestGoOutputMatchesSchemas(t *testing.T) {
	schemas := eventSchemas(t)
	req := sampleRequestMsg(t)
	reqEv, _, err := DecodeRequest(req.Header, req.Data)
	if err != nil {
		t.Fatal(err)
	}
	out, err := NewOutcomeMsg(reqEv, sampleOutcome())
	if err != nil {
		t.Fatal(err)
	}
	matched := sampleOutcome()
	matched.Route, matched.Success, matched.Reason, matched.Detail, matched.Status = RouteYes, true, ReasonMatched, "", 201
	outMatched, err := NewOutcomeMsg(reqEv, matched)
	if err != nil {
		t.Fatal(err)
	}
	dl, err := NewDeadLetterMsg(sampleDeadLetter(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		kind string
		msg  *nats.Msg
	}{"request": {"request", req}, "outcome": {"outcome", out}, "matched outcome": {"outcome", outMatched}, "dead letter": {"deadletter", dl}} {
		if err := validateInstance(schemas[c.kind], c.msg.Data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestSchemaRejectsReservedHeadersInAnyCase(t *testing.T) {
	sch := eventSchemas(t)["request"]
	for _, name := range reservedHeaders {
		for _, v := range []string{name, strings.ToUpper(name), strings.ToLower(name)} {
			b := requestJSON(t, func(m map[string]any) {
				node := m["data"].(map[string]any)["node"].(map[string]any)
				node["headers"] = []any{map[string]any{"name": v, "value": "x"}}
			})
			if validateInstance(sch, b) == nil {
				t.Errorf("schema accepts reserved header %q", v)
			}
		}
	}
	ok := requestJSON(t, func(m map[string]any) {
		node := m["data"].(map[string]any)["node"].(map[string]any)
		node["headers"] = []any{map[string]any{"name": "X-Hosted-By", "value": "x"}}
	})
	if err := validateInstance(sch, ok); err != nil {
		t.Errorf("schema refuses an ordinary header: %v", err)
	}
}
