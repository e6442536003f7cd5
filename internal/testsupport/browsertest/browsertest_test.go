package browsertest

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func onPath(found ...string) func(string) (string, error) {
	return func(name string) (string, error) {
		for _, f := range found {
			if name == f || strings.HasSuffix(f, "/"+name) {
				return f, nil
			}
		}
		return "", errors.New("not found")
	}
}

func TestFind(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      map[string]string
		path     []string
		want     string
		whyParts []string
	}{
		{"debian package", nil, []string{"/usr/bin/chromium"}, "/usr/bin/chromium", nil},
		{"other name", nil, []string{"/opt/google-chrome"}, "/opt/google-chrome", nil},
		{"variable wins", map[string]string{EnvChromium: "/x/chrome"}, []string{"/x/chrome", "/usr/bin/chromium"}, "/x/chrome", nil},
		{"variable pointing nowhere", map[string]string{EnvChromium: "/nowhere/chrome"}, []string{"/usr/bin/chromium"}, "", []string{EnvChromium + "=/nowhere/chrome", "not an executable"}},
		{"nothing", nil, nil, "", []string{"chromium not found"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, why := Find(env(tc.env), onPath(tc.path...))
			if got != tc.want {
				t.Errorf("path %q, want %q", got, tc.want)
			}
			for _, p := range tc.whyParts {
				if !strings.Contains(why, p) {
					t.Errorf("why %q lacks %q", why, p)
				}
			}
		})
	}
}

// TestMissing: without a browser a test skips with one line saying how to
// run it, and fails where browser tests are required (CI, or .ci/run's
// variable).
func TestMissing(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		fail bool
		want []string
	}{
		{nil, false, []string{"skipped", "apt-get install -y chromium", EnvChromium, "CI=true"}},
		{map[string]string{"CI": "false"}, false, []string{"skipped"}},
		{map[string]string{"CI": "true"}, true, []string{"required here (CI=true)", "apt-get install -y chromium"}},
		{map[string]string{"CI": "1"}, true, []string{"required here (CI=1)"}},
		{map[string]string{EnvRequired: "required"}, true, []string{"required here (" + EnvRequired + "=required)"}},
		{map[string]string{EnvRequired: "required", "CI": "false"}, true, []string{"required"}},
	} {
		msg, fail := Missing("chromium not found on PATH", env(tc.env))
		if fail != tc.fail {
			t.Errorf("env %v: fail %v, want %v (%s)", tc.env, fail, tc.fail, msg)
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("env %v: message spans lines: %q", tc.env, msg)
		}
		for _, p := range tc.want {
			if !strings.Contains(msg, p) {
				t.Errorf("env %v: message %q lacks %q", tc.env, msg, p)
			}
		}
	}
}

// TestCIRequiresBrowserTests keeps CI running the browser tests: .ci/run
// installs Chromium and sets the variable that makes a missing browser
// fail; the README says how the tests behave without one.
func TestCIRequiresBrowserTests(t *testing.T) {
	run, err := os.ReadFile("../../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"export " + EnvRequired + "=required", "apt-get install", "chromium"} {
		if !strings.Contains(string(run), want) {
			t.Errorf(".ci/run lacks %q", want)
		}
	}
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{EnvChromium, EnvRequired + "=required", "`CI=true`"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README.md lacks %q", want)
		}
	}
}
