package flowevent

import (
	"reflect"
	"testing"
	"time"
)

func TestPolicyValidate(t *testing.T) {
	retry := func(edit func(r *RetryPolicy)) func(n *NodeConfig) {
		return func(n *NodeConfig) {
			r := RetryPolicy{MaxAttempts: 5, InitialDelayMS: 500, Multiplier: 2, MaxDelayMS: 10_000, Jitter: 0.3, DeadlineMS: 60_000}
			if edit != nil {
				edit(&r)
			}
			n.Retry = &r
		}
	}
	tests := []struct {
		name  string
		opts  ValidateOptions
		edit  func(n *NodeConfig)
		paths []string
		warns []string
	}{
		{name: "no policy"},
		{name: "retry ok", edit: retry(nil)},
		{name: "retry defaults ok", edit: func(n *NodeConfig) { n.Retry = &RetryPolicy{MaxAttempts: 3, DeadlineMS: 30_000} }},
		{name: "one attempt", edit: retry(func(r *RetryPolicy) { r.MaxAttempts = 1 }), paths: []string{"retry.max_attempts"}},
		{name: "too many attempts", edit: retry(func(r *RetryPolicy) { r.MaxAttempts = MaxRetryAttempts + 1 }), paths: []string{"retry.max_attempts"}},
		{name: "tiny delay", edit: retry(func(r *RetryPolicy) { r.InitialDelayMS = 5 }), paths: []string{"retry.initial_delay_ms"}},
		{name: "shrinking multiplier", edit: retry(func(r *RetryPolicy) { r.Multiplier = 0.5 }), paths: []string{"retry.multiplier"}},
		{name: "huge multiplier", edit: retry(func(r *RetryPolicy) { r.Multiplier = 11 }), paths: []string{"retry.multiplier"}},
		{name: "cap below initial", edit: retry(func(r *RetryPolicy) { r.MaxDelayMS = 200 }), paths: []string{"retry.max_delay_ms"}},
		{name: "jitter above one", edit: retry(func(r *RetryPolicy) { r.Jitter = 1.5 }), paths: []string{"retry.jitter"}},
		{name: "negative jitter", edit: retry(func(r *RetryPolicy) { r.Jitter = -0.1 }), paths: []string{"retry.jitter"}},
		{name: "no deadline", edit: retry(func(r *RetryPolicy) { r.DeadlineMS = 0 }), paths: []string{"retry.deadline_ms"}},
		{name: "deadline too short", edit: retry(func(r *RetryPolicy) { r.DeadlineMS = 999 }), paths: []string{"retry.deadline_ms"}},
		{name: "deadline beyond default window", edit: retry(func(r *RetryPolicy) { r.DeadlineMS = int(DefaultMaxRetryWindow/time.Millisecond) + 1 }), paths: []string{"retry.deadline_ms"}},
		{name: "deadline within a larger window", opts: ValidateOptions{MaxRetryWindow: time.Hour}, edit: retry(func(r *RetryPolicy) { r.DeadlineMS = 3_600_000 })},
		{name: "deadline beyond a smaller window", opts: ValidateOptions{MaxRetryWindow: 30 * time.Second}, edit: retry(nil), paths: []string{"retry.deadline_ms"}},
		{name: "deadline before first retry warns", edit: retry(func(r *RetryPolicy) { r.InitialDelayMS = 5000; r.DeadlineMS = 2000 }), warns: []string{"retry.deadline_ms"}},
		{name: "hold ok", edit: func(n *NodeConfig) { n.Hold = &HoldPolicy{MaxWaitMS: 120_000} }},
		{name: "hold without limit", edit: func(n *NodeConfig) { n.Hold = &HoldPolicy{} }, paths: []string{"hold.max_wait_ms"}},
		{name: "hold beyond window", opts: ValidateOptions{MaxRetryWindow: time.Minute}, edit: func(n *NodeConfig) { n.Hold = &HoldPolicy{MaxWaitMS: 61_000} }, paths: []string{"hold.max_wait_ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := validNode()
			if tt.edit != nil {
				tt.edit(&n)
			}
			gotErrs, gotWarns := problemPaths(n.Problems(tt.opts))
			if !reflect.DeepEqual(gotErrs, tt.paths) || !reflect.DeepEqual(gotWarns, tt.warns) {
				t.Fatalf("errors %v warnings %v, want %v and %v (%v)", gotErrs, gotWarns, tt.paths, tt.warns, n.Problems(tt.opts))
			}
			// Request validation reports the same problems under "node.".
			req := sampleRequest()
			req.Node = n
			reqErrs, _ := problemPaths(req.Problems(tt.opts))
			if len(reqErrs) != len(tt.paths) {
				t.Fatalf("request errors %v", reqErrs)
			}
			for i, p := range tt.paths {
				if reqErrs[i] != "node."+p {
					t.Fatalf("request error %q, want node.%s", reqErrs[i], p)
				}
			}
		})
	}
}

func TestPolicyDefaults(t *testing.T) {
	var r RetryPolicy
	if r.InitialDelay() != time.Second || r.MaxDelay() != time.Minute || r.Growth() != 2 || r.JitterFraction() != 0.2 {
		t.Fatalf("defaults: %v %v %v %v", r.InitialDelay(), r.MaxDelay(), r.Growth(), r.JitterFraction())
	}
	r = RetryPolicy{InitialDelayMS: 120_000, Multiplier: 1.5, Jitter: 1, DeadlineMS: 5000}
	if r.MaxDelay() != 2*time.Minute || r.Growth() != 1.5 || r.JitterFraction() != 1 || r.Deadline() != 5*time.Second {
		t.Fatalf("explicit: %v %v %v %v", r.MaxDelay(), r.Growth(), r.JitterFraction(), r.Deadline())
	}
	tests := []struct {
		node NodeConfig
		want time.Duration
	}{
		{NodeConfig{}, 0},
		{NodeConfig{Retry: &RetryPolicy{DeadlineMS: 4000}}, 4 * time.Second},
		{NodeConfig{Hold: &HoldPolicy{MaxWaitMS: 9000}}, 9 * time.Second},
		{NodeConfig{Retry: &RetryPolicy{DeadlineMS: 4000}, Hold: &HoldPolicy{MaxWaitMS: 2000}}, 4 * time.Second},
	}
	for _, tt := range tests {
		if got := tt.node.LongestWait(); got != tt.want {
			t.Errorf("LongestWait(%+v) = %v, want %v", tt.node, got, tt.want)
		}
	}
	if (ValidateOptions{}).RetryWindow() != DefaultMaxRetryWindow || (ValidateOptions{MaxRetryWindow: time.Hour}).RetryWindow() != time.Hour {
		t.Fatal("RetryWindow")
	}
}
