package faultcheck

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/flowhook/flowhook/internal/dispatch"
)

// Build compiles the flowhook command with fault injection into dir
// (go build -tags faultinject, see dispatch.FaultTag) and returns the
// binary's path. It runs the go tool, so it must run inside the module.
// The default build of flowhook has no fault injection: the crash
// scenarios need this one.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "flowhook")
	cmd := exec.Command("go", "build", "-tags", dispatch.FaultTag, "-o", bin, "github.com/flowhook/flowhook/cmd/flowhook")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("faultcheck: go build: %w", err)
	}
	return bin, nil
}

// faultMarkers are what fault-injection code leaves in a Go binary: the
// names of internal/dispatch's fault.go functions (every Go binary keeps
// its functions' names, inlined ones included, in its function table for
// tracebacks, stripped or not), the fault-point variable's name and the
// names of the points it parses.
var faultMarkers = []string{
	"github.com/flowhook/flowhook/internal/dispatch.parseFault",
	"github.com/flowhook/flowhook/internal/dispatch.(*faults).hit",
	"github.com/flowhook/flowhook/internal/dispatch.die",
	dispatch.FaultPointEnv,
	dispatch.FaultAfterResponse,
	dispatch.FaultBeforeAck,
}

// FaultCode lists the traces of fault-injection code found in the binary
// at path (see faultMarkers): all of them in a build of Build, none in
// the default build of flowhook.
func FaultCode(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("faultcheck: %w", err)
	}
	var found []string
	for _, m := range faultMarkers {
		if bytes.Contains(b, []byte(m)) {
			found = append(found, m)
		}
	}
	return found, nil
}

// checkFaultCode refuses a binary that cannot inject faults: one not
// built by Build (-tags faultinject), whose crash scenarios would run
// without a crash.
func checkFaultCode(path string) error {
	found, err := FaultCode(path)
	if err != nil {
		return err
	}
	if len(found) < len(faultMarkers) {
		return fmt.Errorf("faultcheck: %s lacks fault injection (has %d of its %d traces): build it with -tags %s (faultcheck.Build)",
			path, len(found), len(faultMarkers), dispatch.FaultTag)
	}
	return nil
}
