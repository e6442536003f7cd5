package flowevent

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/dlclark/regexp2/v2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// ecmaRegexp is a schema pattern compiled as a JavaScript validator
// compiles it: checked against ECMA-262's Unicode-mode grammar, matched by
// regexp2's ECMAScript mode.
type ecmaRegexp struct {
	re  *regexp2.Regexp
	src string
}

func (r ecmaRegexp) MatchString(s string) bool {
	ok, err := r.re.MatchString(s)
	return ok && err == nil
}

func (r ecmaRegexp) String() string { return r.src }

func compileECMA(pattern string) (jsonschema.Regexp, error) {
	if err := checkUnicodePattern(pattern); err != nil {
		return nil, err
	}
	re, err := regexp2.Compile(pattern, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	return ecmaRegexp{re: re, src: pattern}, nil
}

func TestCheckUnicodePattern(t *testing.T) {
	valid := []string{
		`^[A-Za-z0-9_-]{1,64}$`, `^[^\x00-\x1f\x7f]*$`, `(^\.|\.\.|\.$)`, `^[!#$%&'*+.^_` + "`" + `|~0-9A-Za-z-]+$`,
		`^[a\-z]$`, `\/`, `a{2,}?`, `a{0}`, `(?:ab)+`, `(a)\1`, `(?<y>\d{4})-\k<y>`, `\u{1F600}`, `\uD83D`, `\p{L}+`,
		`[\b]`, `\0`, `\cA`, `[\d-]`, `(?=a)b`, `(?<!x)y`, `\bword\b`, `a|`, `[]`, `[^]`,
	}
	invalid := []string{
		`^a\-b$`, // the escape Ajv refused: "Invalid escape"
		`\_`, `\ `, `\q`, `a{`, `a}`, `]`, `{1}`, `*a`, `(a`, `a)`, `(?=a)*`, `\b+`, `[\d-z]`, `[z-a]`, `a{3,1}`,
		`\1`, `(a)\2`, `\k<n>`, `\c1`, `\x4`, `\u12`, `\u{110000}`, `\00`, `\`, `[a`, `(?<1a>x)`, `(?x)`, `\p{}`,
	}
	for _, p := range valid {
		if err := checkUnicodePattern(p); err != nil {
			t.Errorf("%q: %v, want valid", p, err)
		}
	}
	for _, p := range invalid {
		if err := checkUnicodePattern(p); err == nil {
			t.Errorf("%q: accepted, want a syntax error", p)
		}
	}
}

// TestEnginesAcceptWhatAjvRejects is why checkUnicodePattern exists: the
// ECMAScript engine available to Go compiles "\-" outside a class, which
// ECMA-262's Unicode mode (and so Ajv) refuses. Should regexp2 ever refuse
// it, the hand-written check can go.
func TestEnginesAcceptWhatAjvRejects(t *testing.T) {
	if _, err := regexp2.Compile(`^a\-b$`, regexp2.ECMAScript|regexp2.Unicode); err != nil {
		t.Skipf("regexp2 now refuses the escape (%v): use it instead of checkUnicodePattern", err)
	}
	if checkUnicodePattern(`^a\-b$`) == nil {
		t.Error("checkUnicodePattern accepts it too")
	}
}

// TestSchemaPatternsAreECMAScript: every "pattern" and "patternProperties"
// key in schemas/ (the JSON Schemas and the AsyncAPI document) is a valid
// ECMA-262 Unicode-mode regular expression, as JavaScript validators
// compile them, and compiling the schemas with that engine judges every
// example exactly as with Go's.
func TestSchemaPatternsAreECMAScript(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(schemaDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join(schemaDir, "asyncapi.yaml"))
	total := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := yaml.Unmarshal(b, &doc); err != nil { // YAML reads JSON too
			t.Fatalf("%s: %v", f, err)
		}
		for _, p := range schemaPatterns(doc, "") {
			total++
			if _, err := compileECMA(p.pattern); err != nil {
				t.Errorf("%s %s: pattern %q is not ECMA-262 (Unicode mode): %v", filepath.Base(f), p.where, p.pattern, err)
			}
		}
	}
	if total < 10 {
		t.Fatalf("found only %d patterns", total)
	}

	goSchemas, ecmaSchemas := eventSchemas(t), ecmaEventSchemas(t)
	examples, _ := filepath.Glob(filepath.Join(schemaDir, "testdata", "*.json"))
	for _, f := range examples {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		kind := exampleKind(f)
		goErr, ecmaErr := validateInstance(goSchemas[kind], b), validateInstance(ecmaSchemas[kind], b)
		if (goErr == nil) != (ecmaErr == nil) {
			t.Errorf("%s: Go regexps say %v, ECMAScript regexps %v", filepath.Base(f), goErr, ecmaErr)
		}
	}
}

type schemaPattern struct{ where, pattern string }

// schemaPatterns returns the regular expressions of a schema document:
// string values of "pattern" members and the keys of "patternProperties".
func schemaPatterns(v any, where string) []schemaPattern {
	var out []schemaPattern
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			child := v[k]
			if s, ok := child.(string); ok && k == "pattern" {
				out = append(out, schemaPattern{where + "/pattern", s})
				continue
			}
			if props, ok := child.(map[string]any); ok && k == "patternProperties" {
				for p := range props {
					out = append(out, schemaPattern{where + "/patternProperties", p})
				}
			}
			out = append(out, schemaPatterns(child, where+"/"+strings.ReplaceAll(k, "/", "~1"))...)
		}
	case []any:
		for i, e := range v {
			out = append(out, schemaPatterns(e, where+"/"+strconv.Itoa(i))...)
		}
	}
	return out
}

// ecmaEventSchemas is eventSchemas with ECMAScript regular expressions.
func ecmaEventSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.UseRegexpEngine(compileECMA)
	files, err := filepath.Glob(filepath.Join(schemaDir, "*.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if err := c.AddResource(schemaBase+filepath.Base(f), loadJSON(t, f)); err != nil {
			t.Fatal(err)
		}
	}
	out := map[string]*jsonschema.Schema{}
	for _, kind := range []string{"request", "outcome", "deadletter"} {
		sch, err := c.Compile(schemaBase + kind + ".schema.json#/$defs/event")
		if err != nil {
			t.Fatalf("compile %s with ECMAScript regexps: %v", kind, err)
		}
		out[kind] = sch
	}
	return out
}
