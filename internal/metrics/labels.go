package metrics

import "github.com/flowhook/flowhook/pkg/flowevent"

// otherLabel replaces a label value outside the known vocabulary, so that
// a bug or a hostile input can never grow the number of series.
const otherLabel = "other"

// maxReasonLen bounds a reason label value.
const maxReasonLen = 40

// routeLabel is route if it is yes, no or exit, else "other".
func routeLabel(r flowevent.Route) string {
	if r.Valid() {
		return string(r)
	}
	return otherLabel
}

// reasonLabel is reason if it looks like one of flowhook's reasons
// (lowercase letters and underscores, at most 40), else "other". Reasons
// are constants in flowhook's code, so the set stays small.
func reasonLabel(r flowevent.Reason) string {
	if r == "" || len(r) > maxReasonLen {
		return otherLabel
	}
	for i := 0; i < len(r); i++ {
		if c := r[i]; (c < 'a' || c > 'z') && c != '_' {
			return otherLabel
		}
	}
	return string(r)
}
