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

// scanDir stats the secret files of dir (following symbolic links).
func scanDir(dir string, now time.Time) (dirState, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return dirState{}, fmt.Errorf("scan dir: %w", err)
	}
	h := fnv.New64a()
	target, _ := os.Readlink(filepath.Join(dir, "..data"))
	h.Write([]byte(target + "\x00"))
	var st dirState
	for _, e := range entries {
		if hidden(e.Name()) {
			continue
		}
		info, err := os.Stat(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // vanished or dangling mid-swap: the next poll sees the result
		}
		mtime := info.ModTime()
		h.Write([]byte(e.Name() + "\x00" + strconv.FormatInt(info.Size(), 10) + "\x00" +
			strconv.FormatInt(mtime.UnixNano(), 10) + "\x00" + info.Mode().String() + "\x00"))
		if now.Sub(mtime) < racyWindow {
			st.racy = true
		}
	}
	st.sum = h.Sum64()
	return st, nil
}

// readDir reads every secret file of the configured directory.
func (s *Store) readDir() (map[string]string, error) {
	entries, err := os.ReadDir(s.cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("read dir: %w", err)
	}
	files := make(map[string]string, len(entries))
	for _, e := range entries {
		if hidden(e.Name()) {
			continue
		}
		v, ok, err := readFile(filepath.Join(s.cfg.Dir, e.Name()))
		if err != nil {
			s.log.Warn().Str("name", e.Name()).Err(err).Msg("secret file skipped")
			continue
		}
		if ok {
			files[e.Name()] = v
		}
	}
	return files, nil
}

var errTooLarge = errors.New("secret: file larger than MaxFileSize")

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
