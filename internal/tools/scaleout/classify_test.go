package scaleout

import (
	"testing"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

func TestClassify(t *testing.T) {
	yes := flowevent.Outcome{Route: flowevent.RouteYes, Reason: flowevent.ReasonMatched}
	no := flowevent.Outcome{Route: flowevent.RouteNo, Reason: flowevent.ReasonTimeout}
	ids := []string{"ok", "lost", "twice", "wrong"}
	outcomes := map[string][]flowevent.Outcome{
		"ok": {yes}, "twice": {yes, yes}, "wrong": {no}, "stray": {yes},
	}
	counts, examples := classify(ids, outcomes, func(o flowevent.Outcome) bool { return o.Route == yes.Route && o.Reason == yes.Reason })
	want := map[string]int{ClassOK: 1, ClassLost: 1, ClassDuplicate: 1, ClassUnexpected: 2}
	for class, n := range want {
		if counts[class] != n {
			t.Errorf("%s = %d, want %d (examples %v)", class, counts[class], n, examples)
		}
	}
	if len(examples[ClassUnexpected]) != 2 || examples[ClassLost][0] != "lost" || len(examples[ClassOK]) != 0 {
		t.Errorf("examples = %v", examples)
	}
}

func TestReportProblems(t *testing.T) {
	good := Report{Events: 3, Classes: map[string]int{ClassOK: 3}, Requests: 300, Shares: map[string]int{"r0": 100, "r1": 100, "r2": 100}}
	if ps := good.Problems(); len(ps) != 0 {
		t.Fatalf("problems of a good run: %v", ps)
	}
	starved := good
	starved.Shares = map[string]int{"r0": 200, "r1": 99, "r2": 1}
	lost := good
	lost.Classes = map[string]int{ClassOK: 2, ClassLost: 1}
	for name, r := range map[string]Report{"starved": starved, "lost": lost} {
		if len(r.Problems()) == 0 {
			t.Errorf("%s run passes", name)
		}
	}
}
