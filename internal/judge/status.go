package judge

import (
	"slices"
	"strconv"
	"strings"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// judgeStatusIn matches any of the listed codes.
func judgeStatusIn(want []int, got int) Verdict {
	if len(want) == 0 {
		return invalid("expected status list is empty")
	}
	if slices.Contains(want, got) {
		return matched
	}
	return Verdict{
		Reason: flowevent.ReasonStatusMismatch,
		Detail: "expected status one of " + joinInts(want) + ", got " + strconv.Itoa(got),
	}
}

// judgeStatusClass matches any code of a class ("2xx": 200..299).
func judgeStatusClass(class string, got int) Verdict {
	if !flowevent.ValidStatusClass(class) {
		return invalid("expected status class must be 1xx, 2xx, 3xx, 4xx or 5xx")
	}
	if got/100 == int(class[0]-'0') {
		return matched
	}
	return Verdict{
		Reason: flowevent.ReasonStatusMismatch,
		Detail: "expected status " + class + ", got " + strconv.Itoa(got),
	}
}

// joinInts writes codes as "200, 201, 204".
func joinInts(codes []int) string {
	var sb strings.Builder
	for i, c := range codes {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(strconv.Itoa(c))
	}
	return sb.String()
}
