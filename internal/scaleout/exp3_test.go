package scaleout

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/nodestats"
)

func TestExpNodestats(t *testing.T) {
	c, err := StartCluster(t.TempDir(), 3)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown()
	cl, _ := connect(c.URLs())
	defer cl.close()
	topo := bus.Topology{Replicas: 3, AckWait: ackWait}.WithDefaults()
	if _, err := topo.Ensure(context.Background(), cl.js); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, _ := connect(c.URL(i))
			defer cl.close()
			start := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			_, _, err := nodestats.Ensure(ctx, cl.js, nodestats.Config{Replicas: 3, OutcomeStream: topo.OutcomeStream})
			t.Logf("%d nodestats.Ensure: %v after %v", i, err, time.Since(start))
		}()
	}
	wg.Wait()
}
