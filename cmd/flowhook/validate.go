package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/flowhook/flowhook/internal/tools/jsonshape"
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
		fmt.Fprintf(stdout, "%s: invalid %s: 1 error\n", fs.Arg(0), kind)
		return exitFailure
	}
	errs := 0
	for _, p := range problems {
		level := "warning"
		if !p.Warning {
			level = "error"
			errs++
		}
		where := p.Path
		if where == "" {
			where = "(document)"
		}
		fmt.Fprintf(stdout, "%s: %s: %s: %s\n", fs.Arg(0), level, where, p.Message)
	}
	printSecretScope(stdout, fs.Arg(0), data)
	warnings := count(len(problems)-errs, "warning")
	if errs > 0 {
		summary := count(errs, "error")
		if errs < len(problems) {
			summary += ", " + warnings
		}
		fmt.Fprintf(stdout, "%s: invalid %s: %s\n", fs.Arg(0), kind, summary)
		return exitFailure
	}
	fmt.Fprintf(stdout, "%s: valid %s (%s)\n", fs.Arg(0), kind, warnings)
	return exitOK
}

// count is "1 error", "2 errors", "0 warnings".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func readInput(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(io.LimitReader(os.Stdin, 8<<20))
	}
	return os.ReadFile(name)
}

// validateDocument recognises what data is — a structured request event, a
// request event's data, or a node configuration — and returns every
// problem of it, each with its field path: members of the wrong JSON type
// or that the contract does not have (at any depth), then what validation
// finds in what could be read. err is set when data is not JSON (a
// *jsonshape.SyntaxError, with line and column) or not an object.
func validateDocument(data []byte, opts flowevent.ValidateOptions) (kind string, problems []flowevent.Problem, err error) {
	if err := jsonshape.Syntax(data); err != nil {
		return "JSON", nil, err
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil || probe == nil {
		return "document", nil, errors.New("not a JSON object: a node configuration, request data or request event is an object")
	}
	switch {
	case probe["specversion"] != nil:
		return "request event", eventProblems(probe, opts), nil
	case probe["node"] != nil:
		return "request data", checkAs(data, "", func(r *flowevent.Request) []flowevent.Problem { return r.Problems(opts) }), nil
	default:
		return "node configuration", checkAs(data, "", func(n *flowevent.NodeConfig) []flowevent.Problem { return n.Problems(opts) }), nil
	}
}

// eventProblems checks a structured request event: the shape of its data,
// the event's attributes as the dispatcher decodes them, and validation of
// the data. Paths into the data start with "data.".
func eventProblems(probe map[string]json.RawMessage, opts flowevent.ValidateOptions) []flowevent.Problem {
	var req flowevent.Request
	var problems []flowevent.Problem
	if data := probe["data"]; len(data) > 0 && string(data) != "null" {
		problems = checkAs(data, "data", func(r *flowevent.Request) []flowevent.Problem {
			req = *r
			return nil
		})
		// Decode the event with its data as far as it could be read, so
		// that a decode error is about the event itself.
		readable, err := json.Marshal(req)
		if err != nil {
			return append(problems, flowevent.Problem{Path: "data", Message: err.Error()})
		}
		probe["data"] = readable
	}
	doc, err := json.Marshal(probe)
	if err == nil {
		h := nats.Header{}
		h.Set("Content-Type", flowevent.ContentTypeStructured)
		_, req, err = flowevent.DecodeRequest(h, doc)
	}
	if err != nil {
		return append(problems, flowevent.Problem{Message: err.Error()})
	}
	return append(problems, unlessCovered(prefixed("data", req.Problems(opts)), problems)...)
}

// checkAs returns the shape problems of data against T (paths under
// prefix), then the problems validate finds in the value decoded as far as
// it fits T, except those at a path a shape problem already names.
func checkAs[T any](data []byte, prefix string, validate func(*T) []flowevent.Problem) []flowevent.Problem {
	shape, err := jsonshape.CheckFor[T](data)
	if err != nil {
		return []flowevent.Problem{{Path: prefix, Message: err.Error()}}
	}
	var problems []flowevent.Problem
	for _, p := range shape {
		problems = append(problems, flowevent.Problem{Path: joinPath(prefix, p.Path), Message: p.Message, Warning: p.Warning})
	}
	var v T
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	_ = dec.Decode(&v) // type errors are shape problems already; the rest is decoded
	return append(problems, unlessCovered(prefixed(prefix, validate(&v)), problems)...)
}

// unlessCovered drops the problems at or under the path of an error in
// covered: a value of the wrong type reads as empty, and "must be set"
// would only repeat it.
func unlessCovered(ps, covered []flowevent.Problem) []flowevent.Problem {
	var out []flowevent.Problem
next:
	for _, p := range ps {
		for _, c := range covered {
			if !c.Warning && (p.Path == c.Path || strings.HasPrefix(p.Path, c.Path+".") || strings.HasPrefix(p.Path, c.Path+"[")) {
				continue next
			}
		}
		out = append(out, p)
	}
	return out
}

func prefixed(prefix string, ps []flowevent.Problem) []flowevent.Problem {
	for i := range ps {
		ps[i].Path = joinPath(prefix, ps[i].Path)
	}
	return ps
}

func joinPath(prefix, path string) string {
	switch {
	case prefix == "":
		return path
	case path == "":
		return prefix
	}
	return prefix + "." + path
}
