package secret

import (
	"context"
	"maps"
	"time"
)

// Run polls Dir every Reload interval and replaces the files' values when
// the directory changed, until ctx is done; it then returns nil. A change is
// seen through names, sizes, mtimes and the target of Kubernetes' ..data
// link; files modified very recently are read again at the next poll, since
// a further change may not move their mtime. A directory that cannot be
// read keeps the previous values and is retried. With no Dir, Run only
// waits for ctx.
func (s *Store) Run(ctx context.Context) error {
	if s.cfg.Dir == "" {
		<-ctx.Done()
		return nil
	}
	tick := time.NewTicker(s.cfg.Reload)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			s.poll()
		}
	}
}

// poll re-reads the directory if its state changed or was racy.
func (s *Store) poll() {
	s.pollMu.Lock()
	defer s.pollMu.Unlock()
	st, err := scanDir(s.cfg.Dir, s.now())
	if err != nil {
		s.log.Warn().Err(err).Msg("secret dir not readable; keeping previous values")
		return
	}
	if st.sum == s.last.sum && !s.last.racy {
		return
	}
	files, err := s.readDir()
	if err != nil {
		s.log.Warn().Err(err).Msg("secret dir not readable; keeping previous values")
		return
	}
	s.last = st
	if maps.Equal(files, *s.files.Load()) {
		return
	}
	s.files.Store(&files)
	s.log.Info().Int("files", len(files)).Int("env", len(s.env)).Msg("secret reloaded")
}
