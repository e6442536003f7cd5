package faultcheck

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Build compiles the flowhook command into dir and returns the binary's
// path. It runs the go tool, so it must run inside the module.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "flowhook")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/flowhook/flowhook/cmd/flowhook")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("faultcheck: go build: %w", err)
	}
	return bin, nil
}
