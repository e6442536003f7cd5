package nodestats

import (
	"cmp"
	"slices"
)

// Worst orders views worst first and keeps at most limit (all when limit
// <= 0): nodes in an error spike first, then nodes whose credentials are
// rejected (the longest-rejected first), then by errors in the last hour,
// then by the last hour's error rate, then by errors overall. Ties keep a
// stable order by flow and node id.
func Worst(views []View, limit int) []View {
	out := slices.Clone(views)
	slices.SortStableFunc(out, func(a, b View) int {
		if a.Spike != b.Spike {
			if a.Spike {
				return -1
			}
			return 1
		}
		ra, rb := a.CredentialsRejected, b.CredentialsRejected
		if (ra != nil) != (rb != nil) {
			if ra != nil {
				return -1
			}
			return 1
		}
		if ra != nil {
			if c := ra.Since.Compare(rb.Since); c != 0 {
				return c
			}
		}
		return cmp.Or(
			cmp.Compare(b.Hour.Errors, a.Hour.Errors),
			cmp.Compare(b.Hour.ErrorRate, a.Hour.ErrorRate),
			cmp.Compare(b.Errors, a.Errors),
			cmp.Compare(a.FlowID, b.FlowID),
			cmp.Compare(a.NodeID, b.NodeID),
		)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}
