// Package browsertest opens pages in a real headless Chromium for the tests
// of flowhook's web pages (the inspect page, the node stats page).
//
// A browser is optional on a developer's machine and required in CI: when
// no Chromium is found, Open skips the test with one line saying how to run
// it, unless browser tests are required — CI=true, or
// FLOWHOOK_BROWSER_TESTS=required (which .ci/run sets) — and then the test
// fails. Chromium is found at $FLOWHOOK_CHROMIUM, else as chromium (Debian's
// package), chromium-browser, google-chrome or google-chrome-stable on PATH.
//
// Only tests import this package, so the flowhook binary never links the
// browser driver.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// EnvChromium names the Chromium executable to use.
const EnvChromium = "FLOWHOOK_CHROMIUM"

// EnvRequired, set to "required", makes a missing Chromium fail browser
// tests instead of skipping them.
const EnvRequired = "FLOWHOOK_BROWSER_TESTS"

// names are the executables looked up on PATH, in order.
var names = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Find returns the Chromium executable to use, or "" and why none was
// found.
func Find(getenv func(string) string, lookPath func(string) (string, error)) (path, why string) {
	if p := getenv(EnvChromium); p != "" {
		if resolved, err := lookPath(p); err == nil {
			return resolved, ""
		}
		return "", fmt.Sprintf("%s=%s is not an executable", EnvChromium, p)
	}
	for _, n := range names {
		if p, err := lookPath(n); err == nil {
			return p, ""
		}
	}
	return "", "chromium not found on PATH"
}

// Required reports whether browser tests must run here (CI=true or
// FLOWHOOK_BROWSER_TESTS=required), and which setting says so.
func Required(getenv func(string) string) (bool, string) {
	if getenv(EnvRequired) == "required" {
		return true, EnvRequired + "=required"
	}
	if ci, err := strconv.ParseBool(getenv("CI")); err == nil && ci {
		return true, "CI=" + getenv("CI")
	}
	return false, ""
}

// Missing is what a test without a browser does: the message, and whether
// it fails (browser tests required) rather than skips.
func Missing(why string, getenv func(string) string) (msg string, fail bool) {
	if req, by := Required(getenv); req {
		return fmt.Sprintf("browser test required here (%s) but %s: apt-get install -y chromium, or set %s to a Chromium executable",
			by, why, EnvChromium), true
	}
	return fmt.Sprintf("browser test skipped: %s; to run it: apt-get install -y chromium (or set %s=/path/to/chromium); CI=true or %s=required makes a missing browser fail",
		why, EnvChromium, EnvRequired), false
}

// Open starts a headless Chromium with a fresh profile and returns a tab's
// context, bounded to timeout; everything is torn down when the test ends.
// Without Chromium it skips the test, or fails it when browser tests are
// required (see the package doc).
func Open(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	path, why := Find(os.Getenv, exec.LookPath)
	if path == "" {
		msg, fail := Missing(why, os.Getenv)
		if fail {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
	})
	return ctx
}
