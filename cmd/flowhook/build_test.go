package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/flowhook/flowhook/internal/tools/faultcheck"
)

// built is the flowhook binary the tests run, built once per test process
// (linking it takes seconds) and removed by TestMain.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildBinary returns the flowhook command as shipped (go build, no
// tags), building it on first use.
func buildBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "flowhook-test-bin-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "flowhook")
		cmd := exec.Command("go", "build", "-o", built.bin, ".")
		cmd.Stderr = os.Stderr
		built.err = cmd.Run()
	})
	if built.err != nil {
		t.Fatalf("go build: %v", built.err)
	}
	return built.bin
}

// TestDefaultBuildHasNoFaultInjection: the flowhook binary as shipped
// contains none of the fault-injection code that only the fault checker's
// build compiles in (-tags faultinject): no function of
// internal/dispatch's fault.go (a Go binary keeps every function's name,
// stripped or not), neither the fault-point variable's name nor the
// points'. internal/tools/faultcheck's test finds every one of these
// traces in its own build, so this check can fail.
func TestDefaultBuildHasNoFaultInjection(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	found, err := faultcheck.FaultCode(buildBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Fatalf("the default build of flowhook contains fault-injection code: %s", strings.Join(found, ", "))
	}
}
