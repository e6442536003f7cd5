package capture

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

func fields(pairs ...string) []flowevent.CaptureField {
	var out []flowevent.CaptureField
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, flowevent.CaptureField{Name: pairs[i], Pointer: pairs[i+1]})
	}
	return out
}

func TestExtract(t *testing.T) {
	body := `{
		"data": {"id": "L-2291", "score": 87.50, "big": 12345678901234567890, "vip": true, "none": null,
			"tags": ["a", "b"], "owner": {"name": "Grace", "email": "g@example.com"}, "html": "<b>&</b>", "accent": "é"},
		"list": [{"id": 1}, {"id": 2}]
	}`
	big := `"` + strings.Repeat("x", flowevent.MaxCaptureValueBytes) + `"`
	justFits := `"` + strings.Repeat("x", flowevent.MaxCaptureValueBytes-2) + `"`
	tests := []struct {
		name      string
		fields    []flowevent.CaptureField
		body      string
		truncated bool
		captured  map[string]string
		missing   map[string]flowevent.CaptureMiss
	}{
		{"none asked", nil, body, false, nil, nil},
		{"types kept", fields("id", "/data/id", "score", "/data/score", "big", "/data/big", "vip", "/data/vip", "none", "/data/none",
			"tags", "/data/tags", "owner", "/data/owner", "second", "/list/1/id"), body, false,
			map[string]string{"id": `"L-2291"`, "score": `87.50`, "big": `12345678901234567890`, "vip": `true`, "none": `null`,
				"tags": `["a","b"]`, "owner": `{"name":"Grace","email":"g@example.com"}`, "second": `2`}, nil},
		{"text kept as sent", fields("html", "/data/html", "accent", "/data/accent"), body, false,
			map[string]string{"html": `"<b>&</b>"`, "accent": `"é"`}, nil},
		{"whole body", fields("all", ""), `{"ok": true}`, false, map[string]string{"all": `{"ok":true}`}, nil},
		{"absent", fields("id", "/data/id", "phone", "/data/phone", "third", "/list/2/id"), body, false,
			map[string]string{"id": `"L-2291"`},
			map[string]flowevent.CaptureMiss{"phone": flowevent.CaptureAbsent, "third": flowevent.CaptureAbsent}},
		{"malformed pointer is absent", fields("x", "data"), body, false, nil,
			map[string]flowevent.CaptureMiss{"x": flowevent.CaptureAbsent}},
		{"not JSON", fields("id", "/id", "n", "/n"), `id=1`, false, nil,
			map[string]flowevent.CaptureMiss{"id": flowevent.CaptureNotJSON, "n": flowevent.CaptureNotJSON}},
		{"empty body", fields("id", "/id"), ``, false, nil, map[string]flowevent.CaptureMiss{"id": flowevent.CaptureNotJSON}},
		{"truncated body", fields("id", "/id"), `{"id": 1}`, true, nil, map[string]flowevent.CaptureMiss{"id": flowevent.CaptureNotJSON}},
		{"value at the cap", fields("v", "/v"), `{"v": ` + justFits + `}`, false, map[string]string{"v": justFits}, nil},
		{"value over the cap", fields("v", "/v", "id", "/id"), `{"v": ` + big + `, "id": 7}`, false,
			map[string]string{"id": "7"}, map[string]flowevent.CaptureMiss{"v": flowevent.CaptureTooLarge}},
		{"cap counts compact bytes", fields("v", "/v"), `{"v": [` + strings.Repeat(" 1 ,", 600) + `1]}`, false, nil,
			map[string]flowevent.CaptureMiss{"v": flowevent.CaptureTooLarge}},
		{"compacting brings it under the cap", fields("v", "/v"), `{"v": [` + strings.Repeat("1 ,      ", 200) + `1]}`, false,
			map[string]string{"v": "[" + strings.Repeat("1,", 200) + "1]"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, missing := Extract(tt.fields, []byte(tt.body), tt.truncated)
			gotText := map[string]string{}
			for k, v := range got {
				gotText[k] = string(v)
			}
			if !maps.Equal(gotText, tt.captured) || (tt.captured == nil) != (got == nil) {
				t.Errorf("captured %v, want %v", gotText, tt.captured)
			}
			if !maps.Equal(missing, tt.missing) || (tt.missing == nil) != (missing == nil) {
				t.Errorf("missing %v, want %v", missing, tt.missing)
			}
		})
	}
}

// TestExtractTotalCap: fields are taken in order; four values at the
// value cap fill the total, and every later field is refused.
func TestExtractTotalCap(t *testing.T) {
	v := `"` + strings.Repeat("y", flowevent.MaxCaptureValueBytes-2) + `"` // exactly the value cap
	body := `{"a":` + v + `,"b":` + v + `,"c":` + v + `,"d":` + v + `,"e":` + v + `,"f":1}`
	got, missing := Extract(fields("a", "/a", "b", "/b", "c", "/c", "d", "/d", "e", "/e", "f", "/f"), []byte(body), false)
	total := 0
	for _, v := range got {
		total += len(v)
	}
	if total > flowevent.MaxCaptureTotalBytes {
		t.Fatalf("captured %d bytes, over the total cap", total)
	}
	for _, name := range []string{"a", "b", "c", "d"} {
		if got[name] == nil {
			t.Errorf("%s not captured", name)
		}
	}
	if missing["e"] != flowevent.CaptureTooLarge {
		t.Errorf("e: %q, want too_large", missing["e"])
	}
	if _, ok := got["f"]; ok {
		t.Errorf("f captured past the total cap")
	}
	if missing["f"] != flowevent.CaptureTooLarge {
		t.Errorf("f: %q, want too_large (the total is full)", missing["f"])
	}
}

// TestExtractInvalidUTF8: a receiver's invalid UTF-8 does not make the
// outcome invalid JSON text.
func TestExtractInvalidUTF8(t *testing.T) {
	got, _ := Extract(fields("n", "/n"), []byte("{\"n\": \"a\xffb\"}"), false)
	if string(got["n"]) != "\"a\ufffdb\"" {
		t.Fatalf("captured %q", got["n"])
	}
	out, err := json.Marshal(flowevent.Outcome{Captured: got})
	if err != nil || !json.Valid(out) {
		t.Fatalf("outcome does not encode: %v", err)
	}
}

// FuzzExtract: any body yields captures that are valid JSON within the
// caps, every field accounted for exactly once.
func FuzzExtract(f *testing.F) {
	f.Add(`{"a":{"b":[1,"x"]},"c":null}`, "/a/b/1", "/c")
	f.Add(`[1,2,3]`, "/5", "")
	f.Add("{\"a\":\"\xff\"}", "/a", "/b")
	f.Fuzz(func(t *testing.T, body, p1, p2 string) {
		fs := fields("one", p1, "two", p2)
		got, missing := Extract(fs, []byte(body), false)
		total := 0
		for _, fl := range fs {
			v, okV := got[fl.Name]
			_, okM := missing[fl.Name]
			if okV == okM {
				t.Fatalf("field %s: captured %v, missing %v", fl.Name, okV, okM)
			}
			if okV && (!json.Valid(v) || len(v) > flowevent.MaxCaptureValueBytes) {
				t.Fatalf("field %s: captured %q", fl.Name, v)
			}
			total += len(v)
		}
		if total > flowevent.MaxCaptureTotalBytes {
			t.Fatalf("total %d", total)
		}
	})
}
