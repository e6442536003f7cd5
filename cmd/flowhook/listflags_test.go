package main

import (
	"context"
	"io"
	"net/netip"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/flowhook/flowhook/internal/secret"
)

// listFlagCase is one list flag of one command: how to bind it, and where
// its parsed value lands.
type listFlagCase struct {
	cmd, flag string
	// values are given once each, then as one comma-separated value.
	values []string
	want   any
	// parse binds the command's flags, parses args and returns the flag's
	// value as the command will use it.
	parse func(t *testing.T, args []string) any
}

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

func parseServe(get func(f *serviceFlags) any) func(*testing.T, []string) any {
	return func(t *testing.T, args []string) any {
		fs := newFlagSet("serve", "serve", "", io.Discard)
		f := bindServiceFlags(fs)
		if err := parseFlags(fs, args); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		return get(f)
	}
}

func parseSend(get func(f *egressFlags) any) func(*testing.T, []string) any {
	return func(t *testing.T, args []string) any {
		fs := newFlagSet("send", "send", "", io.Discard)
		f := bindEgressFlags(fs)
		if err := parseFlags(fs, args); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		return get(f)
	}
}

func parseSample(get func(f *sampleFlags) any) func(*testing.T, []string) any {
	return func(t *testing.T, args []string) any {
		fs := newFlagSet("render", "render", "", io.Discard)
		f := bindSampleFlags(fs)
		if err := parseFlags(fs, args); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		return get(f)
	}
}

// grants parses ACCOUNT:NAME grants.
func grants(specs ...string) []secret.Grant {
	var out []secret.Grant
	for _, s := range specs {
		g, err := secret.ParseGrant(s)
		if err != nil {
			panic(err)
		}
		out = append(out, g)
	}
	return out
}

func parseNATS(t *testing.T, args []string) any {
	fs := newFlagSet("emit", "emit", "", io.Discard)
	o := bindNATSFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return o.URL
}

func parseBench(get func(f *benchFlags) any) func(*testing.T, []string) any {
	return func(t *testing.T, args []string) any {
		fs := newFlagSet("bench", "bench", "", io.Discard)
		f := bindBenchFlags(fs)
		if err := parseFlags(fs, args); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		return get(f)
	}
}

// listFlagCases lists every list flag of every command.
func listFlagCases() []listFlagCase {
	serveCIDRs := func(deny bool) func(*serviceFlags) any {
		return func(f *serviceFlags) any {
			if deny {
				return f.config().Egress.DenyCIDRs
			}
			return f.config().Egress.AllowCIDRs
		}
	}
	sendCIDRs := func(deny bool) func(*egressFlags) any {
		return func(f *egressFlags) any {
			if deny {
				return f.config("").DenyCIDRs
			}
			return f.config("").AllowCIDRs
		}
	}
	urls := []string{"nats://n1:4222", "nats://n2:4222", "nats://n3:4222"}
	var cases []listFlagCase
	for _, cmd := range []string{"emit", "tail", "stats", "replay"} {
		cases = append(cases, listFlagCase{cmd, "nats-url", urls, strings.Join(urls, ","), parseNATS})
	}
	return append(cases,
		listFlagCase{"serve", "nats-url", urls, strings.Join(urls, ","), parseServe(func(f *serviceFlags) any { return f.config().NATS.URL })},
		listFlagCase{"serve", "allow-cidrs", []string{"127.0.0.0/8", "::1/128", "10.1.2.3"}, prefixes("127.0.0.0/8", "::1/128", "10.1.2.3/32"), parseServe(serveCIDRs(false))},
		listFlagCase{"serve", "deny-cidrs", []string{"8.8.8.0/24", "2001:4860::/32"}, prefixes("8.8.8.0/24", "2001:4860::/32"), parseServe(serveCIDRs(true))},
		listFlagCase{"serve", "allow-hosts", []string{"hooks.corp.example", "*.svc.example"}, []string{"hooks.corp.example", "*.svc.example"}, parseServe(func(f *serviceFlags) any { return f.config().Egress.AllowHosts })},
		listFlagCase{"serve", "allow-ports", []string{"443", "8443"}, []int{443, 8443}, parseServe(func(f *serviceFlags) any { return f.config().Egress.AllowPorts })},
		listFlagCase{"send", "allow-cidrs", []string{"127.0.0.0/8", "::1/128"}, prefixes("127.0.0.0/8", "::1/128"), parseSend(sendCIDRs(false))},
		listFlagCase{"send", "deny-cidrs", []string{"8.8.8.0/24", "1.1.1.1"}, prefixes("8.8.8.0/24", "1.1.1.1/32"), parseSend(sendCIDRs(true))},
		listFlagCase{"send", "allow-hosts", []string{"a.example", "*.b.example"}, []string{"a.example", "*.b.example"}, parseSend(func(f *egressFlags) any { return f.config("").AllowHosts })},
		listFlagCase{"send", "allow-ports", []string{"80", "9000"}, []int{80, 9000}, parseSend(func(f *egressFlags) any { return f.config("").AllowPorts })},
		listFlagCase{"serve", "grant-secret", []string{"acme:crm_token", "*:demo"}, grants("acme:crm_token", "*:demo"), parseServe(func(f *serviceFlags) any { return f.config().Secrets.Grants })},
		listFlagCase{"render", "grant-secret", []string{"acme:crm_token", "*:demo"}, grantList(grants("acme:crm_token", "*:demo")), parseSample(func(f *sampleFlags) any { return f.grants })},
		listFlagCase{"send", "grant-secret", []string{"acme:crm_token", "*:demo"}, grantList(grants("acme:crm_token", "*:demo")), parseSample(func(f *sampleFlags) any { return f.grants })},
		listFlagCase{"bench", "rates", []string{"1000", "5000"}, []int{1000, 5000}, parseBench(func(f *benchFlags) any { return f.options().Rates })},
		listFlagCase{"bench", "systems", []string{"naive", "flowhook"}, []string{"naive", "flowhook"}, parseBench(func(f *benchFlags) any { return f.options().Systems })},
		listFlagCase{"bench", "flowhook-env", []string{"GOGC=200", "GOMEMLIMIT=64MiB"}, []string{"GOGC=200", "GOMEMLIMIT=64MiB"}, parseBench(func(f *benchFlags) any { return f.options().FlowhookEnv })},
	)
}

// TestListFlagsAccumulate: every list flag keeps every value when given
// several times, and means the same given once comma-separated (issue: a
// second --deny-cidrs silently replaced the first).
func TestListFlagsAccumulate(t *testing.T) {
	for _, c := range listFlagCases() {
		t.Run(c.cmd+"/"+c.flag, func(t *testing.T) {
			var repeated []string
			for _, v := range c.values {
				repeated = append(repeated, "--"+c.flag, v)
			}
			if got := c.parse(t, repeated); !reflect.DeepEqual(got, c.want) {
				t.Errorf("repeated %q: %v, want %v", repeated, got, c.want)
			}
			joined := []string{"--" + c.flag, strings.Join(c.values, ",")}
			if got := c.parse(t, joined); !reflect.DeepEqual(got, c.want) {
				t.Errorf("comma-separated %q: %v, want %v", joined, got, c.want)
			}
			// Both at once: the first value alone, then the rest joined.
			mixed := []string{"--" + c.flag, c.values[0], "--" + c.flag, strings.Join(c.values[1:], ",")}
			if got := c.parse(t, mixed); !reflect.DeepEqual(got, c.want) {
				t.Errorf("mixed %q: %v, want %v", mixed, got, c.want)
			}
		})
	}
}

// TestServeFlagsAccumulate: bench's --serve-flags, space-separated, adds
// up when repeated.
func TestServeFlagsAccumulate(t *testing.T) {
	got := parseBench(func(f *benchFlags) any { return f.options().ServeFlags })(t,
		[]string{"--serve-flags", "--workers=64 --pull-batch=8", "--serve-flags", "--endpoint-max-concurrency=-1"})
	if want := []string{"--workers=64", "--pull-batch=8", "--endpoint-max-concurrency=-1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("serve flags %q, want %q", got, want)
	}
}

// TestNATSURLDefault: without --nats-url the tools use the local server;
// with it the default is replaced, not added to.
func TestNATSURLDefault(t *testing.T) {
	if got := parseNATS(t, nil); got != defaultNATSURL {
		t.Errorf("default %q, want %q", got, defaultNATSURL)
	}
	if got := parseNATS(t, []string{"--nats-url", "nats://n1:4222"}); got != "nats://n1:4222" {
		t.Errorf("one URL: %q", got)
	}
	t.Setenv("FLOWHOOK_NATS_URL", "nats://a:4222,nats://b:4222")
	if got := parseNATS(t, nil); got != "nats://a:4222,nats://b:4222" {
		t.Errorf("from the environment: %q", got)
	}
}

// TestEveryListFlagIsCovered finds the flags of every command that take a
// value of their own type (the list flags among them) from the commands'
// help, and checks each list flag is in listFlagCases and says it may be
// repeated — so a list flag added later cannot go untested.
func TestEveryListFlagIsCovered(t *testing.T) {
	covered := map[string]bool{"bench/serve-flags": true}
	for _, c := range listFlagCases() {
		covered[c.cmd+"/"+c.flag] = true
	}
	// Flags of a custom type that are not lists.
	notLists := map[string]bool{
		"serve/breaker-failures": true, "serve/breaker-probes": true, "send/breaker-failures": true,
		"replay/since": true, "replay/until": true, "tail/since": true,
	}
	var names []string
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	found := map[string]bool{}
	for _, name := range names {
		var stderr strings.Builder
		commands[name].run(context.Background(), []string{"-h"}, io.Discard, &stderr)
		for flagName, usage := range helpFlags(stderr.String()) {
			key := name + "/" + flagName
			if !strings.HasPrefix(usage.typ, "value") {
				continue
			}
			found[key] = true
			switch {
			case notLists[key]:
			case !covered[key]:
				t.Errorf("%s takes a value of its own type: add it to listFlagCases or to notLists", key)
			case !strings.Contains(usage.text, "repeat"):
				t.Errorf("%s: usage %q does not say it may be repeated", key, usage.text)
			}
		}
	}
	for key := range covered {
		if !found[key] {
			t.Errorf("%s is in listFlagCases but no command's help shows it", key)
		}
	}
}

type flagHelp struct{ typ, text string }

// helpFlags parses flag.PrintDefaults output into flag name -> type and
// usage text.
func helpFlags(help string) map[string]flagHelp {
	out := map[string]flagHelp{}
	var cur string
	for _, line := range strings.Split(help, "\n") {
		if strings.HasPrefix(line, "  -") {
			name, typ, _ := strings.Cut(strings.TrimPrefix(line, "  -"), " ")
			cur = name
			out[cur] = flagHelp{typ: strings.TrimSpace(typ)}
			continue
		}
		if cur != "" && strings.HasPrefix(line, "    \t") {
			h := out[cur]
			h.text += strings.TrimSpace(line) + " "
			out[cur] = h
		}
	}
	return out
}
