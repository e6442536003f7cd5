package secret

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// racyWindow: a file modified this recently may be modified again without
// its mtime changing (file systems stamp with a coarse clock), so its
// state is not trusted and the directory is read again at the next poll.
const racyWindow = 2 * time.Second

// dirState summarises what a poll can see cheaply: names, sizes, mtimes
// and the Kubernetes ..data link target.
type dirState struct {
	sum  uint64
	racy bool // some file changed within racyWindow of the scan
}

// scanDir stats the secret files of dir and of its account directories
// (following symbolic links).
func scanDir(dir string, now time.Time) (dirState, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return dirState{}, fmt.Errorf("scan dir: %w", err)
	}
	h := fnv.New64a()
	target, _ := os.Readlink(filepath.Join(dir, "..data"))
	h.Write([]byte(target + "\x00"))
	var st dirState
	stat := func(rel string) (fs.FileInfo, bool) {
		info, err := os.Stat(filepath.Join(dir, rel))
		if err != nil {
			return nil, false // vanished or dangling mid-swap: the next poll sees the result
		}
		mtime := info.ModTime()
		h.Write([]byte(rel + "\x00" + strconv.FormatInt(info.Size(), 10) + "\x00" +
			strconv.FormatInt(mtime.UnixNano(), 10) + "\x00" + info.Mode().String() + "\x00"))
		if now.Sub(mtime) < racyWindow {
			st.racy = true
		}
		return info, true
	}
	for _, e := range entries {
		if hidden(e.Name()) {
			continue
		}
		info, ok := stat(e.Name())
		if !ok || !info.IsDir() || !flowevent.ValidAccount(e.Name()) {
			continue
		}
		sub, err := os.ReadDir(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		for _, f := range sub {
			if !hidden(f.Name()) {
				stat(filepath.Join(e.Name(), f.Name()))
			}
		}
	}
	st.sum = h.Sum64()
	return st, nil
}

// readDir reads every secret file of the configured directory: regular
// files in it are shared secrets, regular files in its subdirectories named
// after valid account ids are those accounts' secrets.
func (s *Store) readDir() (map[scoped]string, error) {
	entries, err := os.ReadDir(s.cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("read dir: %w", err)
	}
	files := make(map[scoped]string, len(entries))
	for _, e := range entries {
		if hidden(e.Name()) {
			continue
		}
		path := filepath.Join(s.cfg.Dir, e.Name())
		if info, err := os.Stat(path); err == nil && info.IsDir() {
			if flowevent.ValidAccount(e.Name()) {
				s.readAccountDir(files, e.Name())
			}
			continue
		}
		s.readSecret(files, scoped{name: e.Name()}, e.Name())
	}
	return files, nil
}

// readAccountDir reads the secret files of one account's directory.
func (s *Store) readAccountDir(files map[scoped]string, account string) {
	entries, err := os.ReadDir(filepath.Join(s.cfg.Dir, account))
	if err != nil {
		s.log.Warn().Str("account", account).Err(err).Msg("secret account directory skipped")
		return
	}
	for _, e := range entries {
		if !hidden(e.Name()) {
			s.readSecret(files, scoped{account: account, name: e.Name()}, filepath.Join(account, e.Name()))
		}
	}
}

// readSecret reads the file at rel (within Dir) into files under sc.
func (s *Store) readSecret(files map[scoped]string, sc scoped, rel string) {
	v, ok, err := readFile(filepath.Join(s.cfg.Dir, rel))
	if err != nil {
		s.log.Warn().Str("name", rel).Err(err).Msg("secret file skipped")
		return
	}
	if ok {
		files[sc] = v
	}
}

// readFile returns the value of the secret file at path, ok false when path
// is not a regular file (after following links) or no longer exists.
func readFile(path string) (string, bool, error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if !info.Mode().IsRegular() {
		return "", false, nil
	}
	if info.Size() > MaxFileSize {
		return "", false, errTooLarge
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return trimLineEnding(string(b)), true, nil
}

// trimLineEnding removes one trailing "\n" or "\r\n".
func trimLineEnding(v string) string {
	if v, ok := strings.CutSuffix(v, "\n"); ok {
		return strings.TrimSuffix(v, "\r")
	}
	return v
}

// hidden reports names that are never secrets: dot files, among them
// Kubernetes' ..data link and ..<timestamp> directories.
func hidden(name string) bool { return strings.HasPrefix(name, ".") }
