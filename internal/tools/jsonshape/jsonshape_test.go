package jsonshape

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

type check struct {
	Kind   string          `json:"kind"`
	Status int             `json:"status,omitempty"`
	Equals json.RawMessage `json:"equals,omitempty"`
	List   []int           `json:"statuses,omitempty"`
}

type param struct {
	Name string `json:"name"`
	From string `json:"from"`
}

type node struct {
	Method   string           `json:"method"`
	Params   []param          `json:"params,omitempty"`
	Response check            `json:"response"`
	Retry    *struct{ N int } `json:"retry,omitempty"`
	Rate     float64          `json:"rate_per_second,omitempty"`
	Attrs    map[string]any   `json:"attributes,omitempty"`
	Counts   map[string]int   `json:"counts,omitempty"`
	At       time.Time        `json:"at,omitzero"`
	Ignored  string           `json:"-"`
	Small    int8             `json:"small,omitempty"`
	Flag     bool             `json:"flag,omitempty"`
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		want []string // Problem.String(), warnings marked "warning: "
	}{
		{"fits", `{"method":"GET","params":[{"name":"a","from":"profile"}],"response":{"kind":"status","status":201,"equals":{"x":[1]}},
			"retry":{"N":3},"rate_per_second":1.5,"attributes":{"a":{"b":[null]}},"counts":{"x":1},"at":"2026-01-02T03:04:05Z","flag":true}`, nil},
		{"null fits anything", `{"method":null,"params":null,"response":null,"retry":null}`, nil},
		{"unknown nested field", `{"params":[{"name":"a","from":"profile"},{"name":"b","form":"event"}]}`,
			[]string{`params[1].form: unknown field "form" (did you mean "from"?)`}},
		{"type errors everywhere, in document order", `{"method":5,"response":{"kind":"status","status":"201"},"params":{"name":"a"},"rate_per_second":"fast","flag":"yes"}`,
			[]string{"method: must be a string, got a number", "response.status: must be an integer, got a string",
				"params: must be an array, got an object", "rate_per_second: must be a number, got a string", "flag: must be true or false, got a string"}},
		{"integers", `{"response":{"status":201.5,"statuses":[200,1e3,99999999999999999999]},"small":300}`,
			[]string{"response.status: must be an integer, got a number with a fraction or exponent",
				"response.statuses[1]: must be an integer, got a number with a fraction or exponent",
				"response.statuses[2]: number out of range", "small: number out of range"}},
		{"map values", `{"counts":{"a":1,"b":"two"}}`, []string{"counts.b: must be an integer, got a string"}},
		{"time", `{"at":"yesterday"}`, []string{"at: must be an RFC 3339 time"}},
		{"ignored field is unknown", `{"Ignored":"x"}`, []string{`Ignored: unknown field "Ignored"`}},
		{"case-folded match and repeats warn", `{"Method":"GET","method":"POST","Response":{"status":"x"}}`,
			[]string{`warning: Method: "Method" matches "method" only when case is ignored: write "method"`, "warning: method: given more than once: the last one counts",
				`warning: Response: "Response" matches "response" only when case is ignored: write "response"`, "response.status: must be an integer, got a string"}},
		{"not an object", `[1,2]`, []string{"must be an object, got an array"}},
		{"unknown field's value is skipped whole", `{"extra":{"a":[1,{"b":2}]},"method":1}`,
			[]string{`extra: unknown field "extra"`, "method: must be a string, got a number"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			probs, err := CheckFor[node]([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range probs {
				s := p.String()
				if p.Warning {
					s = "warning: " + s
				}
				got = append(got, s)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestSyntaxErrorPosition: syntax errors come with their line and column.
func TestSyntaxErrorPosition(t *testing.T) {
	for _, tc := range []struct {
		doc       string
		line, col int
		msgPart   string
	}{
		{"{\n  \"method\": GET\n}", 2, 13, "invalid character 'G'"},
		{"{\"a\": 1,}", 1, 9, "invalid character '}'"},
		{"{\n \"a\": [1, 2\n", 3, 1, "unexpected end"},
		{"{\"a\":1} x", 1, 9, "after top-level value"},
		{"{\"é\": x}", 1, 7, "invalid character 'x'"},
	} {
		_, err := CheckFor[node]([]byte(tc.doc))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: error %v, want a SyntaxError", tc.doc, err)
			continue
		}
		if se.Line != tc.line || se.Column != tc.col || !strings.Contains(se.Msg, tc.msgPart) {
			t.Errorf("%q: %v (line %d col %d), want line %d col %d and %q", tc.doc, se, se.Line, se.Column, tc.line, tc.col, tc.msgPart)
		}
	}
}

// FuzzCheck: any input either is a syntax error or yields problems;
// Check never panics and agrees with encoding/json on validity.
func FuzzCheck(f *testing.F) {
	f.Add([]byte(`{"method":"GET","params":[{"name":"a","form":1}]}`))
	f.Add([]byte(`{"response":{"status":"x"}}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := CheckFor[node](data)
		var se *SyntaxError
		if json.Valid(data) != (err == nil) {
			t.Fatalf("valid %v, error %v", json.Valid(data), err)
		}
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("error %v is not a SyntaxError", err)
		}
	})
}
