package judge

import (
	"bytes"
	"strconv"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Verdict is the result of judging one response.
type Verdict struct {
	// Matched reports whether the response is the expected success.
	Matched bool
	// Reason is flowevent.ReasonMatched when Matched, otherwise why not:
	// status_mismatch (status, status_in, status_class), body_mismatch
	// (body_contains, json_equals), or invalid_config for a check that
	// cannot be applied.
	Reason flowevent.Reason
	// Detail explains Reason for people (expected vs. got). It never holds
	// the body, the expected string or any other personal data; it is empty
	// when Matched.
	Detail string
}

// NeedsBody reports whether Judge reads the body for check. When it is
// false the caller may skip reading the body and pass nil.
func NeedsBody(check flowevent.ResponseCheck) bool {
	return check.Kind == flowevent.CheckBodyContains || check.Kind == flowevent.CheckJSONEquals
}

// Judge compares a response with the node's check. body holds at most the
// bounded prefix of the response body that was read; truncated reports
// whether more existed. A check of an unknown kind, or one that cannot match
// anything meaningful (an expected status outside 100-999, an empty expected
// string or status list, an unknown class, a malformed pointer or expected
// JSON value), yields Reason invalid_config.
func Judge(check flowevent.ResponseCheck, status int, body []byte, truncated bool) Verdict {
	switch check.Kind {
	case flowevent.CheckStatus:
		return judgeStatus(check.Status, status)
	case flowevent.CheckBodyContains:
		return judgeBodyContains(check.Contains, body, truncated)
	case flowevent.CheckStatusIn:
		return judgeStatusIn(check.Statuses, status)
	case flowevent.CheckStatusClass:
		return judgeStatusClass(check.Class, status)
	case flowevent.CheckJSONEquals:
		return judgeJSONEquals(check.Pointer, check.Equals, body, truncated)
	default:
		return invalid("unknown response check kind")
	}
}

var matched = Verdict{Matched: true, Reason: flowevent.ReasonMatched}

func invalid(detail string) Verdict {
	return Verdict{Reason: flowevent.ReasonInvalidConfig, Detail: detail}
}

// judgeStatus matches the exact status code.
func judgeStatus(want, got int) Verdict {
	if want < 100 || want > 999 {
		return invalid("expected status must be between 100 and 999")
	}
	if got == want {
		return matched
	}
	return Verdict{
		Reason: flowevent.ReasonStatusMismatch,
		Detail: "expected status " + strconv.Itoa(want) + ", got " + strconv.Itoa(got),
	}
}

// judgeBodyContains looks for want in the part of the body that was read.
func judgeBodyContains(want string, body []byte, truncated bool) Verdict {
	if want == "" {
		return invalid("expected body string is empty")
	}
	if bytes.Contains(body, []byte(want)) {
		return matched
	}
	return Verdict{Reason: flowevent.ReasonBodyMismatch, Detail: bodyMismatchDetail(len(want), len(body), truncated)}
}

// bodyMismatchDetail says how long the expected string was and how much of
// the body was searched, never what either contained.
func bodyMismatchDetail(wantLen, searched int, truncated bool) string {
	d := "expected string (" + strconv.Itoa(wantLen) + " bytes) not found in " + strconv.Itoa(searched) + " bytes of body"
	if truncated {
		d += " (body truncated at " + strconv.Itoa(searched) + " bytes, the rest was not searched)"
	}
	return d
}
