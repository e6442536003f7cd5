package flowevent

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestValidateOptions covers the opt-in body modes, response checks,
// capture and signing: the error (and warning) paths each edit earns.
func TestValidateOptions(t *testing.T) {
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	names := func(ns ...string) func(n *NodeConfig) {
		return func(n *NodeConfig) {
			n.Body = BodyJSON
			n.Params = nil
			for _, name := range ns {
				n.Params = append(n.Params, Param{Name: name, From: FromStatic, Value: "v"})
			}
		}
	}
	tests := []struct {
		name  string
		edit  func(n *NodeConfig)
		paths []string
		warns []string
	}{
		{name: "query explicit", edit: func(n *NodeConfig) { n.Body = BodyQuery }},
		{name: "GET with query body", edit: func(n *NodeConfig) { n.Method, n.Body = MethodGet, BodyQuery }},
		{name: "json POST", edit: func(n *NodeConfig) { n.Body = BodyJSON }},
		{name: "form PATCH", edit: func(n *NodeConfig) { n.Method, n.Body = MethodPatch, BodyForm }},
		{name: "json PUT", edit: func(n *NodeConfig) { n.Method, n.Body = MethodPut, BodyJSON }},
		{name: "json GET refused", edit: func(n *NodeConfig) { n.Method, n.Body = MethodGet, BodyJSON }, paths: []string{"body"}},
		{name: "form DELETE refused", edit: func(n *NodeConfig) { n.Method, n.Body = MethodDelete, BodyForm }, paths: []string{"body"}},
		{name: "unknown body", edit: func(n *NodeConfig) { n.Body = "xml" }, paths: []string{"body"}},
		{name: "uppercase body", edit: func(n *NodeConfig) { n.Body = "JSON" }, paths: []string{"body"}},
		{name: "json nested names", edit: names("customer.email", "customer.name", "order.id", "source")},
		{name: "json deep names", edit: names("a.b.c", "a.b.d", "a.e")},
		{name: "json repeated name", edit: names("email", "x", "email"), paths: []string{"params[2].name"}},
		{name: "json leaf then parent", edit: names("customer", "customer.email"), paths: []string{"params[1].name"}},
		{name: "json parent then leaf", edit: names("customer.email", "customer"), paths: []string{"params[1].name"}},
		{name: "json deep conflict", edit: names("a.b.c", "a.b"), paths: []string{"params[1].name"}},
		{name: "json leaf under deep leaf", edit: names("a.b", "a.b.c.d"), paths: []string{"params[1].name"}},
		{name: "json empty segment", edit: names("a..b"), paths: []string{"params[0].name"}},
		{name: "json leading dot", edit: names(".a"), paths: []string{"params[0].name"}},
		{name: "json trailing dot", edit: names("a."), paths: []string{"params[0].name"}},
		{name: "form repeated names allowed", edit: func(n *NodeConfig) {
			names("t", "t", "a", "a.b")(n)
			n.Body = BodyForm
		}},
		{name: "query repeated names allowed", edit: func(n *NodeConfig) {
			names("t", "t", "a", "a.b")(n)
			n.Body = ""
		}},
		{name: "status_in", edit: func(n *NodeConfig) { n.Response = ResponseCheck{Kind: CheckStatusIn, Statuses: []int{200, 201, 204}} }},
		{name: "status_in empty", edit: func(n *NodeConfig) { n.Response = ResponseCheck{Kind: CheckStatusIn} }, paths: []string{"response.statuses"}},
		{name: "status_in out of range", edit: func(n *NodeConfig) { n.Response = ResponseCheck{Kind: CheckStatusIn, Statuses: []int{200, 99, 600}} },
			paths: []string{"response.statuses[1]", "response.statuses[2]"}},
		{name: "status_in too many", edit: func(n *NodeConfig) {
			n.Response = ResponseCheck{Kind: CheckStatusIn}
			for c := 200; c < 200+MaxStatuses+1; c++ {
				n.Response.Statuses = append(n.Response.Statuses, c)
			}
		}, paths: []string{"response.statuses"}},
		{name: "status_in duplicate warns", edit: func(n *NodeConfig) { n.Response = ResponseCheck{Kind: CheckStatusIn, Statuses: []int{200, 200}} },
			warns: []string{"response.statuses[1]"}},
		{name: "status_in with status warns", edit: func(n *NodeConfig) {
			n.Response = ResponseCheck{Kind: CheckStatusIn, Statuses: []int{200}, Status: 200}
		},
			warns: []string{"response.status"}},
		{name: "status_class", edit: func(n *NodeConfig) { n.Response = ResponseCheck{Kind: CheckStatusClass, Class: "2xx"} }},
		{name: "status_class missing", edit: func(n *NodeConfig) { n.Response = ResponseCheck{Kind: CheckStatusClass} }, paths: []string{"response.class"}},
		{name: "status_class upper", edit: func(n *NodeConfig) { n.Response = ResponseCheck{Kind: CheckStatusClass, Class: "2XX"} }, paths: []string{"response.class"}},
		{name: "status_class 6xx", edit: func(n *NodeConfig) { n.Response = ResponseCheck{Kind: CheckStatusClass, Class: "6xx"} }, paths: []string{"response.class"}},
		{name: "status with class warns", edit: func(n *NodeConfig) { n.Response.Class = "2xx" }, warns: []string{"response.class"}},
		{name: "json_equals", edit: func(n *NodeConfig) {
			n.Response = ResponseCheck{Kind: CheckJSONEquals, Pointer: "/result/status", Equals: raw(`"ok"`)}
		}},
		{name: "json_equals whole body null", edit: func(n *NodeConfig) { n.Response = ResponseCheck{Kind: CheckJSONEquals, Equals: raw(`null`)} }},
		{name: "json_equals escaped pointer", edit: func(n *NodeConfig) {
			n.Response = ResponseCheck{Kind: CheckJSONEquals, Pointer: "/a~1b/~0c/0", Equals: raw(`{"x":[1,2]}`)}
		}},
		{name: "json_equals no value", edit: func(n *NodeConfig) { n.Response = ResponseCheck{Kind: CheckJSONEquals, Pointer: "/ok"} },
			paths: []string{"response.equals"}},
		{name: "json_equals invalid value", edit: func(n *NodeConfig) {
			n.Response = ResponseCheck{Kind: CheckJSONEquals, Pointer: "/ok", Equals: raw(`{"a":`)}
		}, paths: []string{"response.equals"}},
		{name: "json_equals value too long", edit: func(n *NodeConfig) {
			n.Response = ResponseCheck{Kind: CheckJSONEquals, Pointer: "/ok", Equals: raw(`"` + strings.Repeat("x", MaxEqualsBytes) + `"`)}
		}, paths: []string{"response.equals"}},
		{name: "json_equals pointer without slash", edit: func(n *NodeConfig) {
			n.Response = ResponseCheck{Kind: CheckJSONEquals, Pointer: "result", Equals: raw(`1`)}
		}, paths: []string{"response.pointer"}},
		{name: "json_equals bad escape", edit: func(n *NodeConfig) {
			n.Response = ResponseCheck{Kind: CheckJSONEquals, Pointer: "/a~2", Equals: raw(`1`)}
		}, paths: []string{"response.pointer"}},
		{name: "json_equals pointer too long", edit: func(n *NodeConfig) {
			n.Response = ResponseCheck{Kind: CheckJSONEquals, Pointer: "/" + strings.Repeat("a", MaxPointerBytes), Equals: raw(`1`)}
		}, paths: []string{"response.pointer"}},
		{name: "status with equals warns", edit: func(n *NodeConfig) { n.Response.Equals, n.Response.Pointer = raw(`1`), "/a" },
			warns: []string{"response.pointer", "response.equals"}},
		{name: "capture", edit: func(n *NodeConfig) {
			n.Capture = []CaptureField{{Name: "crm_id", Pointer: "/id"}, {Name: "whole", Pointer: ""}}
		}},
		{name: "capture bad name", edit: func(n *NodeConfig) { n.Capture = []CaptureField{{Name: "CRM-Id", Pointer: "/id"}} },
			paths: []string{"capture[0].name"}},
		{name: "capture empty name", edit: func(n *NodeConfig) { n.Capture = []CaptureField{{Pointer: "/id"}} }, paths: []string{"capture[0].name"}},
		{name: "capture long name", edit: func(n *NodeConfig) { n.Capture = []CaptureField{{Name: strings.Repeat("a", 65), Pointer: "/id"}} },
			paths: []string{"capture[0].name"}},
		{name: "capture repeated name", edit: func(n *NodeConfig) {
			n.Capture = []CaptureField{{Name: "id", Pointer: "/a"}, {Name: "id", Pointer: "/b"}}
		}, paths: []string{"capture[1].name"}},
		{name: "capture bad pointer", edit: func(n *NodeConfig) { n.Capture = []CaptureField{{Name: "id", Pointer: "id"}} },
			paths: []string{"capture[0].pointer"}},
		{name: "capture too many", edit: func(n *NodeConfig) {
			for i := range MaxCaptureFields + 1 {
				n.Capture = append(n.Capture, CaptureField{Name: "f" + string(rune('a'+i)), Pointer: "/x"})
			}
		}, paths: []string{"capture"}},
		{name: "signing", edit: func(n *NodeConfig) { n.Signing = &Signing{Scheme: SigningStandardWebhooks, Secret: "hook.key"} }},
		{name: "signing unknown scheme", edit: func(n *NodeConfig) { n.Signing = &Signing{Scheme: "hmac-sha1", Secret: "k"} },
			paths: []string{"signing.scheme"}},
		{name: "signing no secret", edit: func(n *NodeConfig) { n.Signing = &Signing{Scheme: SigningStandardWebhooks} },
			paths: []string{"signing.secret"}},
		{name: "signing secret path", edit: func(n *NodeConfig) { n.Signing = &Signing{Scheme: SigningStandardWebhooks, Secret: "../k"} },
			paths: []string{"signing.secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := validNode()
			tt.edit(&n)
			errs, warns := problemPaths(n.Problems(ValidateOptions{}))
			if !slices.Equal(errs, tt.paths) {
				t.Errorf("errors %v, want %v (%v)", errs, tt.paths, n.Problems(ValidateOptions{}))
			}
			if !slices.Equal(warns, tt.warns) {
				t.Errorf("warnings %v, want %v", warns, tt.warns)
			}
			if (n.Validate(ValidateOptions{}) == nil) != (len(tt.paths) == 0) {
				t.Errorf("Validate disagrees with Problems")
			}
		})
	}
}

// TestOptionProblemsNeverQuoteValues: problems of the new options name
// fields, never the values planted in them.
func TestOptionProblemsNeverQuoteValues(t *testing.T) {
	const planted = "planted-77c1"
	n := validNode()
	n.Method, n.Body = MethodGet, BodyJSON
	n.Params = []Param{
		{Name: "a", From: FromStatic, Value: planted},
		{Name: "a.b", From: FromStatic, Value: planted},
	}
	n.Response = ResponseCheck{Kind: CheckJSONEquals, Pointer: "x" + planted, Equals: json.RawMessage(`{"` + planted + `":`)}
	n.Capture = []CaptureField{{Name: planted + "-X", Pointer: planted}}
	n.Signing = &Signing{Scheme: SigningScheme(planted), Secret: planted + "/"}
	ps := n.Problems(ValidateOptions{})
	if len(ps) < 7 {
		t.Fatalf("only %d problems: %v", len(ps), ps)
	}
	for _, p := range ps {
		if strings.Contains(p.String(), planted) {
			t.Errorf("problem %q quotes a value", p)
		}
	}
}

func TestValidJSONPointer(t *testing.T) {
	tests := map[string]bool{
		"": true, "/": true, "/a": true, "/a/b/0": true, "/a~0b": true, "/a~1b": true, "//": true, "/ é": true,
		"a": false, "/a~": false, "/a~2": false, "~0": false, "/a\nb": false, "/\x7f": false,
	}
	for ptr, want := range tests {
		if got := ValidJSONPointer(ptr); got != want {
			t.Errorf("ValidJSONPointer(%q) = %v, want %v", ptr, got, want)
		}
	}
}

// TestOptionEnumsMatchSchema: the constants of the option types equal the
// schemas' enums.
func TestOptionEnumsMatchSchema(t *testing.T) {
	goc := goConstants(t)
	tests := []struct {
		goType string
		file   string
		path   []string
	}{
		{"BodyMode", "request.schema.json", []string{"$defs", "bodyMode"}},
		{"SigningScheme", "request.schema.json", []string{"$defs", "signingScheme"}},
		{"CaptureMiss", "outcome.schema.json", []string{"$defs", "captureMiss"}},
	}
	for _, tt := range tests {
		if got := schemaEnum(t, tt.file, tt.path...); !slices.Equal(got, goc[tt.goType]) || len(got) == 0 {
			t.Errorf("%s: schema %v, Go %v", tt.goType, got, goc[tt.goType])
		}
	}
	classes := schemaEnum(t, "request.schema.json", "$defs", "responseCheck", "properties", "class")
	if want := []string{"1xx", "2xx", "3xx", "4xx", "5xx"}; !slices.Equal(classes, want) {
		t.Errorf("class: schema %v, Go %v", classes, want)
	}
	for _, c := range classes {
		if !ValidStatusClass(c) {
			t.Errorf("ValidStatusClass(%q) = false", c)
		}
	}
}

// TestOptionBadExamplesGoPaths: each bad example of an option fails Go
// validation at the field it is about (TestBadExamples only checks that
// it fails).
func TestOptionBadExamplesGoPaths(t *testing.T) {
	want := map[string]string{
		"request-get-json-body.bad.json":           "node.body",
		"request-delete-form-body.bad.json":        "node.body",
		"request-unknown-body.bad.json":            "node.body",
		"request-status-in-empty.bad.json":         "node.response.statuses",
		"request-status-in-out-of-range.bad.json":  "node.response.statuses[1]",
		"request-status-class-unknown.bad.json":    "node.response.class",
		"request-json-equals-no-value.bad.json":    "node.response.equals",
		"request-json-equals-bad-pointer.bad.json": "node.response.pointer",
		"request-capture-bad-name.bad.json":        "node.capture[0].name",
		"request-capture-bad-pointer.bad.json":     "node.capture[0].pointer",
		"request-capture-too-many.bad.json":        "node.capture",
		"request-signing-unknown-scheme.bad.json":  "node.signing.scheme",
		"request-signing-no-secret.bad.json":       "node.signing.secret",
	}
	for name, path := range want {
		b, err := os.ReadFile(filepath.Join(schemaDir, "testdata", name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		_, data, err := decodeExample("request", b)
		if err != nil {
			t.Errorf("%s: decode: %v", name, err)
			continue
		}
		errs, _ := problemPaths(data.(Request).Problems(ValidateOptions{}))
		if !slices.Equal(errs, []string{path}) {
			t.Errorf("%s: errors %v, want [%s]", name, errs, path)
		}
	}
}

// TestOutcomeSchemaCapture: captured values only on a success, names and
// reasons as the schema says.
func TestOutcomeSchemaCapture(t *testing.T) {
	sch := eventSchemas(t)["outcome"]
	b, err := os.ReadFile(filepath.Join(schemaDir, "testdata", "outcome-captured.good.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		edit  func(d map[string]any)
		valid bool
	}{
		{"as is", func(map[string]any) {}, true},
		{"captured on a failure", func(d map[string]any) {
			d["route"], d["success"], d["reason"] = "no", false, "status_mismatch"
			delete(d, "capture_missing")
		}, false},
		{"capture_missing on a failure", func(d map[string]any) {
			d["route"], d["success"], d["reason"] = "no", false, "body_mismatch"
			delete(d, "captured")
		}, false},
		{"bad capture name", func(d map[string]any) { d["captured"] = map[string]any{"Crm-Id": 1} }, false},
		{"unknown miss reason", func(d map[string]any) { d["capture_missing"] = map[string]any{"owner": "gone"} }, false},
		{"any JSON value captured", func(d map[string]any) {
			d["captured"] = map[string]any{"a": nil, "b": []any{1, "x"}, "c": false, "d": 1.5}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev map[string]any
			if err := json.Unmarshal(b, &ev); err != nil {
				t.Fatal(err)
			}
			tt.edit(ev["data"].(map[string]any))
			out, _ := json.Marshal(ev)
			if err := validateInstance(sch, out); (err == nil) != tt.valid {
				t.Fatalf("schema error %v, want valid %v", err, tt.valid)
			}
		})
	}
}
