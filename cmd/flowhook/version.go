package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

func init() {
	register("version", "print flowhook's version: module version, commit and Go version", runVersion)
}

func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", "version\n\n"+
		"Prints the module version, the commit the binary was built from (when the build\n"+
		"recorded it: go build in a git clone does; go run does not) and the Go version.",
		"flowhook version", stderr)
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintln(stderr, "flowhook version:", err)
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "flowhook version: takes no arguments")
		return exitUsage
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = &debug.BuildInfo{GoVersion: runtime.Version()}
	}
	fmt.Fprint(stdout, versionText(bi, runtime.GOOS+"/"+runtime.GOARCH))
	return exitOK
}

// versionText describes a build from its build information: the main
// module's version ("(devel)" for a build from a checkout), the VCS
// revision, its time and whether the tree was modified, and the Go version.
func versionText(bi *debug.BuildInfo, platform string) string {
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	version := bi.Main.Version
	if version == "" {
		version = "(unknown)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "flowhook %s\n", version)
	if rev := settings["vcs.revision"]; rev != "" {
		fmt.Fprintf(&b, "commit   %s", rev)
		if t := settings["vcs.time"]; t != "" {
			fmt.Fprintf(&b, " (%s)", t)
		}
		if settings["vcs.modified"] == "true" {
			b.WriteString(", with uncommitted changes")
		}
		b.WriteString("\n")
	} else {
		b.WriteString("commit   unknown: this build did not record it (go build in a git clone does; go run and -buildvcs=false do not)\n")
	}
	fmt.Fprintf(&b, "go       %s %s\n", bi.GoVersion, platform)
	return b.String()
}
