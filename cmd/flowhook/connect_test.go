package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/app"
	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/internal/testsupport/poll"
	"github.com/flowhook/flowhook/internal/tools/inspect"
)

// TestNoServer: every NATS client command, without a server, names the
// URL it tried and says how to get a server there.
func TestNoServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "nats://127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close() // nothing listens there now
	node := writeFile(t, "node.json", tryNode("https://crm.example.com"))
	for _, c := range []struct {
		cmd  string
		args []string
	}{
		{"emit", []string{"--node", node}},
		{"tail", nil},
		{"stats", []string{"--account", "acme"}},
		{"replay", nil},
	} {
		code, out, errOut := runCommand(t.Context(), c.cmd, append([]string{"--nats-url", url}, c.args...)...)
		want := "flowhook " + c.cmd + ": cannot connect to NATS at " + url
		if code != exitFailure || !strings.Contains(errOut, want) || !strings.Contains(errOut, "--nats-url") {
			t.Errorf("%s: exit %d, want %d and %q:\n%s%s", c.cmd, code, exitFailure, want, out, errOut)
		}
	}
}

// TestNoServerHint: at the default URL the hint is to start flowhook
// serve; credentials in a URL are never shown.
func TestNoServerHint(t *testing.T) {
	err := noServerError(defaultNATSURL, nats.ErrNoServers)
	if !strings.Contains(err.Error(), "at "+defaultNATSURL) || !strings.Contains(err.Error(), "flowhook serve") {
		t.Errorf("default URL: %v", err)
	}
	err = noServerError("nats://user:pa55word@n1:4222,nats://t0ken@n2:4222", errors.New("x"))
	if s := err.Error(); strings.Contains(s, "pa55word") || strings.Contains(s, "t0ken") || !strings.Contains(s, "n1:4222") || !strings.Contains(s, "n2:4222") {
		t.Errorf("URLs with credentials: %v", err)
	}
}

// TestTailReportsLostConnection: tail says when it loses NATS and when it
// is back, and goes on printing outcomes after the server restarted.
func TestTailReportsLostConnection(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts a NATS server under a dispatcher")
	}
	t.Setenv("FLOWHOOK_SECRET_CRM_TOKEN", secretValue)
	_, recvURL := startCatcher(t, inspect.Options{Response: inspect.Response{Status: 201}}, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	store := t.TempDir()
	start := func() *bus.Embedded {
		emb, err := bus.StartEmbedded(bus.EmbeddedOptions{StoreDir: store, Port: port})
		if err != nil {
			t.Fatal(err)
		}
		return emb
	}
	emb := start()
	natsURL := emb.ClientURL()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := app.Config{NATS: bus.ConnectOptions{URL: natsURL}, AdminAddr: "", Topology: bus.Topology{AckWait: 10 * time.Second}}
	cfg.Egress.AllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	a, err := app.Start(ctx, cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		_ = a.Wait()
	}()

	var stderr, stdout syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- commands["tail"].run(t.Context(), []string{"--nats-url", natsURL, "--count", "1", "--timeout", "90s"}, &stdout, &stderr)
	}()
	waitFor(t, &stderr, "flowhook tail: following")
	dispatcherPulls(t, natsURL)
	emb.Shutdown()
	waitFor(t, &stderr, "flowhook tail: lost the connection to NATS")
	restarted := time.Now()
	emb = start()
	defer emb.Shutdown()
	waitFor(t, &stderr, "flowhook tail: reconnected to "+natsURL)
	// tail says it follows again as soon as the connection is back; its
	// ordered consumer, which starts with new outcomes, is created again on
	// the server a moment later. An outcome stored in between is not new to
	// it: wait until the server has it.
	_, js := bustest.Connect(t, natsURL)
	poll.UntilNoError(t, 30*time.Second, func() error { return tailConsumerSince(js, restarted) })

	node := writeFile(t, "node.json", tryNode(recvURL))
	// The dispatcher reconnects too; emit retries until the stream answers.
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, out, errOut := runCommand(t.Context(), "emit", "--nats-url", natsURL, "--node", node, "--profile", `{"id":"p-back"}`, "--id-prefix", "back")
		if code == exitOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("emit after the restart: exit %d\n%s%s", code, out, errOut)
		}
		time.Sleep(200 * time.Millisecond)
	}
	select {
	case code := <-done:
		if code != exitOK || !strings.Contains(stdout.String(), "profile p-back") {
			t.Errorf("tail: exit %d\n%s%s", code, stdout.String(), stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("tail printed nothing after the restart:\n%s", stderr.String())
	}
}

// dispatcherPulls waits until the dispatcher has a pull request waiting on
// one of the request stream's consumers: it runs.
func dispatcherPulls(t *testing.T, natsURL string) {
	t.Helper()
	_, js := bustest.Connect(t, natsURL)
	poll.Until(t, 30*time.Second, "the dispatcher pulls", func() bool {
		s, err := js.Stream(context.Background(), bus.DefaultRequestStream)
		if err != nil {
			return false
		}
		for ci := range s.ListConsumers(context.Background()).Info() {
			if ci.NumWaiting > 0 {
				return true
			}
		}
		return false
	})
}

// tailConsumerSince returns nil once the outcome stream has a consumer
// created after since that reads whole outcomes (tail's; node stats reads
// headers only).
func tailConsumerSince(js jetstream.JetStream, since time.Time) error {
	s, err := js.Stream(context.Background(), bus.DefaultOutcomeStream)
	if err != nil {
		return err
	}
	consumers := s.ListConsumers(context.Background())
	for ci := range consumers.Info() {
		if !ci.Config.HeadersOnly && ci.Created.After(since) {
			return nil
		}
	}
	if err := consumers.Err(); err != nil {
		return err
	}
	return errors.New("tail's consumer is not back on the outcome stream")
}

// waitFor waits until b holds want.
func waitFor(t *testing.T, b *syncBuffer, want string) {
	t.Helper()
	poll.UntilNoError(t, 30*time.Second, func() error {
		if !strings.Contains(b.String(), want) {
			return fmt.Errorf("no %q:\n%s", want, b.String())
		}
		return nil
	})
}
