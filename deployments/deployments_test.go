// Package deployments_test checks every manifest, configuration and
// dashboard in deployments/ against flowhook itself: they parse, and the
// fields that matter agree with the code (admin paths and port, stream and
// consumer names, metric names, runbook links). The Deployment's container
// flags are parsed by the real `flowhook serve` flag set in
// cmd/flowhook/deployments_test.go.
package deployments_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/conf"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/rs/zerolog"
	"gopkg.in/yaml.v3"

	"github.com/flowhook/flowhook/internal/app"
	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/internal/metrics"
	"github.com/flowhook/flowhook/internal/testsupport/poll"
)

// doc is one Kubernetes object, loosely typed.
type doc map[string]any

// get walks a path of map keys and list indexes ("spec.template.spec").
func (d doc) get(path string) any {
	var cur any = map[string]any(d)
	for _, p := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

func (d doc) str(path string) string { s, _ := d.get(path).(string); return s }

func (d doc) num(path string) int {
	switch v := d.get(path).(type) {
	case int:
		return v
	case float64:
		return int(v)
	}
	return -1
}

// objects reads every YAML document of the kubernetes directory, by kind
// and name.
func objects(t *testing.T) map[string]doc {
	t.Helper()
	files, err := filepath.Glob("kubernetes/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	out := map[string]doc{}
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			// Decode into a plain map: yaml.v3 would give nested maps the
			// named type too.
			var m map[string]any
			err := dec.Decode(&m)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if m == nil {
				continue
			}
			d := doc(m)
			kind, name := d.str("kind"), d.str("metadata.name")
			if d.str("apiVersion") == "" || kind == "" || name == "" {
				t.Fatalf("%s: object without apiVersion, kind or metadata.name", f)
			}
			if kind != "Namespace" && d.str("metadata.namespace") != "flowhook" {
				t.Errorf("%s %s: namespace %q, want flowhook", kind, name, d.str("metadata.namespace"))
			}
			key := kind + "/" + name
			if _, dup := out[key]; dup {
				t.Errorf("%s defined twice", key)
			}
			out[key] = d
		}
	}
	return out
}

func must(t *testing.T, objs map[string]doc, key string) doc {
	t.Helper()
	d, ok := objs[key]
	if !ok {
		t.Fatalf("no %s in deployments/kubernetes", key)
	}
	return d
}

// container returns the flowhook container and its args as flag -> value.
func container(t *testing.T, dep doc) (doc, map[string]string) {
	t.Helper()
	c, ok := dep.get("spec.template.spec.containers.0").(map[string]any)
	if !ok || c["name"] != "flowhook" {
		t.Fatal("Deployment has no flowhook container")
	}
	flags := map[string]string{}
	args, _ := c["args"].([]any)
	if len(args) == 0 || args[0] != "serve" {
		t.Fatalf("container args %v, want serve first", args)
	}
	for _, a := range args[1:] {
		name, value, ok := strings.Cut(strings.TrimPrefix(a.(string), "--"), "=")
		if !ok {
			t.Fatalf("arg %q: write flags as --name=value so they can be checked", a)
		}
		flags[name] = value
	}
	return doc(c), flags
}

func TestKustomizationListsEveryManifest(t *testing.T) {
	var k struct {
		Resources []string `yaml:"resources"`
	}
	data, err := os.ReadFile("kubernetes/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("kubernetes/*.yaml")
	var want []string
	for _, f := range files {
		if b := filepath.Base(f); b != "kustomization.yaml" {
			want = append(want, b)
		}
	}
	got := slices.Clone(k.Resources)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("kustomization resources %v, want every manifest %v", got, want)
	}
}

func TestDeployment(t *testing.T) {
	objs := objects(t)
	dep := must(t, objs, "Deployment/flowhook")
	c, flags := container(t, dep)

	_, port, err := splitHostPort(flags["admin-addr"])
	if err != nil {
		t.Fatalf("--admin-addr %q: %v", flags["admin-addr"], err)
	}
	if p := c.num("ports.0.containerPort"); c.str("ports.0.name") != "admin" || p != port {
		t.Errorf("container port %s=%d, want admin=%d (the --admin-addr port)", c.str("ports.0.name"), p, port)
	}
	probes := map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz", "startupProbe": "/healthz"}
	for probe, path := range probes {
		if got := c.str(probe + ".httpGet.path"); got != path {
			t.Errorf("%s path %q, want %q (internal/app/admin.go)", probe, got, path)
		}
		if got := c.str(probe + ".httpGet.port"); got != "admin" {
			t.Errorf("%s port %q, want the admin port", probe, got)
		}
	}
	paths := []string{c.str("livenessProbe.httpGet.path"), c.str("readinessProbe.httpGet.path"),
		c.str("startupProbe.httpGet.path")}
	annotations, _ := dep.get("spec.template.metadata.annotations").(map[string]any)
	if p, _ := annotations["prometheus.io/path"].(string); p != "" {
		paths = append(paths, p)
	} else {
		t.Error("pod template lacks the prometheus.io/path annotation")
	}
	checkAdminPaths(t, paths)
	for _, p := range []string{"resources.requests.cpu", "resources.requests.memory", "resources.limits.memory"} {
		if c.get(p) == nil {
			t.Errorf("container lacks %s", p)
		}
	}
	sec := map[string]any{
		"securityContext.readOnlyRootFilesystem":   true,
		"securityContext.allowPrivilegeEscalation": false,
		"securityContext.capabilities.drop.0":      "ALL",
	}
	for p, want := range sec {
		if got := c.get(p); got != want {
			t.Errorf("container %s = %v, want %v", p, got, want)
		}
	}
	if dep.get("spec.template.spec.securityContext.runAsNonRoot") != true || dep.num("spec.template.spec.securityContext.runAsUser") != 65532 {
		t.Error("pod must run as non-root user 65532 (the image's user)")
	}

	grace, err := time.ParseDuration(flags["shutdown-grace"])
	if err != nil {
		t.Fatalf("--shutdown-grace: %v", err)
	}
	preStop := c.num("lifecycle.preStop.sleep.seconds")
	if preStop < 0 {
		t.Fatal("no preStop pause")
	}
	term := dep.num("spec.template.spec.terminationGracePeriodSeconds")
	if need := preStop + int(grace.Seconds()) + 10; term < need {
		t.Errorf("terminationGracePeriodSeconds %d < preStop %ds + --shutdown-grace %s + 10s to flush", term, preStop, grace)
	}

	// Secrets and config the pod refers to exist.
	if m := c.str("volumeMounts.0.mountPath"); m != flags["secrets-dir"] || c.get("volumeMounts.0.readOnly") != true {
		t.Errorf("secrets mounted at %q (read-only %v), want --secrets-dir %q", m, c.get("volumeMounts.0.readOnly"), flags["secrets-dir"])
	}
	secretName := dep.str("spec.template.spec.volumes.0.secret.secretName")
	must(t, objs, "Secret/"+secretName)
	must(t, objs, "ConfigMap/"+c.str("envFrom.0.configMapRef.name"))
	envs, _ := c.get("env").([]any)
	for _, e := range envs {
		ref := doc(e.(map[string]any))
		if name := ref.str("valueFrom.secretKeyRef.name"); name != "" {
			s := must(t, objs, "Secret/"+name)
			if s.get("stringData."+ref.str("valueFrom.secretKeyRef.key")) == nil {
				t.Errorf("env %s refers to missing key %s of secret %s", ref.str("name"), ref.str("valueFrom.secretKeyRef.key"), name)
			}
		}
	}

	// Selectors agree.
	labels := dep.get("spec.template.metadata.labels").(map[string]any)
	for _, key := range []string{"Deployment/flowhook:spec.selector.matchLabels", "Service/flowhook-admin:spec.selector", "PodDisruptionBudget/flowhook:spec.selector.matchLabels"} {
		obj, path, _ := strings.Cut(key, ":")
		sel, _ := must(t, objs, obj).get(path).(map[string]any)
		if len(sel) == 0 {
			t.Errorf("%s has no selector", obj)
		}
		for k, v := range sel {
			if labels[k] != v {
				t.Errorf("%s selects %s=%v, which the pods do not carry", obj, k, v)
			}
		}
	}
	svc := must(t, objs, "Service/flowhook-admin")
	if svc.str("spec.ports.0.targetPort") != "admin" || svc.num("spec.ports.0.port") != port {
		t.Errorf("admin Service port %d -> %s, want %d -> admin", svc.num("spec.ports.0.port"), svc.str("spec.ports.0.targetPort"), port)
	}
}

// checkAdminPaths starts the real service on an in-process NATS server and
// checks that each path answers 200 on its admin server once it is ready.
func checkAdminPaths(t *testing.T, paths []string) {
	t.Helper()
	if testing.Short() {
		return
	}
	srv := bustest.Server(t)
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Start(ctx, app.Config{NATS: bus.ConnectOptions{URL: srv.ClientURL()}, AdminAddr: "127.0.0.1:0", NodeStatsDisabled: true}, zerolog.Nop())
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	defer func() { cancel(); _ = a.Wait() }()
	for _, p := range paths {
		poll.UntilNoError(t, 10*time.Second, func() error {
			resp, err := http.Get("http://" + a.AdminAddr() + p)
			if err != nil {
				return fmt.Errorf("GET %s on the real admin server: %w", p, err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("GET %s on the real admin server: %s", p, resp.Status)
			}
			return nil
		})
	}
}

func splitHostPort(addr string) (string, int, error) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return "", 0, errors.New("no port")
	}
	p, err := strconv.Atoi(addr[i+1:])
	return addr[:i], p, err
}

func TestKEDAScaledObject(t *testing.T) {
	objs := objects(t)
	so := must(t, objs, "ScaledObject/flowhook")
	_, flags := container(t, must(t, objs, "Deployment/flowhook"))
	if so.str("apiVersion") != "keda.sh/v1alpha1" || so.str("spec.scaleTargetRef.name") != "flowhook" {
		t.Errorf("ScaledObject targets %q (%s)", so.str("spec.scaleTargetRef.name"), so.str("apiVersion"))
	}
	consumer := bus.DefaultConsumer
	if c, ok := flags["consumer"]; ok {
		consumer = c
	}
	partitions := bus.DefaultPartitions
	if p, ok := flags["partitions"]; ok {
		partitions, _ = strconv.Atoi(p)
	}
	// One trigger per lane of the request stream: every partition's
	// consumer and the one of events stored before partitioning.
	lanes := bus.Topology{Consumer: consumer, Partitions: partitions}.Lanes()
	triggers, _ := so.get("spec.triggers").([]any)
	if len(triggers) != len(lanes) {
		t.Fatalf("%d triggers, want one per lane (%d partitions + 1)", len(triggers), partitions)
	}
	for i, l := range lanes {
		trig := doc(triggers[i].(map[string]any))
		want := map[string]string{
			"type":              "nats-jetstream",
			"metadata.stream":   bus.DefaultRequestStream,
			"metadata.consumer": l.Consumer,
			"metadata.account":  "FLOWHOOK",
		}
		for p, w := range want {
			if got := trig.str(p); got != w {
				t.Errorf("trigger %d: %s = %q, want %q", i, p, got, w)
			}
		}
		if n, err := strconv.Atoi(trig.str("metadata.lagThreshold")); err != nil || n <= 0 {
			t.Errorf("trigger %d: lagThreshold %q: want a positive number (a string)", i, trig.str("metadata.lagThreshold"))
		}
		_, port, err := splitHostPort(trig.str("metadata.natsServerMonitoringEndpoint"))
		if err != nil || port != natsOptions(t).HTTPPort {
			t.Errorf("trigger %d: scaler reads monitoring port %d, NATS serves it on %d", i, port, natsOptions(t).HTTPPort)
		}
	}
	if maxR := so.num("spec.maxReplicaCount"); strconv.Itoa(maxR) != flags["replicas"] {
		t.Errorf("maxReplicaCount %d but --replicas=%s: start-up checks --max-ack-pending against --replicas", maxR, flags["replicas"])
	}
	if so.num("spec.minReplicaCount") < 2 {
		t.Error("minReplicaCount below 2: a single replica's restart stops all dispatching")
	}
}

// natsOptions parses nats.conf with the real server's parser.
func natsOptions(t *testing.T) *server.Options {
	t.Helper()
	for _, v := range []string{"SERVER_NAME", "CLIENT_ADVERTISE", "FLOWHOOK_NATS_PASSWORD", "FLOWENGINE_NATS_PASSWORD", "OPERATOR_NATS_PASSWORD", "SYSTEM_NATS_PASSWORD"} {
		t.Setenv(v, "test-"+strings.ToLower(v))
	}
	o, err := server.ProcessConfigFile("nats/nats.conf")
	if err != nil {
		t.Fatalf("nats.conf: %v", err)
	}
	return o
}

func TestNATSConfig(t *testing.T) {
	o := natsOptions(t)
	switch {
	case !o.JetStream || o.StoreDir == "":
		t.Error("JetStream must be on, with file storage (store_dir)")
	case !o.SyncAlways:
		t.Error("sync_interval must be always: acknowledged writes must survive a power loss")
	case len(o.Routes) != 3 || o.Cluster.Name == "" || o.Cluster.Port == 0:
		t.Errorf("want a cluster of 3: %d routes, cluster %q port %d", len(o.Routes), o.Cluster.Name, o.Cluster.Port)
	case o.HTTPPort != 8222:
		t.Errorf("monitoring port %d, want 8222", o.HTTPPort)
	case o.ServerName != "test-server_name" || o.ClientAdvertise == "":
		t.Error("server_name and client_advertise must come from the environment (unique per server)")
	case o.MaxPayload < 2<<20:
		t.Errorf("max_payload %d leaves no room for dead letters of 1 MiB events", o.MaxPayload)
	}
	raw, err := conf.ParseFile("nats/nats.conf")
	if err != nil {
		t.Fatal(err)
	}
	acc, _ := raw["accounts"].(map[string]any)["FLOWHOOK"].(map[string]any)
	if acc == nil || acc["jetstream"] != "enabled" {
		t.Fatal("account FLOWHOOK (the scaler's account) must have JetStream enabled")
	}
	_, flags := container(t, must(t, objects(t), "Deployment/flowhook"))
	found := false
	for _, u := range o.Users {
		found = found || (u.Username == flags["nats-user"] && u.Account != nil && u.Account.Name == "FLOWHOOK")
	}
	if !found {
		t.Errorf("--nats-user %q is not a user of account FLOWHOOK in nats.conf", flags["nats-user"])
	}
}

// metricRef finds metric names in PromQL.
var metricRef = regexp.MustCompile(`\bflowhook_[a-z0-9_]+`)

// checkMetrics reports names in expr that flowhook does not register.
func checkMetrics(t *testing.T, where, expr string) int {
	t.Helper()
	known := map[string]bool{}
	for _, n := range metrics.Names() {
		known[n] = true
	}
	refs := metricRef.FindAllString(expr, -1)
	for _, name := range refs {
		base := name
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if b, ok := strings.CutSuffix(name, suffix); ok && name == metrics.RequestDuration+suffix {
				base = b
			}
		}
		if !known[base] {
			t.Errorf("%s uses %s, which flowhook does not register (internal/metrics.Names)", where, name)
		}
	}
	if strings.Count(expr, "(") != strings.Count(expr, ")") || strings.Count(expr, "{") != strings.Count(expr, "}") {
		t.Errorf("%s: unbalanced brackets in %q", where, expr)
	}
	return len(refs)
}

// readmeAnchors returns the GitHub anchors of README.md's headings.
func readmeAnchors(t *testing.T) map[string]bool {
	t.Helper()
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	strip := regexp.MustCompile(`[^a-z0-9 _-]`)
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		h := strings.ToLower(strings.TrimSpace(strings.TrimLeft(line, "#")))
		out[strings.ReplaceAll(strip.ReplaceAllString(h, ""), " ", "-")] = true
	}
	return out
}

func TestAlertRules(t *testing.T) {
	var rules struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	data, err := os.ReadFile("prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &rules); err != nil {
		t.Fatal(err)
	}
	anchors := readmeAnchors(t)
	seen := map[string]bool{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			where := "alert " + r.Alert
			if r.Alert == "" || r.Expr == "" || seen[r.Alert] {
				t.Errorf("%s: missing name or expression, or defined twice", where)
			}
			seen[r.Alert] = true
			if n := checkMetrics(t, where, r.Expr); n == 0 {
				t.Errorf("%s uses no flowhook metric", where)
			}
			if r.For != "" {
				if _, err := time.ParseDuration(r.For); err != nil {
					t.Errorf("%s: for %q", where, r.For)
				}
			}
			if s := r.Labels["severity"]; s != "info" && s != "warning" && s != "critical" {
				t.Errorf("%s: severity %q", where, s)
			}
			if r.Annotations["summary"] == "" {
				t.Errorf("%s: no summary", where)
			}
			page, anchor, _ := strings.Cut(r.Annotations["runbook_url"], "#")
			if page != "deployments/README.md" || !anchors[anchor] {
				t.Errorf("%s: runbook_url %q does not point at a section of deployments/README.md", where, r.Annotations["runbook_url"])
			}
		}
	}
	for _, must := range []string{"FlowhookNodeErrorSpike", "FlowhookBreakerOpen", "FlowhookConsumerLag", "FlowhookDeadLetters"} {
		if !seen[must] {
			t.Errorf("no %s alert", must)
		}
	}
}

func TestGrafanaDashboard(t *testing.T) {
	data, err := os.ReadFile("grafana/flowhook.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID        string `json:"uid"`
		Title      string `json:"title"`
		Templating struct {
			List []struct {
				Name string `json:"name"`
				Type string `json:"type"`
			} `json:"list"`
		} `json:"templating"`
		Panels []struct {
			ID      int    `json:"id"`
			Type    string `json:"type"`
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
			GridPos struct{ H, W, X, Y int } `json:"gridPos"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatal(err)
	}
	if dash.UID == "" || dash.Title == "" {
		t.Error("dashboard needs a uid and a title")
	}
	vars := map[string]string{}
	for _, v := range dash.Templating.List {
		vars[v.Name] = v.Type
	}
	if vars["datasource"] != "datasource" {
		t.Error("dashboard needs a datasource variable, so it imports into any Grafana")
	}
	ids := map[int]bool{}
	queries := 0
	for _, p := range dash.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d used twice", p.ID)
		}
		ids[p.ID] = true
		if p.GridPos.W <= 0 || p.GridPos.X+p.GridPos.W > 24 {
			t.Errorf("panel %q does not fit the 24-column grid: %+v", p.Title, p.GridPos)
		}
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			queries += checkMetrics(t, "panel "+p.Title, tg.Expr)
		}
	}
	if queries < 10 {
		t.Errorf("only %d metric references in the dashboard", queries)
	}
}

func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("docker/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var froms int
	var user, expose string
	copied := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "FROM":
			froms++
		case "USER":
			user = f[1]
		case "EXPOSE":
			expose = f[1]
		case "COPY":
			if !strings.HasPrefix(f[1], "--from") {
				for _, src := range f[1 : len(f)-1] {
					if _, err := os.Stat(filepath.Join("..", src)); err != nil {
						t.Errorf("COPY %s: not in the repository root (the build context)", src)
					}
					copied[strings.TrimPrefix(src, "./")] = true
				}
			}
		}
	}
	if froms < 2 {
		t.Error("want a multi-stage build")
	}
	if uid, _, _ := strings.Cut(user, ":"); uid != "65532" {
		t.Errorf("USER %q: want the numeric non-root user the Deployment runs as", user)
	}
	_, flags := container(t, must(t, objects(t), "Deployment/flowhook"))
	if _, port, _ := splitHostPort(flags["admin-addr"]); expose != strconv.Itoa(port) {
		t.Errorf("EXPOSE %s, admin port %d", expose, port)
	}
	// Every package of the module the binary needs lies in a copied
	// directory.
	if testing.Short() {
		return
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "../cmd/flowhook").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		rel, ok := strings.CutPrefix(pkg, "github.com/flowhook/flowhook/")
		if !ok {
			continue
		}
		top, _, _ := strings.Cut(rel, "/")
		if !copied[top] {
			t.Errorf("the binary needs %s, but the Dockerfile does not copy %s/", pkg, top)
		}
	}
}
