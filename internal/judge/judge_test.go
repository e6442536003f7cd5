package judge

import (
	"bytes"
	"strings"
	"testing"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

func statusCheck(code int) flowevent.ResponseCheck {
	return flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: code}
}

func containsCheck(s string) flowevent.ResponseCheck {
	return flowevent.ResponseCheck{Kind: flowevent.CheckBodyContains, Contains: s}
}

func TestJudge(t *testing.T) {
	const secretish = "jane.doe@example.com"
	tests := []struct {
		name      string
		check     flowevent.ResponseCheck
		status    int
		body      string
		truncated bool
		want      Verdict
	}{
		{"status exact", statusCheck(200), 200, "", false, matched},
		{"status 201 is not 200", statusCheck(200), 201, "", false,
			Verdict{Reason: flowevent.ReasonStatusMismatch, Detail: "expected status 200, got 201"}},
		{"status 200 is not 201", statusCheck(201), 200, "", false,
			Verdict{Reason: flowevent.ReasonStatusMismatch, Detail: "expected status 201, got 200"}},
		{"status 204 exact", statusCheck(204), 204, "", false, matched},
		{"expected 500 matches a 500", statusCheck(500), 500, "", false, matched},
		{"status ignores body", statusCheck(200), 200, "error", false, matched},
		{"status check expected 0", statusCheck(0), 0, "", false,
			Verdict{Reason: flowevent.ReasonInvalidConfig, Detail: "expected status must be between 100 and 999"}},
		{"status check expected 1000", statusCheck(1000), 1000, "", false,
			Verdict{Reason: flowevent.ReasonInvalidConfig, Detail: "expected status must be between 100 and 999"}},
		{"contains found", containsCheck("success"), 200, `{"result":"success"}`, false, matched},
		{"contains found whatever the status", containsCheck("success"), 500, "success", false, matched},
		{"contains is case-sensitive", containsCheck("Success"), 200, "success", false,
			Verdict{Reason: flowevent.ReasonBodyMismatch, Detail: "expected string (7 bytes) not found in 7 bytes of body"}},
		{"contains not found", containsCheck("ok"), 200, "fail", false,
			Verdict{Reason: flowevent.ReasonBodyMismatch, Detail: "expected string (2 bytes) not found in 4 bytes of body"}},
		{"contains empty body", containsCheck("ok"), 200, "", false,
			Verdict{Reason: flowevent.ReasonBodyMismatch, Detail: "expected string (2 bytes) not found in 0 bytes of body"}},
		{"contains found in truncated prefix", containsCheck("ok"), 200, "ok....", true, matched},
		{"contains beyond the cap", containsCheck("ok"), 200, "......", true,
			Verdict{Reason: flowevent.ReasonBodyMismatch,
				Detail: "expected string (2 bytes) not found in 6 bytes of body (body truncated at 6 bytes, the rest was not searched)"}},
		{"contains cut by the cap", containsCheck("okay"), 200, "....ok", true,
			Verdict{Reason: flowevent.ReasonBodyMismatch,
				Detail: "expected string (4 bytes) not found in 6 bytes of body (body truncated at 6 bytes, the rest was not searched)"}},
		{"contains non-ASCII", containsCheck("日本"), 200, "こんにちは日本", false, matched},
		{"contains counts bytes", containsCheck("日本"), 200, "?", false,
			Verdict{Reason: flowevent.ReasonBodyMismatch, Detail: "expected string (6 bytes) not found in 1 bytes of body"}},
		{"contains empty expected", containsCheck(""), 200, "anything", false,
			Verdict{Reason: flowevent.ReasonInvalidConfig, Detail: "expected body string is empty"}},
		{"detail never quotes body or expected", containsCheck(secretish), 200, "name=" + secretish[:8], false,
			Verdict{Reason: flowevent.ReasonBodyMismatch, Detail: "expected string (20 bytes) not found in 13 bytes of body"}},
		{"unknown kind", flowevent.ResponseCheck{Kind: "json_pointer"}, 200, "", false,
			Verdict{Reason: flowevent.ReasonInvalidConfig, Detail: "unknown response check kind"}},
		{"empty kind", flowevent.ResponseCheck{}, 200, "", false,
			Verdict{Reason: flowevent.ReasonInvalidConfig, Detail: "unknown response check kind"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Judge(tt.check, tt.status, []byte(tt.body), tt.truncated)
			if got != tt.want {
				t.Fatalf("Judge() = %+v, want %+v", got, tt.want)
			}
			if got.Matched != (got.Reason == flowevent.ReasonMatched) {
				t.Fatalf("Matched %v disagrees with Reason %q", got.Matched, got.Reason)
			}
			if tt.body != "" && strings.Contains(got.Detail, tt.body) {
				t.Fatalf("Detail %q quotes the body", got.Detail)
			}
			if tt.check.Contains != "" && strings.Contains(got.Detail, tt.check.Contains) {
				t.Fatalf("Detail %q quotes the expected string", got.Detail)
			}
		})
	}
}

// TestJudgeBoundedRead reads a response through the same cap a caller uses
// and checks that a string past the cap is not found and the detail says so.
func TestJudgeBoundedRead(t *testing.T) {
	const limit = 64
	full := bytes.Repeat([]byte("x"), 200)
	copy(full[150:], "MARK")
	prefix, truncated := full[:limit], len(full) > limit

	v := Judge(containsCheck("MARK"), 200, prefix, truncated)
	if v.Matched || v.Reason != flowevent.ReasonBodyMismatch {
		t.Fatalf("string beyond the cap: got %+v, want body_mismatch", v)
	}
	if !strings.Contains(v.Detail, "truncated at 64 bytes") {
		t.Fatalf("Detail %q does not say the body was truncated at the cap", v.Detail)
	}
	if v := Judge(containsCheck("MARK"), 200, full, false); !v.Matched {
		t.Fatalf("whole body: got %+v, want matched", v)
	}
}

func TestNeedsBody(t *testing.T) {
	tests := []struct {
		check flowevent.ResponseCheck
		want  bool
	}{
		{statusCheck(200), false},
		{containsCheck("ok"), true},
		{flowevent.ResponseCheck{Kind: "other"}, false},
	}
	for _, tt := range tests {
		if got := NeedsBody(tt.check); got != tt.want {
			t.Errorf("NeedsBody(%q) = %v, want %v", tt.check.Kind, got, tt.want)
		}
	}
}

func BenchmarkJudge(b *testing.B) {
	body := bytes.Repeat([]byte(`{"id":1,"status":"queued"},`), 600) // ~16 KiB
	body = append(body, `{"result":"accepted-for-processing"}`...)
	benches := []struct {
		name  string
		check flowevent.ResponseCheck
		code  int
	}{
		{"status_match", statusCheck(200), 200},
		{"status_mismatch", statusCheck(200), 201},
		{"contains_match_16KiB", containsCheck("accepted-for-processing"), 200},
		{"contains_mismatch_16KiB", containsCheck("rejected-for-processing-long-string"), 200},
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Judge(bb.check, bb.code, body, false)
			}
		})
	}
}
