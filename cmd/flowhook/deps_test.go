package main

import (
	"os/exec"
	"strings"
	"testing"
)

// testOnlyModules are modules the tests use and the flowhook binary must
// not link: each adds to the first `go run ./cmd/flowhook demo`, which
// compiles everything the binary links (see the README's quick start).
var testOnlyModules = []string{
	"github.com/chromedp/chromedp", "github.com/chromedp/cdproto", // browser tests
	"github.com/compose-spec/compose-go/v2",    // the compose-file check
	"github.com/santhosh-tekuri/jsonschema/v6", // schema tests
	"github.com/dlclark/regexp2/v2",            // ECMAScript patterns of the schemas
	"go.uber.org/goleak",                       // goroutine leak checks
	"gopkg.in/yaml.v3", "go.yaml.in/yaml/v4",   // deployment files
}

// testOnlyPackages are the repository's own test helpers outside
// testSupport.
var testOnlyPackages = []string{
	"github.com/flowhook/flowhook/internal/bus/bustest",
}

// testSupport holds test-only helpers (browsertest, fakeclock, poll, ...).
const testSupport = "github.com/flowhook/flowhook/internal/testsupport/"

// TestBinaryLinksNoTestOnlyCode: the flowhook binary links no module or
// package that only tests need.
func TestBinaryLinksNoTestOnlyCode(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{with .Module}}{{.Path}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	linked := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, mod, _ := strings.Cut(line, " ")
		linked[pkg], linked[mod] = true, true
	}
	if !linked["github.com/nats-io/nats-server/v2"] {
		t.Fatalf("go list found no nats-server: %s", out)
	}
	for _, name := range append(testOnlyModules, testOnlyPackages...) {
		if linked[name] {
			t.Errorf("the flowhook binary links %s, which only tests need", name)
		}
	}
	for name := range linked {
		if strings.HasPrefix(name, testSupport) {
			t.Errorf("the flowhook binary links %s, which only tests need", name)
		}
	}
}
