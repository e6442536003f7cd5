package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/valyala/fasthttp"
)

// naiveConfig is one form of the naive pipeline.
type naiveConfig struct {
	workers int
	// prefetch is PullMaxMessages; 0 keeps nats.go's default (500).
	prefetch int
	// async publishes outcomes asynchronously and acks each input when its
	// outcome's PubAck arrives; otherwise every worker waits for the PubAck.
	async bool
	// fast sends the GET with fasthttp's client (the library egress is
	// built on) instead of net/http's.
	fast bool
}

var (
	// plainNaive is what one writes first: 64 workers, sync publish, then
	// Ack. Its HTTP client keeps as many idle connections as it has
	// workers (Go's default of 2 would halve it: not a fair baseline).
	plainNaive = naiveConfig{workers: 64}
	// tunedNaive has the knobs that mattered turned (GOGC=400 is set on
	// its process by the driver).
	tunedNaive = naiveConfig{workers: 256, prefetch: 1000, async: true}
	// fastNaive is the tuned pipeline with fasthttp's client, as a
	// performance-aware engineer would write it (GOGC=400 too).
	fastNaive = naiveConfig{workers: 256, prefetch: 1000, async: true, fast: true}
)

// naiveEvent is what the naive pipeline decodes of a request event: a
// plain json.Unmarshal of the structured CloudEvent, no validation.
type naiveEvent struct {
	ID   string `json:"id"`
	Data struct {
		Account string `json:"account"`
		FlowID  string `json:"flow_id"`
		NodeID  string `json:"node_id"`
		Node    struct {
			URL    string `json:"url"`
			Params []struct {
				Name, From, Path, Value string
			} `json:"params"`
			Response struct {
				Status int `json:"status"`
			} `json:"response"`
		} `json:"node"`
		Profile struct {
			ID         string         `json:"id"`
			Attributes map[string]any `json:"attributes"`
		} `json:"profile"`
		Trigger struct {
			Data map[string]any `json:"data"`
		} `json:"trigger"`
	} `json:"data"`
}

// naiveOutcome is the naive pipeline's ~200-byte outcome.
type naiveOutcome struct {
	RequestID   string    `json:"request_id"`
	Account     string    `json:"account"`
	FlowID      string    `json:"flow_id"`
	NodeID      string    `json:"node_id"`
	ProfileID   string    `json:"profile_id"`
	Route       string    `json:"route"`
	Status      int       `json:"status"`
	DurationMS  float64   `json:"duration_ms"`
	CompletedAt time.Time `json:"completed_at"`
}

// naive is a running naive pipeline.
type naive struct {
	cfg    naiveConfig
	nc     *nats.Conn
	js     jetstream.JetStream
	client *http.Client
	fast   *fasthttp.Client // with naiveConfig.fast
	acks   chan pendingAck
}

// pendingAck is an input waiting for its outcome's PubAck.
type pendingAck struct {
	fut jetstream.PubAckFuture
	msg jetstream.Msg
}

func startNaive(ctx context.Context, natsURL string, cfg naiveConfig) (hello, func(), error) {
	nc, js, msgs, err := bindConsumer(ctx, natsURL, cfg.prefetch)
	if err != nil {
		return hello{}, func() {}, err
	}
	p := &naive{cfg: cfg, nc: nc, js: js, acks: make(chan pendingAck, 4*cfg.workers)}
	p.client = &http.Client{Transport: &http.Transport{
		MaxIdleConns:        2 * cfg.workers,
		MaxIdleConnsPerHost: cfg.workers,
		IdleConnTimeout:     time.Minute,
	}}
	if cfg.fast {
		p.fast = newFastClient(cfg.workers)
	}
	var workers, acker sync.WaitGroup
	for range cfg.workers {
		workers.Go(func() { p.work(ctx, msgs) })
	}
	acker.Go(func() { ackInOrder(p.acks) })
	return hello{}, func() {
		msgs.Stop()
		workers.Wait()
		close(p.acks)
		acker.Wait()
		_ = nc.Drain()
	}, nil
}

// bindConsumer connects and starts pulling from the one partition's
// consumer of the baseline topology (see baselineTopology).
func bindConsumer(ctx context.Context, natsURL string, prefetch int) (*nats.Conn, jetstream.JetStream, jetstream.MessagesContext, error) {
	nc, err := nats.Connect(natsURL, nats.MaxReconnects(-1))
	if err != nil {
		return nil, nil, nil, err
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err == nil {
		var cons jetstream.Consumer
		topo := baselineTopology()
		if cons, err = js.Consumer(ctx, topo.RequestStream, topo.Lanes()[1].Consumer); err == nil {
			var opts []jetstream.PullMessagesOpt
			if prefetch > 0 {
				opts = append(opts, jetstream.PullMaxMessages(prefetch))
			}
			var msgs jetstream.MessagesContext
			if msgs, err = cons.Messages(opts...); err == nil {
				return nc, js, msgs, nil
			}
		}
	}
	nc.Close()
	return nil, nil, nil, fmt.Errorf("bind consumer: %w", err)
}

func (p *naive) work(ctx context.Context, msgs jetstream.MessagesContext) {
	for {
		msg, err := msgs.Next()
		if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
			return
		}
		if err == nil {
			p.handle(ctx, msg)
		}
	}
}

func (p *naive) handle(ctx context.Context, msg jetstream.Msg) {
	var ev naiveEvent
	if err := json.Unmarshal(msg.Data(), &ev); err != nil {
		_ = msg.Term()
		return
	}
	start := time.Now()
	status := p.call(ctx, &ev)
	route := "no"
	if status == ev.Data.Node.Response.Status {
		route = "yes"
	}
	d := &ev.Data
	out, _ := json.Marshal(naiveOutcome{
		RequestID: ev.ID, Account: d.Account, FlowID: d.FlowID, NodeID: d.NodeID, ProfileID: d.Profile.ID,
		Route: route, Status: status, DurationMS: float64(time.Since(start).Microseconds()) / 1000,
		CompletedAt: time.Now().UTC(),
	})
	subject := "flowhook.outcome." + d.Account + "." + ev.ID
	if !p.cfg.async {
		if _, err := p.js.Publish(ctx, subject, out); err != nil {
			_ = msg.Nak()
			return
		}
		_ = msg.Ack()
		return
	}
	fut, err := p.js.PublishAsync(subject, out)
	if err != nil {
		_ = msg.Nak()
		return
	}
	p.acks <- pendingAck{fut: fut, msg: msg}
}

// call sends the node's GET with its parameters and returns the status, 0
// when the request failed.
func (p *naive) call(ctx context.Context, ev *naiveEvent) int {
	n := &ev.Data.Node
	q := make(url.Values, len(n.Params))
	for _, prm := range n.Params {
		var v any
		switch prm.From {
		case "profile":
			v = lookupPath(ev.Data.Profile.Attributes, prm.Path)
		case "event":
			v = lookupPath(ev.Data.Trigger.Data, prm.Path)
		default:
			v = prm.Value
		}
		if v == nil {
			v = ""
		}
		q.Set(prm.Name, fmt.Sprint(v))
	}
	sep := "?"
	if strings.Contains(n.URL, "?") {
		sep = "&"
	}
	if p.fast != nil {
		return callFast(p.fast, n.URL+sep+q.Encode())
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, n.URL+sep+q.Encode(), nil)
	if err != nil {
		return 0
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// lookupPath walks a dotted path through nested objects.
func lookupPath(m map[string]any, path string) any {
	if v, ok := m[path]; ok {
		return v
	}
	var cur any = m
	for seg := range strings.SplitSeq(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = obj[seg]
	}
	return cur
}

// ackInOrder acks each input once its outcome's PubAck arrived, handing it
// back when the publish failed. It returns when acks is closed and empty.
func ackInOrder(acks <-chan pendingAck) {
	for p := range acks {
		select {
		case <-p.fut.Ok():
			_ = p.msg.Ack()
		case <-p.fut.Err():
			_ = p.msg.Nak()
		}
	}
}
