package judge

import (
	"slices"
	"strconv"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Credentials names a rejection of the node's credentials: a verdict that
// did not match, on a response whose status is 401, 403 or one of extra
// (the node's auth_failed_statuses), becomes reason auth_failed, its
// detail saying so before what the check expected. The check comes first:
// a response that matches the node's check (a node expecting 401, say)
// stays matched whatever its status. Any other verdict is returned as is.
func Credentials(v Verdict, status int, extra []int) Verdict {
	if v.Matched || v.Reason == flowevent.ReasonInvalidConfig {
		return v
	}
	if status != 401 && status != 403 && !slices.Contains(extra, status) {
		return v
	}
	detail := "credentials rejected: status " + strconv.Itoa(status)
	if v.Detail != "" {
		detail += " (" + v.Detail + ")"
	}
	return Verdict{Reason: flowevent.ReasonAuthFailed, Detail: detail}
}
