package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/app"
	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/internal/secret"
)

// Options tune the demo.
type Options struct {
	// Profiles is how many sample profiles reach each of the three nodes;
	// default 10.
	Profiles int
	// DataDir holds the embedded server's files; default a temporary
	// directory removed at the end.
	DataDir string
	// Log receives flowhook's own log lines; default discarded.
	Log zerolog.Logger
}

// Summary is what the demo observed.
type Summary struct {
	Published int
	Outcomes  map[string]tally // node -> "route/reason" -> count
	Requests  map[string][]seenRequest
	Breakers  []breaker.Status
}

const demoAccount = "demo"

// Run executes the demo and writes a readable report to w.
func Run(ctx context.Context, w io.Writer, o Options) (*Summary, error) {
	if o.Profiles <= 0 {
		o.Profiles = 10
	}
	if o.DataDir == "" {
		dir, err := os.MkdirTemp("", "flowhook-demo-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		o.DataDir = dir
	}
	secretsDir := filepath.Join(o.DataDir, "secrets")
	// The demo account's own secret: secrets are scoped by account.
	if err := os.MkdirAll(filepath.Join(secretsDir, demoAccount), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(secretsDir, demoAccount, "crm_token"), []byte(randomToken()), 0o600); err != nil {
		return nil, err
	}

	crm := newCapture("crm", 200, `{"status":"success"}`)
	defer crm.server.Close()
	shop := newCapture("shop", 201, `{"id":"c-1"}`)
	defer shop.server.Close()
	downURL, err := closedPortURL()
	if err != nil {
		return nil, err
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	a, err := app.Start(runCtx, app.Config{
		DataDir:      o.DataDir,
		EmbeddedPort: -1,
		Egress: egress.Config{
			AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
			UserAgent:  "flowhook-demo",
		},
		Breaker: breaker.Settings{FailureThreshold: 3, OpenTimeout: time.Minute},
		Secrets: secret.Config{Dir: secretsDir},
	}, o.Log)
	if err != nil {
		return nil, err
	}
	defer func() { stop(); _ = a.Wait() }()

	js, closeJS, err := connect(a.NATSURL())
	if err != nil {
		return nil, err
	}
	defer closeJS()

	nodes := demoNodes(crm.server.URL, shop.server.URL, downURL)
	fmt.Fprintf(w, "flowhook demo: embedded NATS at %s, %d profiles per node\n\n", a.NATSURL(), o.Profiles)
	sum := &Summary{Outcomes: map[string]tally{}, Requests: map[string][]seenRequest{}}
	// The down endpoint gets its profiles in two waves so that the second
	// wave meets the breaker the first one opened.
	waves := [][]demoNode{{nodes[0], nodes[1], nodes[2]}, {nodes[2]}}
	perWave := []int{o.Profiles, o.Profiles}
	seq := 0
	for i, wave := range waves {
		var ids []string
		for _, n := range wave {
			count := perWave[i]
			if n.id == nodes[2].id {
				count = o.Profiles / 2
				if i == 1 {
					count = o.Profiles - o.Profiles/2
				}
			}
			for range count {
				seq++
				id, err := publish(ctx, js, n, seq)
				if err != nil {
					return nil, err
				}
				ids = append(ids, id)
			}
		}
		sum.Published += len(ids)
		if err := collect(ctx, js, ids, sum); err != nil {
			return nil, err
		}
	}
	sum.Requests[crm.name] = crm.requests()
	sum.Requests[shop.name] = shop.requests()
	sum.Breakers = a.Breakers().Snapshot()
	names := map[string]string{origin(crm.server.URL): "crm", origin(shop.server.URL): "shop", origin(downURL): "legacy"}
	report(w, sum, nodes, names)
	return sum, nil
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "demo-" + hex.EncodeToString(b)
}

// closedPortURL returns a loopback URL on which nothing listens.
func closedPortURL() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return "http://" + addr + "/v1/ping", nil
}

// origin returns scheme://host:port of a URL, the breaker's key.
func origin(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	return u.Scheme + "://" + u.Host
}

func report(w io.Writer, s *Summary, nodes []demoNode, names map[string]string) {
	fmt.Fprintf(w, "published %d request events\n\n", s.Published)
	fmt.Fprintln(w, "requests the endpoints received (personal data and credentials masked):")
	for _, name := range []string{"crm", "shop"} {
		reqs := s.Requests[name]
		fmt.Fprintf(w, "  %s: %d requests\n", name, len(reqs))
		if len(reqs) > 0 {
			r := reqs[0]
			fmt.Fprintf(w, "    e.g. %s %s?%s", r.Method, r.Path, r.Query)
			if r.Auth != "" {
				fmt.Fprintf(w, "  Authorization: %s", r.Auth)
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintln(w, "  legacy: down (nothing listens)")
	fmt.Fprintln(w, "\noutcomes by node, route and reason:")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  NODE\tEXPECTS\tROUTE/REASON\tCOUNT")
	for _, n := range nodes {
		t := s.Outcomes[n.id]
		for _, k := range t.sorted() {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\n", n.id, n.expects, k, t[k])
		}
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "\ncircuit breakers:")
	for _, b := range s.Breakers {
		fmt.Fprintf(w, "  %-7s %-28s %s\n", names[b.Origin], b.Origin, b.State)
	}
}

func connect(url string) (jetstream.JetStream, func(), error) {
	nc, err := natsConnect(url)
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return js, nc.Close, nil
}
