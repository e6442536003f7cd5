package secret

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Store resolves secret names to values within an account's scope (see
// the package documentation). Secret is safe for concurrent use by multiple
// goroutines and does not lock; Run replaces the files' values as a whole,
// so a reader sees either the old or the new set.
type Store struct {
	cfg    Config
	log    zerolog.Logger
	env    map[string]string // by variable name without the prefix; never modified
	grants grants            // never modified
	files  atomic.Pointer[map[scoped]string]
	now    func() time.Time

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
	s := &Store{cfg: cfg, log: log, env: readEnv(cfg.EnvPrefix), grants: newGrants(cfg.Grants), now: time.Now}
	files := map[scoped]string{}
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
	s.log.Info().Int("files", len(files)).Int("env", len(s.env)).Int("grants", len(s.grants)).Msg("secrets loaded")
	return s, nil
}

// Secret returns the value of account's secret name and whether it
// exists: the account's own secret (file, then environment), else a shared
// secret of that name the operator granted to account. An existing secret
// may be empty. An invalid account resolves nothing.
func (s *Store) Secret(account, name string) (string, bool) {
	v, src := s.lookup(account, name)
	return v, src != NotFound
}

// Source says where a secret resolved from.
type Source int

// Sources, from most to least specific.
const (
	NotFound Source = iota
	// AccountFile is Dir/<account>/<name>; AccountEnv the account's
	// environment variable.
	AccountFile
	AccountEnv
	// SharedFile is Dir/<name>; SharedEnv the shared environment
	// variable: both only when granted to the account.
	SharedFile
	SharedEnv
)

// String names the source for people.
func (src Source) String() string {
	switch src {
	case AccountFile:
		return "account file"
	case AccountEnv:
		return "account environment"
	case SharedFile:
		return "shared file (granted)"
	case SharedEnv:
		return "shared environment (granted)"
	default:
		return "not found"
	}
}

// Lookup is Secret that also says where the value came from, for
// commands that show a node's secrets without their values.
func (s *Store) Lookup(account, name string) Source {
	_, src := s.lookup(account, name)
	return src
}

func (s *Store) lookup(account, name string) (string, Source) {
	if name == "" || !flowevent.ValidAccount(account) {
		return "", NotFound
	}
	own := scoped{account: account, name: name}
	if v, ok := (*s.files.Load())[own]; ok {
		return v, AccountFile
	}
	if v, ok := s.fromEnv(own); ok {
		return v, AccountEnv
	}
	if !s.grants.allow(account, name) {
		return "", NotFound
	}
	shared := scoped{name: name}
	if v, ok := (*s.files.Load())[shared]; ok {
		return v, SharedFile
	}
	if v, ok := s.fromEnv(shared); ok {
		return v, SharedEnv
	}
	return "", NotFound
}

func (s *Store) fromEnv(sc scoped) (string, bool) {
	k, ok := envKeyOf(sc)
	if !ok {
		return "", false
	}
	v, ok := s.env[k]
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
