package flowevent

import (
	"encoding/json"
	"fmt"
)

// checkKinds lists the check kinds for messages.
const checkKinds = "status, body_contains, status_in, status_class or json_equals"

// checkResponse checks the response check: the fields its kind needs, and
// a warning for each field of another kind that is set (it is ignored).
func checkResponse(p *problems, r ResponseCheck) {
	switch r.Kind {
	case CheckStatus:
		if !validStatus(r.Status) {
			p.errorf("response.status", "must be an HTTP status code (100..599)")
		}
	case CheckBodyContains:
		switch {
		case r.Contains == "":
			p.errorf("response.contains", "required when kind is body_contains")
		case len(r.Contains) > MaxBodyContainsBytes:
			p.errorf("response.contains", "longer than %d bytes", MaxBodyContainsBytes)
		}
	case CheckStatusIn:
		checkStatuses(p, r.Statuses)
	case CheckStatusClass:
		if !ValidStatusClass(r.Class) {
			p.errorf("response.class", "must be 1xx, 2xx, 3xx, 4xx or 5xx")
		}
	case CheckJSONEquals:
		checkPointer(p, "response.pointer", r.Pointer)
		checkEquals(p, r.Equals)
	case "":
		p.errorf("response.kind", "required: %s", checkKinds)
		return
	default:
		p.errorf("response.kind", "must be %s", checkKinds)
		return
	}
	warnIgnoredCheckFields(p, r)
}

func validStatus(s int) bool { return s >= 100 && s <= 599 }

// checkStatuses checks the codes of a status_in check.
func checkStatuses(p *problems, codes []int) {
	switch {
	case len(codes) == 0:
		p.errorf("response.statuses", "required when kind is status_in: at least one status code")
	case len(codes) > MaxStatuses:
		p.errorf("response.statuses", "more than %d status codes", MaxStatuses)
	}
	seen := make(map[int]bool, len(codes))
	for i, c := range codes {
		path := fmt.Sprintf("response.statuses[%d]", i)
		switch {
		case !validStatus(c):
			p.errorf(path, "must be an HTTP status code (100..599)")
		case seen[c]:
			p.warnf(path, "status %d is listed twice", c)
		}
		seen[c] = true
	}
}

// checkPointer checks a JSON Pointer of a check or a capture field.
func checkPointer(p *problems, path, ptr string) {
	switch {
	case len(ptr) > MaxPointerBytes:
		p.errorf(path, "longer than %d bytes", MaxPointerBytes)
	case !ValidJSONPointer(ptr):
		p.errorf(path, `must be an RFC 6901 JSON Pointer: empty (the whole body) or starting with "/", with "~" only as ~0 or ~1`)
	}
}

// checkEquals checks the expected value of a json_equals check. Its
// messages never quote the value.
func checkEquals(p *problems, v json.RawMessage) {
	switch {
	case len(v) == 0:
		p.errorf("response.equals", "required when kind is json_equals (any JSON value, null included)")
	case len(v) > MaxEqualsBytes:
		p.errorf("response.equals", "longer than %d bytes", MaxEqualsBytes)
	case !json.Valid(v):
		p.errorf("response.equals", "is not a JSON value")
	}
}

// warnIgnoredCheckFields warns about each field set that r.Kind does not
// read.
func warnIgnoredCheckFields(p *problems, r ResponseCheck) {
	fields := []struct {
		path string
		set  bool
		kind CheckKind
	}{
		{"response.status", r.Status != 0, CheckStatus},
		{"response.contains", r.Contains != "", CheckBodyContains},
		{"response.statuses", len(r.Statuses) > 0, CheckStatusIn},
		{"response.class", r.Class != "", CheckStatusClass},
		{"response.pointer", r.Pointer != "", CheckJSONEquals},
		{"response.equals", len(r.Equals) > 0, CheckJSONEquals},
	}
	for _, f := range fields {
		if f.set && f.kind != r.Kind {
			p.warnf(f.path, "ignored when kind is %s", r.Kind)
		}
	}
}
