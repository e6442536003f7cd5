package judge

import (
	"testing"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

func TestCredentials(t *testing.T) {
	status200 := flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200}
	expects401 := flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 401}
	class4xx := flowevent.ResponseCheck{Kind: flowevent.CheckStatusClass, Class: "4xx"}
	body := flowevent.ResponseCheck{Kind: flowevent.CheckBodyContains, Contains: "ok"}
	tests := []struct {
		name   string
		check  flowevent.ResponseCheck
		status int
		body   string
		extra  []int
		want   flowevent.Reason
		detail string
	}{
		{"401", status200, 401, "", nil, flowevent.ReasonAuthFailed, "credentials rejected: status 401 (expected status 200, got 401)"},
		{"403", status200, 403, "", nil, flowevent.ReasonAuthFailed, "credentials rejected: status 403 (expected status 200, got 403)"},
		{"419 listed", status200, 419, "", []int{419}, flowevent.ReasonAuthFailed, "credentials rejected: status 419 (expected status 200, got 419)"},
		{"419 not listed", status200, 419, "", nil, flowevent.ReasonStatusMismatch, "expected status 200, got 419"},
		{"404", status200, 404, "", []int{419}, flowevent.ReasonStatusMismatch, "expected status 200, got 404"},
		{"500", status200, 500, "", nil, flowevent.ReasonStatusMismatch, "expected status 200, got 500"},
		{"node expects 401", expects401, 401, "", nil, flowevent.ReasonMatched, ""},
		{"class 4xx matches 403", class4xx, 403, "", nil, flowevent.ReasonMatched, ""},
		{"body check 401 without the string", body, 401, "denied", nil, flowevent.ReasonAuthFailed,
			"credentials rejected: status 401 (expected string (2 bytes) not found in 6 bytes of body)"},
		{"body check 401 with the string", body, 401, "ok", nil, flowevent.ReasonMatched, ""},
		{"200 mismatch", body, 200, "no", nil, flowevent.ReasonBodyMismatch, "expected string (2 bytes) not found in 2 bytes of body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Credentials(Judge(tt.check, tt.status, []byte(tt.body), false), tt.status, tt.extra)
			if v.Reason != tt.want || v.Detail != tt.detail || v.Matched != (tt.want == flowevent.ReasonMatched) {
				t.Errorf("got %+v, want %s %q", v, tt.want, tt.detail)
			}
		})
	}
}
