//go:build faultinject

package dispatch

import "testing"

// The fault point's parsing, in the fault checker's build only:
// go test -tags faultinject ./internal/dispatch/ (part of .ci/run).

func TestParseFault(t *testing.T) {
	tests := []struct {
		in      string
		want    *faults
		wantErr bool
	}{
		{"", nil, false},
		{"after_response:3", &faults{point: FaultAfterResponse, nth: 3}, false},
		{"before_ack:1", &faults{point: FaultBeforeAck, nth: 1}, false},
		{"event:evt-7", &faults{point: FaultEvent, id: "evt-7"}, false},
		{"after_response:0", nil, true},
		{"after_response", nil, true},
		{"before_ack:x", nil, true},
		{"somewhere:1", nil, true},
	}
	for _, tt := range tests {
		f, err := parseFault(tt.in)
		if (err != nil) != tt.wantErr {
			t.Fatalf("parseFault(%q) error %v", tt.in, err)
		}
		if tt.want == nil {
			if f != nil {
				t.Fatalf("parseFault(%q) = %+v, want nil", tt.in, f)
			}
			continue
		}
		if f.point != tt.want.point || f.nth != tt.want.nth || f.id != tt.want.id {
			t.Fatalf("parseFault(%q) = %+v", tt.in, f)
		}
	}
	// Inert values never kill: nil, another point, not yet the N-th time.
	var none *faults
	none.hit(FaultAfterResponse)
	none.event("x")
	f, _ := parseFault("before_ack:2")
	f.hit(FaultAfterResponse)
	f.hit(FaultBeforeAck)
	f.event("x")
}
