package judge

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

func statusIn(codes ...int) flowevent.ResponseCheck {
	return flowevent.ResponseCheck{Kind: flowevent.CheckStatusIn, Statuses: codes}
}

func class(c string) flowevent.ResponseCheck {
	return flowevent.ResponseCheck{Kind: flowevent.CheckStatusClass, Class: c}
}

func jsonEquals(ptr, want string) flowevent.ResponseCheck {
	return flowevent.ResponseCheck{Kind: flowevent.CheckJSONEquals, Pointer: ptr, Equals: json.RawMessage(want)}
}

func mismatch(reason flowevent.Reason, detail string) Verdict {
	return Verdict{Reason: reason, Detail: detail}
}

func TestJudgeStatusSets(t *testing.T) {
	const sm = flowevent.ReasonStatusMismatch
	tests := []struct {
		name   string
		check  flowevent.ResponseCheck
		status int
		want   Verdict
	}{
		{"in: first", statusIn(200, 201, 202), 200, matched},
		{"in: last", statusIn(200, 201, 202), 202, matched},
		{"in: one code", statusIn(204), 204, matched},
		{"in: not listed", statusIn(200, 201, 202), 204, mismatch(sm, "expected status one of 200, 201, 202, got 204")},
		{"in: server error", statusIn(200), 503, mismatch(sm, "expected status one of 200, got 503")},
		{"in: empty list", statusIn(), 200, invalid("expected status list is empty")},
		{"class 2xx low", class("2xx"), 200, matched},
		{"class 2xx high", class("2xx"), 299, matched},
		{"class 2xx below", class("2xx"), 199, mismatch(sm, "expected status 2xx, got 199")},
		{"class 2xx above", class("2xx"), 300, mismatch(sm, "expected status 2xx, got 300")},
		{"class 4xx", class("4xx"), 410, matched},
		{"class 5xx", class("5xx"), 500, matched},
		{"class 1xx", class("1xx"), 101, matched},
		{"class 3xx vs 2xx", class("3xx"), 204, mismatch(sm, "expected status 3xx, got 204")},
		{"class upper-case", class("2XX"), 200, invalid("expected status class must be 1xx, 2xx, 3xx, 4xx or 5xx")},
		{"class 6xx", class("6xx"), 600, invalid("expected status class must be 1xx, 2xx, 3xx, 4xx or 5xx")},
		{"class empty", class(""), 200, invalid("expected status class must be 1xx, 2xx, 3xx, 4xx or 5xx")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Judge(tt.check, tt.status, nil, false); got != tt.want {
				t.Fatalf("Judge() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestJudgeJSONEquals(t *testing.T) {
	const bm = flowevent.ReasonBodyMismatch
	body := `{"result": {"status": "accepted", "code": 1.0, "big": 12345678901234567890, "ok": true,
		"none": null, "tags": ["a", "b"], "meta": {"x": 1, "y": [1, {"z": "é"}]}, "email": "jane@example.com"},
		"a/b": 1, "m~n": 2, "list": [10, 20]}`
	tests := []struct {
		name  string
		check flowevent.ResponseCheck
		body  string
		trunc bool
		want  Verdict
	}{
		{"string equal", jsonEquals("/result/status", `"accepted"`), body, false, matched},
		{"string escaped equal", jsonEquals("/result/status", `"acc\u0065pted"`), body, false, matched},
		{"number by value", jsonEquals("/result/code", `1`), body, false, matched},
		{"number exponent form", jsonEquals("/result/code", `10e-1`), body, false, matched},
		{"big integer exact", jsonEquals("/result/big", `12345678901234567890`), body, false, matched},
		{"big integer off by one", jsonEquals("/result/big", `12345678901234567891`), body, false,
			mismatch(bm, `field "/result/big" differs from the expected number`)},
		{"boolean", jsonEquals("/result/ok", `true`), body, false, matched},
		{"null", jsonEquals("/result/none", `null`), body, false, matched},
		{"array in order", jsonEquals("/result/tags", `["a","b"]`), body, false, matched},
		{"array other order", jsonEquals("/result/tags", `["b","a"]`), body, false,
			mismatch(bm, `field "/result/tags" differs from the expected array`)},
		{"object any key order", jsonEquals("/result/meta", `{"y":[1,{"z":"\u00e9"}],"x":1.00}`), body, false, matched},
		{"object extra key", jsonEquals("/result/meta", `{"x":1}`), body, false,
			mismatch(bm, `field "/result/meta" differs from the expected object`)},
		{"escaped pointer ~1", jsonEquals("/a~1b", `1`), body, false, matched},
		{"escaped pointer ~0", jsonEquals("/m~0n", `2`), body, false, matched},
		{"array index", jsonEquals("/list/1", `20`), body, false, matched},
		{"whole body", jsonEquals("", `{"ok":true}`), ` {"ok": true} `, false, matched},
		{"whole body scalar", jsonEquals("", `"done"`), `"done"`, false, matched},
		{"string vs number", jsonEquals("/result/code", `"1"`), body, false,
			mismatch(bm, `field "/result/code" is a number, expected a string`)},
		{"object vs null", jsonEquals("/result/none", `{}`), body, false,
			mismatch(bm, `field "/result/none" is a null, expected an object`)},
		{"string differs, never echoed", jsonEquals("/result/email", `"john@example.com"`), body, false,
			mismatch(bm, `field "/result/email" differs from the expected string`)},
		{"missing field", jsonEquals("/result/nope", `1`), body, false, mismatch(bm, `field "/result/nope" is missing`)},
		{"index past the end", jsonEquals("/list/2", `1`), body, false, mismatch(bm, `field "/list/2" is missing`)},
		{"into a scalar", jsonEquals("/result/status/x", `1`), body, false, mismatch(bm, `field "/result/status/x" is missing`)},
		{"whole body differs", jsonEquals("", `1`), `2`, false, mismatch(bm, `the body differs from the expected number`)},
		{"not JSON", jsonEquals("/ok", `true`), `ok=true`, false, mismatch(bm, "response body (7 bytes) is not JSON")},
		{"empty body", jsonEquals("/ok", `true`), ``, false, mismatch(bm, "response body (0 bytes) is not JSON")},
		{"two documents", jsonEquals("/ok", `true`), `{"ok":true}{"ok":true}`, false, mismatch(bm, "response body (22 bytes) is not JSON")},
		{"truncated", jsonEquals("/ok", `true`), `{"ok":true,"pad":"`, true,
			mismatch(bm, "response body truncated at 18 bytes: not read as JSON")},
		{"bad pointer", jsonEquals("ok", `true`), body, false, invalid("response pointer is not an RFC 6901 JSON Pointer")},
		{"no expected value", jsonEquals("/ok", ``), body, false, invalid("expected JSON value is missing or not JSON")},
		{"expected value not JSON", jsonEquals("/ok", `{`), body, false, invalid("expected JSON value is missing or not JSON")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Judge(tt.check, 200, []byte(tt.body), tt.trunc)
			if got != tt.want {
				t.Fatalf("Judge() = %+v, want %+v", got, tt.want)
			}
			for _, leak := range []string{"jane@", "john@", "accepted", "12345678901234567890"} {
				if strings.Contains(got.Detail, leak) {
					t.Fatalf("Detail %q quotes a value", got.Detail)
				}
			}
		})
	}
}

func TestEqualNumbers(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"1", "1", true},
		{"1", "1.0", true},
		{"1", "1.000e0", true},
		{"1", "10e-1", true},
		{"1", "0.1e1", true},
		{"100", "1e2", true},
		{"100", "1E+2", true},
		{"0", "-0", true},
		{"0", "0.0e99", true},
		{"-1.5", "-15e-1", true},
		{"1.5", "-1.5", false},
		{"12345678901234567890", "12345678901234567891", false},
		{"9007199254740993", "9007199254740992", false}, // equal as float64
		{"0.1", "0.10000000000000001", false},           // equal as float64
		{"1e999999999", "1e999999999", true},
		{"1e999999999", "10e999999998", true},
		{"1e999999999", "1e999999998", false},
		{"1e99999999999999999999", "1e99999999999999999998", false}, // exponent overflow: text compare
		{"abc", "abc", true},
		{"abc", "1", false},
		{"1.", "1", false},
		{".5", "0.5", false},
	}
	for _, tt := range tests {
		if got := equalNumbers(tt.a, tt.b); got != tt.want {
			t.Errorf("equalNumbers(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := equalNumbers(tt.b, tt.a); got != tt.want {
			t.Errorf("equalNumbers(%s, %s) = %v, want %v (reversed)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestNeedsBodyOptions(t *testing.T) {
	if !NeedsBody(jsonEquals("/a", "1")) || NeedsBody(statusIn(200)) || NeedsBody(class("2xx")) {
		t.Fatal("NeedsBody: json_equals needs the body, status sets do not")
	}
}

// FuzzJudgeJSONEquals: any body and pointer yield a verdict, never a panic,
// and a mismatch detail never quotes the body.
func FuzzJudgeJSONEquals(f *testing.F) {
	f.Add(`{"a":{"b":[1,"secret-value"]}}`, "/a/b/1", `"x"`)
	f.Add(`[1e999999999]`, "/0", `1e999999999`)
	f.Add(`not json`, "", `null`)
	f.Fuzz(func(t *testing.T, body, ptr, want string) {
		v := Judge(jsonEquals(ptr, want), 200, []byte(body), false)
		if v.Matched != (v.Reason == flowevent.ReasonMatched) {
			t.Fatalf("inconsistent verdict %+v", v)
		}
		if len(body) >= 8 && strings.Contains(v.Detail, body) {
			t.Fatalf("Detail %q quotes the body", v.Detail)
		}
	})
}

func BenchmarkJudgeJSONEquals(b *testing.B) {
	body := []byte(`{"items":[` + strings.Repeat(`{"id":1,"status":"queued"},`, 600) + `{"id":2}],"result":{"status":"accepted"}}`)
	check := jsonEquals("/result/status", `"accepted"`)
	b.ReportAllocs()
	for b.Loop() {
		if !Judge(check, 200, body, false).Matched {
			b.Fatal("no match")
		}
	}
}
