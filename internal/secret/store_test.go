package secret

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/rs/zerolog"
)

func newStore(t *testing.T, cfg Config) *Store {
	t.Helper()
	s, err := New(cfg, zerolog.Nop())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestEnvLookup(t *testing.T) {
	t.Setenv("FLOWHOOK_SECRET_CRM_API_KEY", "env-value")
	t.Setenv("FLOWHOOK_SECRET_EMPTY", "")
	t.Setenv("OTHER_CRM_API_KEY", "other-value")
	t.Setenv("FLOWHOOK_SECRET_", "no name")
	s := newStore(t, Config{})
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"crm.api-key", "env-value", true},
		{"crm-api-key", "env-value", true},
		{"CRM_API_KEY", "env-value", true},
		{"Crm.Api.Key", "env-value", true},
		{"empty", "", true},
		{"crm", "", false},
		{"", "", false},
		{"missing", "", false},
	}
	for _, tt := range tests {
		if got, ok := s.shared(tt.name); got != tt.want || ok != tt.ok {
			t.Errorf("Secret(%q) = %q, %v, want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	custom := newStore(t, Config{EnvPrefix: "OTHER_"})
	if got, ok := custom.shared("crm.api.key"); !ok || got != "other-value" {
		t.Errorf("custom prefix: %q, %v", got, ok)
	}
}

func TestDirLookup(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"plain":        "v",
		"newline":      "v\n",
		"two-newlines": "v\n\n",
		"crlf":         "v\r\n",
		"inner":        "a\nb\n",
		"empty":        "",
		".hidden":      "h",
	}
	for name, content := range files {
		writeFile(t, filepath.Join(dir, name), content)
	}
	if err := os.Mkdir(filepath.Join(dir, "subdir"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "subdir", "nested"), "n")
	other := filepath.Join(t.TempDir(), "target")
	writeFile(t, other, "linked\n")
	if err := os.Symlink(other, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "big"), strings.Repeat("x", MaxFileSize+1))

	s := newStore(t, Config{Dir: dir})
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"plain", "v", true},
		{"newline", "v", true},
		{"two-newlines", "v\n", true},
		{"crlf", "v", true},
		{"inner", "a\nb", true},
		{"empty", "", true},
		{"link", "linked", true},
		{".hidden", "", false},
		{"subdir", "", false},
		{"subdir/nested", "", false},
		{"../" + filepath.Base(dir) + "/plain", "", false},
		{"big", "", false},
		{"missing", "", false},
	}
	for _, tt := range tests {
		if got, ok := s.shared(tt.name); got != tt.want || ok != tt.ok {
			t.Errorf("Secret(%q) = %q, %v, want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFilesWinOverEnv(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "token"), "from-file\n")
	t.Setenv("FLOWHOOK_SECRET_TOKEN", "from-env")
	t.Setenv("FLOWHOOK_SECRET_ONLY_ENV", "env")
	s := newStore(t, Config{Dir: dir})
	if got, _ := s.shared("token"); got != "from-file" {
		t.Errorf("token = %q, want the file's value", got)
	}
	if got, _ := s.shared("only-env"); got != "env" {
		t.Errorf("only-env = %q, want the env value", got)
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"missing dir", Config{Dir: filepath.Join(t.TempDir(), "nope")}, os.ErrNotExist},
		{"negative reload", Config{Reload: -1}, ErrInvalidConfig},
		{"prefix with =", Config{EnvPrefix: "A="}, ErrInvalidConfig},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg, zerolog.Nop()); !errors.Is(err, tt.want) {
			t.Errorf("%s: New = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestLogsCarryNoValues(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a"), "file-secret-value")
	writeFile(t, filepath.Join(dir, "big"), strings.Repeat("big-secret-value", MaxFileSize))
	t.Setenv("FLOWHOOK_SECRET_B", "env-secret-value")
	var buf bytes.Buffer
	s, err := New(Config{Dir: dir}, zerolog.New(&buf))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "a"), "new-secret-value")
	s.poll()
	out := buf.String()
	if !strings.Contains(out, "secret reloaded") || !strings.Contains(out, "secret file skipped") {
		t.Errorf("expected load, skip and reload logs, got %s", out)
	}
	if strings.Contains(out, "secret-value") {
		t.Errorf("a value was logged: %s", out)
	}
}

func TestEnvKey(t *testing.T) {
	tests := map[string]string{
		"crm.api-key": "CRM_API_KEY",
		"CRM_API_KEY": "CRM_API_KEY",
		"a1.b2":       "A1_B2",
		"ümlaut":      "üMLAUT",
	}
	for in, want := range tests {
		if got := envKey(in); got != want {
			t.Errorf("envKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzEnvKey: the mapping keeps every rune but '.', '-' and lower-case
// ASCII letters, and is idempotent.
func FuzzEnvKey(f *testing.F) {
	for _, s := range []string{"crm.api-key", "A_B", "", "é.-x", "..data"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		k := envKey(name)
		if strings.ContainsAny(k, ".-") {
			t.Fatalf("envKey(%q) = %q keeps '.' or '-'", name, k)
		}
		if strings.ContainsFunc(k, func(r rune) bool { return r < unicode.MaxASCII && unicode.IsLower(r) }) {
			t.Fatalf("envKey(%q) = %q keeps lower-case ASCII", name, k)
		}
		if envKey(k) != k {
			t.Fatalf("envKey not idempotent on %q", name)
		}
	})
}
