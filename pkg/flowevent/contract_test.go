package flowevent

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// goConstants collects, from this package's source, the values of the
// constants of each named type, and of the untyped Method* constants under
// "Method", so that a constant added in Go and not in the schemas fails.
func goConstants(t *testing.T) map[string][]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		collectConstants(f, out)
	}
	for k := range out {
		slices.Sort(out[k])
	}
	return out
}

// collectConstants adds the string constants of f to out, by type name.
func collectConstants(f *ast.File, out map[string][]string) {
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			typ := ""
			if id, ok := vs.Type.(*ast.Ident); ok {
				typ = id.Name
			} else if strings.HasPrefix(vs.Names[0].Name, "Method") {
				typ = "Method"
			}
			for _, v := range vs.Values {
				if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING && typ != "" {
					s, _ := strconv.Unquote(lit.Value)
					out[typ] = append(out[typ], s)
				}
			}
		}
	}
}

// schemaEnum reads an enum (or const) at a path of $defs in a schema file.
func schemaEnum(t *testing.T, file string, path ...string) []string {
	t.Helper()
	var node any = loadJSON(t, filepath.Join(schemaDir, file))
	for _, p := range path {
		node = node.(map[string]any)[p]
	}
	var out []string
	m := node.(map[string]any)
	if c, ok := m["const"]; ok {
		return []string{c.(string)}
	}
	for _, v := range m["enum"].([]any) {
		out = append(out, v.(string))
	}
	slices.Sort(out)
	return out
}

func TestSchemaEnumsMatchGo(t *testing.T) {
	goc := goConstants(t)
	tests := []struct {
		goType string
		file   string
		path   []string
	}{
		{"Reason", "outcome.schema.json", []string{"$defs", "reason"}},
		{"Route", "request.schema.json", []string{"$defs", "route"}},
		{"Method", "request.schema.json", []string{"$defs", "method"}},
		{"ParamSource", "request.schema.json", []string{"$defs", "paramSource"}},
		{"CheckKind", "request.schema.json", []string{"$defs", "checkKind"}},
		{"AuthKind", "request.schema.json", []string{"$defs", "authKind"}},
		{"ClientAuth", "request.schema.json", []string{"$defs", "clientAuth"}},
	}
	for _, tt := range tests {
		t.Run(tt.goType, func(t *testing.T) {
			want := goc[tt.goType]
			if len(want) < 2 {
				t.Fatalf("found only %v in the Go source", want)
			}
			if got := schemaEnum(t, tt.file, tt.path...); !slices.Equal(got, want) {
				t.Errorf("schema %v, Go %v", got, want)
			}
		})
	}
}

func TestSchemaConstantsMatchGo(t *testing.T) {
	tests := []struct {
		file string
		path []string
		want string
	}{
		{"request.schema.json", []string{"$defs", "event", "allOf", "1", "properties", "type"}, RequestType},
		{"outcome.schema.json", []string{"$defs", "event", "allOf", "1", "properties", "type"}, OutcomeType},
		{"deadletter.schema.json", []string{"$defs", "event", "allOf", "1", "properties", "type"}, DeadLetterType},
		{"outcome.schema.json", []string{"$defs", "event", "allOf", "1", "properties", "source"}, OutcomeSource},
		{"cloudevent.schema.json", []string{"properties", "specversion"}, SpecVersion},
	}
	for _, tt := range tests {
		var node any = loadJSON(t, filepath.Join(schemaDir, tt.file))
		for _, p := range tt.path {
			if arr, ok := node.([]any); ok {
				i, _ := strconv.Atoi(p)
				node = arr[i]
				continue
			}
			node = node.(map[string]any)[p]
		}
		if got := node.(map[string]any)["const"]; got != tt.want {
			t.Errorf("%s %v: const %v, want %q", tt.file, tt.path, got, tt.want)
		}
	}
}

// asyncAPI loads the AsyncAPI document.
func asyncAPI(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(schemaDir, "asyncapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestAsyncAPIChannels(t *testing.T) {
	doc := asyncAPI(t)
	if doc["asyncapi"] != "3.0.0" {
		t.Fatalf("asyncapi = %v", doc["asyncapi"])
	}
	want := map[string]string{
		"request":    RequestSubjectPrefix + "{account}",
		"outcome":    OutcomeSubjectPrefix + "{account}.{outcomeKey}",
		"deadletter": DeadLetterSubjectPrefix + "{account}",
		// flowhook's own scheduled tries (internal/bus.ScheduleSubjectPrefix,
		// not importable here without a cycle).
		"schedule": "flowhook.schedule.{account}.{outcomeKey}",
	}
	channels := doc["channels"].(map[string]any)
	if len(channels) != len(want) {
		t.Errorf("channels %v", channels)
	}
	for name, addr := range want {
		ch, ok := channels[name].(map[string]any)
		if !ok || ch["address"] != addr {
			t.Errorf("channel %s = %v, want address %s", name, ch, addr)
		}
	}
	wantOps := map[string]string{"receiveRequest": "receive", "sendOutcome": "send", "sendDeadLetter": "send", "scheduleTry": "send"}
	ops := doc["operations"].(map[string]any)
	for name, action := range wantOps {
		op, ok := ops[name].(map[string]any)
		if !ok || op["action"] != action {
			t.Errorf("operation %s = %v, want action %s", name, op, action)
		}
	}
}

func TestAsyncAPIRefsResolve(t *testing.T) {
	doc := asyncAPI(t)
	refs := collectRefs(doc, nil)
	if len(refs) < 10 {
		t.Fatalf("only %d $refs found", len(refs))
	}
	files := 0
	for _, ref := range refs {
		file, fragment, _ := strings.Cut(ref, "#")
		target := any(doc)
		if file != "" {
			files++
			path := filepath.Join(schemaDir, filepath.FromSlash(file))
			if _, err := os.Stat(path); err != nil {
				t.Errorf("$ref %s: %v", ref, err)
				continue
			}
			target = loadJSON(t, path)
		}
		if _, ok := resolvePointer(target, fragment); !ok {
			t.Errorf("$ref %s does not resolve", ref)
		}
	}
	if files < 3 {
		t.Errorf("only %d $refs point to schema files", files)
	}
}

// collectRefs returns every $ref value in a decoded YAML or JSON tree.
func collectRefs(node any, out []string) []string {
	switch n := node.(type) {
	case map[string]any:
		for k, v := range n {
			if s, ok := v.(string); ok && k == "$ref" {
				out = append(out, s)
				continue
			}
			out = collectRefs(v, out)
		}
	case []any:
		for _, v := range n {
			out = collectRefs(v, out)
		}
	}
	return out
}

// resolvePointer follows a JSON pointer ("/a/b", "" for the root).
func resolvePointer(node any, pointer string) (any, bool) {
	if pointer == "" {
		return node, true
	}
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch n := node.(type) {
		case map[string]any:
			v, ok := n[tok]
			if !ok {
				return nil, false
			}
			node = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n) {
				return nil, false
			}
			node = n[i]
		default:
			return nil, false
		}
	}
	return node, true
}
