package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/internal/secret"
	"github.com/flowhook/flowhook/internal/tools/preview"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

func init() {
	register("render", "print the exact request a node sends for a sample profile, and as curl", runRender)
}

// sampleFlags are the flags that say what to try: the document given as
// argument, completed with a sample profile and triggering event.
type sampleFlags struct {
	profile, trigger          string
	account, flow, nodeID, id string
	userAgent                 string
	secretsDir, secretsPrefix string
	grants                    grantList
	httpsOnly                 bool
}

func bindSampleFlags(fs *flag.FlagSet) *sampleFlags {
	f := &sampleFlags{}
	fs.StringVar(&f.profile, "profile", "", `sample profile: a file, or inline JSON ({"id": ..., "attributes": {...}}, or just the attributes)`)
	fs.StringVar(&f.trigger, "trigger", "", `sample triggering event: a file, or inline JSON ({"type": ..., "data": {...}}, or just the data)`)
	fs.StringVar(&f.account, "account", preview.DefaultAccount, "account of the sample request (when FILE is a node configuration)")
	fs.StringVar(&f.flow, "flow", preview.DefaultFlowID, "flow id of the sample request (when FILE is a node configuration)")
	fs.StringVar(&f.nodeID, "node-id", preview.DefaultNodeID, "node id of the sample request (when FILE is a node configuration)")
	fs.StringVar(&f.id, "id", "", "request event id, from which the Idempotency-Key derives (default: a fresh try-<random>)")
	fs.StringVar(&f.userAgent, "user-agent", egress.DefaultUserAgent, "User-Agent of the request (as serve's --user-agent)")
	fs.StringVar(&f.secretsDir, "secrets-dir", "", "directory of secret files, as for serve")
	fs.StringVar(&f.secretsPrefix, "secrets-env-prefix", secret.DefaultEnvPrefix, "environment variable prefix of secrets, as for serve")
	fs.Var(&f.grants, "grant-secret", "let an account use a shared secret, as for serve: ACCOUNT:NAME"+listUsage)
	fs.BoolVar(&f.httpsOnly, "https-only", false, "refuse nodes whose URL is not https, as serve --https-only")
	return f
}

// load reads the sample: the document at path (- for stdin) completed by
// the profile and trigger flags.
func (f *sampleFlags) load(path string) (preview.Sample, preview.Kind, error) {
	doc, err := readInput(path)
	if err != nil {
		return preview.Sample{}, "", usageError{err}
	}
	d := preview.Defaults{Account: f.account, FlowID: f.flow, NodeID: f.nodeID}
	if f.profile != "" {
		raw, err := fileOrInline("--profile", f.profile)
		if err != nil {
			return preview.Sample{}, "", err
		}
		if d.Profile, err = preview.ParseProfile(raw); err != nil {
			return preview.Sample{}, "", fmt.Errorf("--profile: %w", err)
		}
	}
	if f.trigger != "" {
		raw, err := fileOrInline("--trigger", f.trigger)
		if err != nil {
			return preview.Sample{}, "", err
		}
		if d.Trigger, err = preview.ParseTrigger(raw); err != nil {
			return preview.Sample{}, "", fmt.Errorf("--trigger: %w", err)
		}
	}
	s, kind, err := preview.ParseSample(doc, d)
	if err != nil {
		return s, kind, fmt.Errorf("%s: %w", path, err)
	}
	if s.Event.ID == "" {
		s.Event.ID = f.id
	}
	if s.Event.ID == "" {
		s.Event.ID = newID("try")
	}
	return s, kind, nil
}

// fileOrInline returns v itself when it is inline JSON (starts with '{'),
// else the content of the file it names.
func fileOrInline(flagName, v string) ([]byte, error) {
	if strings.HasPrefix(strings.TrimSpace(v), "{") {
		return []byte(v), nil
	}
	b, err := readInput(v)
	if err != nil {
		return nil, usageError{fmt.Errorf("%s: %w", flagName, err)}
	}
	return b, nil
}

// secrets opens the secret store as serve would (nil logger: quiet).
func (f *sampleFlags) secrets() (*secret.Store, error) {
	s, err := secret.New(secret.Config{Dir: f.secretsDir, EnvPrefix: f.secretsPrefix, Grants: f.grants}, zerolog.Nop())
	if err != nil {
		return nil, usageError{err}
	}
	return s, nil
}

func (f *sampleFlags) validateOptions() flowevent.ValidateOptions {
	return flowevent.ValidateOptions{HTTPSOnly: f.httpsOnly}
}

// checkSample prints the sample's validation problems to w, each with its
// field path, and reports whether it has errors (the dispatcher would
// then answer invalid_config without sending anything).
func checkSample(w io.Writer, s preview.Sample, opts flowevent.ValidateOptions) bool {
	ok := true
	for _, p := range s.Request.Problems(opts) {
		level := "warning"
		if !p.Warning {
			level, ok = "error", false
		}
		fmt.Fprintf(w, "%s: %s: %s\n", level, p.Path, p.Message)
	}
	return ok
}

// newID returns prefix-<16 hex digits>.
func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return prefix + "-" + hex.EncodeToString(b[:])
}

// failUsage prints err and returns the exit code for it: exitUsage for
// usage errors, exitFailure otherwise.
func failUsage(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "flowhook %s: %v\n", cmd, err)
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitFailure
}

func runRender(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("render", "render [flags] FILE\n\n"+
		"Prints the exact HTTP request flowhook sends for FILE (a node configuration, a request\n"+
		"event's data, or a whole request event; - reads stdin) and a sample profile, and an\n"+
		"equivalent curl command. Secrets are masked, and appear in the curl command as\n"+
		"environment-variable references. Nothing is sent.\n\n"+
		"exit codes: 0 rendered; 1 the node is invalid (each problem is named); 2 bad flags or unreadable file",
		`flowhook render node.json --profile '{"email":"ada@example.com","first_name":"Ada"}'`, stderr)
	sf := bindSampleFlags(fs)
	mask := fs.Bool("mask", false, "hide profile and event values (e.g. to paste the output into a ticket)")
	asJSON := fs.Bool("json", false, "print the rendering as JSON")
	if code, done := parseArgs(fs, args, "render", stderr); done {
		return code
	}
	s, _, err := sf.load(fs.Arg(0))
	if err != nil {
		return failUsage(stderr, "render", err)
	}
	if !checkSample(stderr, s, sf.validateOptions()) {
		fmt.Fprintln(stderr, "flowhook render: the node is invalid: the dispatcher would answer invalid_config and send nothing")
		return exitFailure
	}
	secrets, err := sf.secrets()
	if err != nil {
		return failUsage(stderr, "render", err)
	}
	r, err := preview.Render(ctx, s, preview.Options{
		UserAgent: sf.userAgent, Secrets: secrets, EnvPrefix: sf.secretsPrefix, Mask: *mask,
	})
	if err != nil {
		return failUsage(stderr, "render", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(r)
	} else {
		err = r.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "flowhook render:", err)
		return exitFailure
	}
	if problems := r.Invalid(); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, "flowhook render:", p)
		}
		return exitFailure
	}
	return exitOK
}

// parseArgs parses flags and wants exactly one argument; done reports that
// the command ends with code (help, or a usage error).
func parseArgs(fs *flag.FlagSet, args []string, cmd string, stderr io.Writer) (code int, done bool) {
	if err := parseFlags(fs, flagsFirst(fs, args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, true
		}
		fmt.Fprintf(stderr, "flowhook %s: %v\n", cmd, err)
		return exitUsage, true
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "flowhook %s: want exactly one FILE argument (a node configuration, request data or request event; - for stdin), got %d\n", cmd, fs.NArg())
		return exitUsage, true
	}
	return 0, false
}

// flagsFirst moves the positional arguments after the flags, so that
// "render node.json --profile p.json" works as written (the flag package
// stops at the first positional argument).
func flagsFirst(fs *flag.FlagSet, args []string) []string {
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			positional = append(positional, args[i+1:]...)
			i = len(args)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if strings.Contains(name, "=") {
				continue
			}
			if f := fs.Lookup(name); f != nil && !isBoolFlag(f) && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		default:
			positional = append(positional, a)
		}
	}
	if len(positional) == 0 {
		return flags
	}
	return append(append(flags, "--"), positional...)
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// isTerminal reports whether f is a terminal (for progress displays).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
