package secret

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/testsupport/poll"
)

// runStore starts Run with a short interval and stops it at cleanup.
func runStore(t *testing.T, dir string) *Store {
	t.Helper()
	s := newStore(t, Config{Dir: dir, Reload: 5 * time.Millisecond})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	})
	return s
}

func has(s *Store, name, want string) func() bool {
	return func() bool { v, ok := s.shared(name); return ok && v == want }
}

func gone(s *Store, name string) func() bool {
	return func() bool { _, ok := s.shared(name); return !ok }
}

func TestReloadPicksUpChanges(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "token"), "old1\n")
	writeFile(t, filepath.Join(dir, "doomed"), "x")
	s := runStore(t, dir)

	// Same size, written right away: mtime may not move, the racy window
	// must still catch it.
	writeFile(t, filepath.Join(dir, "token"), "new1\n")
	poll.Until(t, 5*time.Second, "the updated value is read", has(s, "token", "new1"))

	writeFile(t, filepath.Join(dir, "added"), "a")
	poll.Until(t, 5*time.Second, "the added file is read", has(s, "added", "a"))

	if err := os.Remove(filepath.Join(dir, "doomed")); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, 5*time.Second, "the removed file is gone", gone(s, "doomed"))
}

// k8sVolume writes files the way the kubelet updates a secret volume: a new
// ..<timestamp> directory, a ..data link swapped atomically onto it, and
// top-level links name -> ..data/name.
type k8sVolume struct {
	dir string
	gen int
}

func (v *k8sVolume) write(t *testing.T, files map[string]string) {
	t.Helper()
	v.gen++
	ts := fmt.Sprintf("..2026_01_01_00_00_%02d.%d", v.gen, v.gen)
	if err := os.Mkdir(filepath.Join(v.dir, ts), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		writeFile(t, filepath.Join(v.dir, ts, name), content)
	}
	old, _ := os.Readlink(filepath.Join(v.dir, "..data"))
	tmp := filepath.Join(v.dir, "..data_tmp")
	if err := os.Symlink(ts, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(v.dir, "..data")); err != nil {
		t.Fatal(err)
	}
	for name := range files {
		link := filepath.Join(v.dir, name)
		if _, err := os.Lstat(link); os.IsNotExist(err) {
			if err := os.Symlink(filepath.Join("..data", name), link); err != nil {
				t.Fatal(err)
			}
		}
	}
	if old != "" {
		os.RemoveAll(filepath.Join(v.dir, old))
	}
}

func TestKubernetesSymlinkSwap(t *testing.T) {
	vol := &k8sVolume{dir: t.TempDir()}
	vol.write(t, map[string]string{"api-key": "key-v1\n", "user": "u"})
	s := runStore(t, vol.dir)
	if v, ok := s.shared("api-key"); !ok || v != "key-v1" {
		t.Fatalf("api-key = %q, %v", v, ok)
	}
	for _, name := range []string{"..data", "..data/api-key", vol.dirGen(1)} {
		if _, ok := s.shared(name); ok {
			t.Errorf("%q resolved as a secret", name)
		}
	}
	vol.write(t, map[string]string{"api-key": "key-v2\n", "user": "u"})
	poll.Until(t, 5*time.Second, "the swapped value is read", has(s, "api-key", "key-v2"))
	if v, _ := s.shared("user"); v != "u" {
		t.Errorf("user = %q after swap", v)
	}
}

func (v *k8sVolume) dirGen(gen int) string {
	return fmt.Sprintf("..2026_01_01_00_00_%02d.%d", gen, gen)
}

func TestRunWithoutDirWaitsForContext(t *testing.T) {
	s := newStore(t, Config{})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
}

func TestUnreadableDirKeepsValues(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "secrets")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "token"), "kept")
	s := newStore(t, Config{Dir: dir})
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	s.poll()
	if v, ok := s.shared("token"); !ok || v != "kept" {
		t.Errorf("token = %q, %v after the dir vanished", v, ok)
	}
}

// TestConcurrentReads: readers never block or race with reloads (-race).
func TestConcurrentReads(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "token"), "v0")
	t.Setenv("FLOWHOOK_SECRET_ENV_TOKEN", "e")
	s := runStore(t, dir)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if v, ok := s.shared("token"); !ok || len(v) != 2 {
					t.Errorf("token = %q, %v", v, ok)
					return
				}
				if v, _ := s.shared("env.token"); v != "e" {
					t.Errorf("env.token = %q", v)
					return
				}
			}
		})
	}
	for i := 1; i <= 5; i++ {
		want := fmt.Sprintf("v%d", i)
		writeAtomic(t, filepath.Join(dir, "token"), want)
		poll.Until(t, 5*time.Second, "token is "+want, has(s, "token", want))
	}
	close(stop)
	wg.Wait()
}

// writeAtomic replaces path by renaming a new file over it, so a reader sees
// the old or the new content, never a partial write.
func writeAtomic(t *testing.T, path, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	writeFile(t, tmp, content)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestRacyWindow: a file changed again within its mtime's clock tick (same
// size, same mtime) is still picked up while the mtime is recent; once the
// state is old and unchanged, polls do not read the files.
func TestRacyWindow(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token")
	mtime := time.Now().Add(-time.Second) // recent: New's scan is racy
	writeWithMtime := func(content string) {
		writeFile(t, path, content)
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	writeWithMtime("v1")
	s, err := New(Config{Dir: dir}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	now := mtime.Add(time.Second) // still within racyWindow
	s.now = func() time.Time { return now }

	writeWithMtime("v2") // invisible to the fingerprint
	s.poll()
	if v, _ := s.shared("token"); v != "v2" {
		t.Fatalf("token = %q, want v2 (racy state re-read)", v)
	}
	now = mtime.Add(time.Hour)
	s.poll() // state no longer racy
	writeWithMtime("v3")
	s.poll()
	if v, _ := s.shared("token"); v != "v2" {
		t.Errorf("token = %q: an unchanged, settled directory was read again", v)
	}
	if err := os.Chtimes(path, mtime, mtime.Add(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	s.poll()
	if v, _ := s.shared("token"); v != "v3" {
		t.Errorf("token = %q, want v3 after the mtime moved", v)
	}
}
