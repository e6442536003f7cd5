package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/flowhook/flowhook/internal/bus"
)

// manifest reads the Kubernetes objects of one file of deployments/kubernetes.
func manifest(t *testing.T, name string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile("../../deployments/kubernetes/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var m map[string]any
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, m)
	}
}

func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// TestDeploymentFlagsExist parses the Deployment's container args with the
// real `flowhook serve` flag set, applies the ConfigMap's FLOWHOOK_*
// variables as serve would, and checks the resulting configuration.
func TestDeploymentFlagsExist(t *testing.T) {
	dep := manifest(t, "deployment.yaml")[0]
	c := dig(dep, "spec", "template", "spec", "containers", 0)
	rawArgs, _ := dig(c, "args").([]any)
	if len(rawArgs) < 2 || rawArgs[0] != "serve" {
		t.Fatalf("container args %v: want serve and its flags", rawArgs)
	}
	var args []string
	for _, a := range rawArgs[1:] {
		args = append(args, a.(string))
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := bindServiceFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("serve rejects the Deployment's args: %v", err)
	}
	if fs.NArg() != 0 {
		t.Fatalf("stray arguments %v", fs.Args())
	}
	byEnv := map[string]string{}
	fs.VisitAll(func(fl *flag.Flag) { byEnv[envName(fl.Name)] = fl.Name })

	// The ConfigMap's variables name real flags and hold valid values.
	data, _ := dig(manifest(t, "configmap.yaml")[0], "data").(map[string]any)
	if len(data) == 0 {
		t.Fatal("empty ConfigMap")
	}
	for k, v := range data {
		name, ok := byEnv[k]
		if !ok {
			t.Errorf("ConfigMap key %s is not a flowhook serve flag", k)
			continue
		}
		if err := fs.Set(name, v.(string)); err != nil {
			t.Errorf("ConfigMap %s=%v: %v", k, v, err)
		}
	}
	// So do the container's own FLOWHOOK_* variables.
	envs, _ := dig(c, "env").([]any)
	for _, e := range envs {
		k := dig(e, "name").(string)
		if strings.HasPrefix(k, "FLOWHOOK_") && !strings.HasPrefix(k, "FLOWHOOK_SECRET_") {
			if _, ok := byEnv[k]; !ok {
				t.Errorf("container env %s is not a flowhook serve flag", k)
			}
		}
	}

	cfg := f.config()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("configuration invalid: %v", err)
	}
	if cfg.NATS.URL == "" || cfg.AdminAddr == "" || cfg.Secrets.Dir == "" || cfg.Topology.Replicas != 3 {
		t.Errorf("want an external NATS, an admin address, a secrets dir and R3 streams: %+v", cfg)
	}
	// What start-up checks against the server: replicas x workers, etc.
	if err := cfg.Topology.Check(bus.Workload{Replicas: cfg.Replicas, Workers: cfg.Dispatch.WithDefaults().Workers}); err != nil {
		t.Errorf("the Deployment's settings would be refused at start-up: %v", err)
	}
}
