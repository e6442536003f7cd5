package secret

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Store resolves secret names to values. Secret is safe for concurrent use
// by multiple goroutines and does not lock; Run replaces the files' values
// as a whole, so a reader sees either the old or the new set.
type Store struct {
	cfg   Config
	log   zerolog.Logger
	env   map[string]string // by variable name without the prefix; never modified
	files atomic.Pointer[map[string]string]
	now   func() time.Time

	pollMu sync.Mutex // serialises polls; guards last
	last   dirState
}

// New reads the environment and, when cfg.Dir is set, the directory. It
// fails when cfg is invalid or Dir cannot be read; files that cannot be
// used (too large, unreadable) are skipped with a warning.
func New(cfg Config, log zerolog.Logger) (*Store, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Store{cfg: cfg, log: log, env: readEnv(cfg.EnvPrefix), now: time.Now}
	files := map[string]string{}
	if cfg.Dir != "" {
		st, err := scanDir(cfg.Dir, s.now())
		if err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
		if files, err = s.readDir(); err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
		s.last = st
	}
	s.files.Store(&files)
	s.log.Info().Int("files", len(files)).Int("env", len(s.env)).Msg("secrets loaded")
	return s, nil
}

// Secret returns the value of the named secret and whether it exists: the
// file Dir/<name> if there is one, else the environment variable for name
// (see the package documentation). An existing secret may be empty.
func (s *Store) Secret(name string) (string, bool) {
	if name == "" {
		return "", false
	}
	if v, ok := (*s.files.Load())[name]; ok {
		return v, true
	}
	v, ok := s.env[envKey(name)]
	return v, ok
}

// readEnv returns the environment variables starting with prefix, keyed by
// the rest of their name.
func readEnv(prefix string) map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if rest, ok := strings.CutPrefix(k, prefix); ok && rest != "" {
			env[rest] = v
		}
	}
	return env
}

// EnvVar returns the environment variable a secret is read from: prefix
// (DefaultEnvPrefix when empty), then the name with ASCII letters
// upper-cased and '.' and '-' replaced by '_'.
func EnvVar(prefix, name string) string {
	if prefix == "" {
		prefix = DefaultEnvPrefix
	}
	return prefix + envKey(name)
}

// envKey maps a secret name to its environment variable without the prefix:
// ASCII letters upper-cased, '.' and '-' replaced by '_'.
func envKey(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r == '.' || r == '-':
			return '_'
		}
		return r
	}, name)
}
