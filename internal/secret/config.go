package secret

import (
	"fmt"
	"strings"
	"time"
)

// Defaults applied by New to zero-valued Config fields.
const (
	DefaultEnvPrefix = "FLOWHOOK_SECRET_"
	DefaultReload    = 5 * time.Second
)

// MaxFileSize bounds a secret file; larger files are skipped with a warning.
const MaxFileSize = 64 << 10

// Config configures a Store.
type Config struct {
	// EnvPrefix starts the environment variables read. Default
	// "FLOWHOOK_SECRET_".
	EnvPrefix string
	// Dir is a directory of secret files: Dir/<account>/<name> for an
	// account's secrets, Dir/<name> for shared ones. Optional.
	Dir string
	// Grants let accounts resolve shared secrets; without a grant no
	// account can.
	Grants []Grant
	// Reload is the interval at which Run polls Dir. Default 5s.
	Reload time.Duration
}

func (cfg Config) withDefaults() Config {
	if cfg.EnvPrefix == "" {
		cfg.EnvPrefix = DefaultEnvPrefix
	}
	if cfg.Reload == 0 {
		cfg.Reload = DefaultReload
	}
	return cfg
}

func (cfg Config) validate() error {
	if cfg.Reload < 0 {
		return fmt.Errorf("%w: negative reload interval", ErrInvalidConfig)
	}
	if strings.Contains(cfg.EnvPrefix, "=") {
		return fmt.Errorf("%w: env prefix contains '='", ErrInvalidConfig)
	}
	for _, g := range cfg.Grants {
		if err := g.validate(); err != nil {
			return err
		}
	}
	return nil
}
