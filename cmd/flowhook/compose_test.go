package main

import (
	"context"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// TestComposeFileAgreesWithCode loads docker-compose.yml with the loader
// Docker Compose itself uses and checks that what it runs exists in the
// code: commands and flags parse with the real flag sets, ports and host
// names line up, and the stop grace outlasts flowhook's shutdown grace.
func TestComposeFileAgreesWithCode(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root), cli.WithName("flowhook"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("compose file does not load: %v", err)
	}
	for _, name := range []string{"nats", "flowhook-1", "flowhook-2", "receiver"} {
		if _, err := p.GetService(name); err != nil {
			t.Fatalf("service %s missing: %v", name, err)
		}
	}
	nats, _ := p.GetService("nats")
	if !slices.Contains(nats.Command, "--jetstream") {
		t.Errorf("nats service runs without --jetstream: %v", nats.Command)
	}
	if !publishes(nats, 4222) {
		t.Errorf("nats service does not expose 4222")
	}

	replicas := 0
	for _, s := range p.Services {
		if len(s.Command) == 0 || s.Command[0] != "serve" {
			continue
		}
		replicas++
	}
	for _, s := range p.Services {
		if s.Build == nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, s.Build.Dockerfile)); err != nil && !filepath.IsAbs(s.Build.Dockerfile) {
			t.Errorf("%s: dockerfile %s: %v", s.Name, s.Build.Dockerfile, err)
		}
		if len(s.Command) == 0 {
			t.Errorf("%s: no command", s.Name)
			continue
		}
		if _, ok := commands[s.Command[0]]; !ok {
			t.Errorf("%s: command %q is not a flowhook command", s.Name, s.Command[0])
			continue
		}
		if s.Command[0] == "serve" {
			checkServeService(t, s, p, replicas)
		} else {
			// The command's own flag set parses the arguments; a trailing -h
			// makes it stop there with exit 0 if and only if they all parsed.
			args := append(slices.Clone(s.Command[1:]), "-h")
			if code := commands[s.Command[0]].run(context.Background(), args, io.Discard, io.Discard); code != exitOK {
				t.Errorf("%s: flowhook %v does not parse (exit %d)", s.Name, s.Command, code)
			}
			checkListenPublished(t, s)
		}
	}
	if replicas < 2 {
		t.Errorf("%d flowhook replicas, want at least 2", replicas)
	}
}

func checkServeService(t *testing.T, s types.ServiceConfig, p *types.Project, replicas int) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := bindServiceFlags(fs)
	if err := fs.Parse(s.Command[1:]); err != nil {
		t.Errorf("%s: serve flags do not parse: %v", s.Name, err)
		return
	}
	cfg := f.config()
	host, port, err := hostPort(cfg.NATS.URL)
	if err != nil {
		t.Errorf("%s: --nats-url %q: %v", s.Name, cfg.NATS.URL, err)
	} else if svc, err := p.GetService(host); err != nil || !publishesOrExposes(svc, port) {
		t.Errorf("%s: --nats-url points at %s:%d, which no service provides", s.Name, host, port)
	}
	for _, h := range cfg.Egress.AllowHosts {
		if _, err := p.GetService(h); err != nil {
			t.Errorf("%s: --allow-hosts names %q, which is not a service", s.Name, h)
		}
	}
	if cfg.Replicas != replicas {
		t.Errorf("%s: --replicas %d, but the file runs %d replicas", s.Name, cfg.Replicas, replicas)
	}
	if s.StopGracePeriod == nil || time.Duration(*s.StopGracePeriod) <= cfg.Dispatch.ShutdownGrace {
		t.Errorf("%s: stop_grace_period must exceed --shutdown-grace %s", s.Name, cfg.Dispatch.ShutdownGrace)
	}
	if _, port, err := net.SplitHostPort(cfg.AdminAddr); err != nil || !publishes(s, atoi(port)) {
		t.Errorf("%s: admin address %q is not published", s.Name, cfg.AdminAddr)
	}
}

// checkListenPublished checks that a --listen address's port is published.
func checkListenPublished(t *testing.T, s types.ServiceConfig) {
	i := slices.Index(s.Command, "--listen")
	if i < 0 || i+1 >= len(s.Command) {
		return
	}
	listen := s.Command[i+1]
	if _, port, err := net.SplitHostPort(listen); err != nil || !publishes(s, atoi(port)) {
		t.Errorf("%s: --listen %q is not published", s.Name, listen)
	}
}

func hostPort(url string) (string, int, error) {
	u := url
	for _, prefix := range []string{"nats://", "tls://"} {
		if len(u) > len(prefix) && u[:len(prefix)] == prefix {
			u = u[len(prefix):]
		}
	}
	h, p, err := net.SplitHostPort(u)
	if err != nil {
		return "", 0, err
	}
	return h, atoi(p), nil
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func publishes(s types.ServiceConfig, port int) bool {
	for _, p := range s.Ports {
		if int(p.Target) == port {
			return true
		}
	}
	return false
}

func publishesOrExposes(s types.ServiceConfig, port int) bool {
	return publishes(s, port) || slices.Contains(s.Expose, strconv.Itoa(port))
}
