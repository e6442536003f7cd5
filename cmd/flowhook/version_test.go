package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionText(t *testing.T) {
	withVCS := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/flowhook/flowhook", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-11-30T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	want := "flowhook v1.4.0\n" +
		"commit   0123456789abcdef0123456789abcdef01234567 (2026-11-30T10:00:00Z), with uncommitted changes\n" +
		"go       go1.26.8 linux/amd64\n"
	if got := versionText(withVCS, "linux/amd64"); got != want {
		t.Errorf("with VCS:\n%s\nwant\n%s", got, want)
	}
	devel := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/flowhook/flowhook", Version: "(devel)"}}
	got := versionText(devel, "linux/arm64")
	for _, w := range []string{"flowhook (devel)\n", "commit   unknown: this build did not record it", "go       go1.26.8 linux/arm64\n"} {
		if !strings.Contains(got, w) {
			t.Errorf("devel build: %q lacks %q", got, w)
		}
	}
}

func TestVersionCommand(t *testing.T) {
	code, out, errOut := runCommand(t.Context(), "version")
	if code != exitOK || !strings.HasPrefix(out, "flowhook ") || !strings.Contains(out, runtime.Version()) {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	if code, _, _ := runCommand(t.Context(), "version", "extra"); code != exitUsage {
		t.Errorf("with an argument: exit %d, want %d", code, exitUsage)
	}
}
