package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/nats-io/nats.go"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

func init() { register("validate", "check a node configuration or a request event file", runValidate) }

func runValidate(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", "validate [flags] FILE",
		"flowhook validate node.json   (a node configuration, a request event's data, or a whole request event; - reads stdin)", stderr)
	httpsOnly := fs.Bool("https-only", false, "refuse nodes whose URL is not https")
	retryWindow := fs.Duration("max-retry-window", flowevent.DefaultMaxRetryWindow, "longest retry deadline or hold a node may ask for (as serve's --max-retry-window)")
	if err := parseFlags(fs, args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		fmt.Fprintln(stderr, "flowhook validate:", err)
		return exitUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	data, err := readInput(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "flowhook validate:", err)
		return exitUsage
	}
	kind, problems, err := validateDocument(data, flowevent.ValidateOptions{HTTPSOnly: *httpsOnly, MaxRetryWindow: *retryWindow})
	if err != nil {
		fmt.Fprintf(stdout, "%s: error: %v\n", fs.Arg(0), err)
		return exitFailure
	}
	errs := 0
	for _, p := range problems {
		level := "warning"
		if !p.Warning {
			level = "error"
			errs++
		}
		fmt.Fprintf(stdout, "%s: %s: %s: %s\n", fs.Arg(0), level, p.Path, p.Message)
	}
	if errs > 0 {
		fmt.Fprintf(stdout, "%s: invalid %s: %d errors, %d warnings\n", fs.Arg(0), kind, errs, len(problems)-errs)
		return exitFailure
	}
	fmt.Fprintf(stdout, "%s: valid %s (%d warnings)\n", fs.Arg(0), kind, len(problems))
	return exitOK
}

func readInput(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(io.LimitReader(os.Stdin, 8<<20))
	}
	return os.ReadFile(name)
}

// validateDocument recognises what data is — a structured request event, a
// request event's data, or a node configuration — and returns every
// problem of it. err is set when data is not even one of those.
func validateDocument(data []byte, opts flowevent.ValidateOptions) (kind string, problems []flowevent.Problem, err error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return "", nil, fmt.Errorf("not a JSON object: %w", err)
	}
	switch {
	case probe["specversion"] != nil:
		h := nats.Header{}
		h.Set("Content-Type", flowevent.ContentTypeStructured)
		_, req, err := flowevent.DecodeRequest(h, data)
		if err != nil {
			return "request event", nil, err
		}
		return "request event", req.Problems(opts), nil
	case probe["node"] != nil:
		var req flowevent.Request
		if err := strictDecode(data, &req); err != nil {
			return "request data", nil, err
		}
		return "request data", req.Problems(opts), nil
	default:
		var n flowevent.NodeConfig
		if err := strictDecode(data, &n); err != nil {
			return "node configuration", nil, err
		}
		return "node configuration", n.Problems(opts), nil
	}
}

func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("does not decode: %w", err)
	}
	return nil
}
