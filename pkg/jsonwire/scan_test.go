package jsonwire

import "testing"

func TestValue(t *testing.T) {
	tests := []struct {
		in   string
		want int // index past the first value, which starts at 0
	}{
		{`"plain",1`, 7},
		{`"esc\"aped\\",1`, 13},
		{`{"a":"}]","b":[1,{"c":"{"}]} ,`, 28},
		{`[1, [2, [3]], "]"] x`, 18},
		{`-12.5e3,`, 7},
		{`true}`, 4},
		{`null`, 4},
		{`"unterminated`, 13},
		{`{"a":1`, 6},
	}
	for _, tt := range tests {
		if got := Value([]byte(tt.in), 0); got != tt.want {
			t.Errorf("Value(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
	if got := Value([]byte(`1`), 5); got != 1 {
		t.Errorf("Value past the end = %d, want len", got)
	}
}

func TestSpace(t *testing.T) {
	if got := Space([]byte(" \t\r\n x"), 0); got != 5 {
		t.Errorf("Space = %d, want 5", got)
	}
	if got := Space([]byte("  "), 0); got != 2 {
		t.Errorf("Space over all-space = %d, want len", got)
	}
}
