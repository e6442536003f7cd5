package app_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/tools/demo"
)

// TestDemoOutputHasNoSecrets runs the demo into a buffer, with its log at
// debug level: neither may show the demo's secret token or its profiles'
// personal data.
func TestDemoOutputHasNoSecrets(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	dir := t.TempDir()
	var out bytes.Buffer
	logs := &syncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sum, err := demo.Run(ctx, &out, demo.Options{
		Profiles: 4, DataDir: dir,
		Log: zerolog.New(logs).Level(zerolog.DebugLevel),
	})
	if err != nil {
		t.Fatalf("demo: %v", err)
	}
	token, err := os.ReadFile(filepath.Join(dir, "secrets", "demo", "crm_token"))
	if err != nil || len(token) < 16 {
		t.Fatalf("demo secret not found (%v)", err)
	}
	if len(sum.Requests["crm"]) == 0 {
		t.Fatal("the demo's receiver got no request: nothing to check")
	}
	for what, b := range map[string][]byte{"output": out.Bytes(), "log": logs.Bytes()} {
		if bytes.Contains(b, token) {
			t.Errorf("demo %s shows its secret token", what)
		}
		for _, pii := range []string{"@example.com", "C000001"} {
			if bytes.Contains(b, []byte(pii)) {
				t.Errorf("demo %s shows profile data %q", what, pii)
			}
		}
	}
	if !bytes.Contains(out.Bytes(), []byte("Authorization: Bearer ***")) {
		t.Errorf("demo output does not show the masked credential:\n%s", out.Bytes())
	}
}
