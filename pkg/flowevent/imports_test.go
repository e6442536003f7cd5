package flowevent_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPublicPackagesImportNoServiceInternals: a flow engine's author
// imports pkg/flowevent; it must not drag in the service's internal
// packages (its own pkg/flowevent/internal/... is part of it).
func TestPublicPackagesImportNoServiceInternals(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/flowhook/flowhook/pkg/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "github.com/flowhook/flowhook/internal/") {
			t.Errorf("pkg/... depends on %s", p)
		}
	}
}
