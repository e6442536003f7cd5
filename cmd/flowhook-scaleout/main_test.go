package main

import (
	"io"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	o, err := parse([]string{"-events", "500", "-duration", "3s", "-replicas", "6", "-breaker"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.p.Events != 500 || o.p.Duration != 3*time.Second || o.p.Replicas != 6 || !o.breaker || o.p.Workers != 32 {
		t.Fatalf("parsed %+v", o)
	}
	if code := run([]string{"-events", "x"}, io.Discard, io.Discard); code != 2 {
		t.Fatalf("bad flag: exit %d, want 2", code)
	}
	if code := run([]string{"-h"}, io.Discard, io.Discard); code != 0 {
		t.Fatalf("-h: exit %d, want 0", code)
	}
}
