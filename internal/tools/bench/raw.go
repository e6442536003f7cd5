package bench

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// rawJSWorkers is how many goroutines of the raw JetStream run take
// messages; its work is all on the bus, so a few suffice.
const rawJSWorkers = 8

// rawOutcome is the 200-byte message raw JetStream publishes per input.
var rawOutcome = []byte(`{"request_id":"raw-000000","account":"bench","flow_id":"nurture","node_id":"webhook-crm","profile_id":"p-000000","route":"yes","status":200,"duration_ms":0.4,"completed_at":"2026-01-01T00:00:00.000Z"}`)

// startRawJetStream consumes the backlog doing nothing but the bus work:
// publish a 200-byte message, Ack when its PubAck arrives.
func startRawJetStream(ctx context.Context, natsURL string) (hello, func(), error) {
	nc, js, msgs, err := bindConsumer(ctx, natsURL, 1000)
	if err != nil {
		return hello{}, func() {}, err
	}
	acks := make(chan pendingAck, 4096)
	var seq atomic.Int64
	var workers, acker sync.WaitGroup
	for range rawJSWorkers {
		workers.Go(func() {
			for {
				msg, err := msgs.Next()
				if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
					return
				}
				if err != nil {
					continue
				}
				fut, err := js.PublishAsync("flowhook.outcome.bench.raw"+strconv.FormatInt(seq.Add(1), 10), rawOutcome)
				if err != nil {
					_ = msg.Nak()
					continue
				}
				acks <- pendingAck{fut: fut, msg: msg}
			}
		})
	}
	acker.Go(func() { ackInOrder(acks) })
	return hello{}, func() {
		msgs.Stop()
		workers.Wait()
		close(acks)
		acker.Wait()
		_ = nc.Drain()
	}, nil
}

// rawHTTPConcurrency is how many requests raw HTTP keeps in flight.
const rawHTTPConcurrency = 64

// rawQuery is a 6-parameter query like the benchmark node's.
const rawQuery = "/hook?src=flow&email=ada.lovelace%40example.com&first_name=Ada&lead_score=87&city=London&form=demo-request&campaign=spring-launch"

// startRawHTTP serves POST /run?n=N on the control server: N loopback GETs
// to receiverURL, rawHTTPConcurrency at a time, each read to the end.
func startRawHTTP(_ context.Context, receiverURL string, ctl *control) (hello, func(), error) {
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConns:        2 * rawHTTPConcurrency,
		MaxIdleConnsPerHost: 2 * rawHTTPConcurrency,
		IdleConnTimeout:     time.Minute,
	}}
	target := receiverURL + rawQuery
	ctl.mux.HandleFunc("POST /run", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil || n <= 0 {
			http.Error(w, "n must be a positive integer", http.StatusBadRequest)
			return
		}
		writeJSON(w, runHTTP(r.Context(), client, target, n))
	})
	return hello{}, client.CloseIdleConnections, nil
}

// runHTTP sends n GETs to target, rawHTTPConcurrency at a time.
func runHTTP(ctx context.Context, client *http.Client, target string, n int) httpRun {
	var next, errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range rawHTTPConcurrency {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				if !get(ctx, client, target) {
					errs.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return httpRun{Requests: n, Seconds: time.Since(start).Seconds(), Errors: int(errs.Load())}
}

func get(ctx context.Context, client *http.Client, target string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
