package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowhook/flowhook/internal/testsupport/poll"
	"github.com/flowhook/flowhook/internal/tools/inspect"
)

// startInspect runs `flowhook inspect` in-process and returns its base URL
// and output; it is stopped (and its exit code checked) when the test ends.
func startInspect(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- commands["inspect"].run(ctx, append([]string{"--listen", "127.0.0.1:0"}, args...), &stdout, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("inspect exit %d: %s", code, stderr.String())
		}
	})
	re := regexp.MustCompile(`catching requests on (http://\S+)/ `)
	var base string
	poll.UntilNoError(t, 10*time.Second, func() error {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
			return nil
		}
		select {
		case code := <-done:
			t.Fatalf("inspect exited %d: %s", code, stderr.String())
		default:
		}
		return fmt.Errorf("inspect printed no address: %s", stdout.String())
	})
	return base, &stdout
}

func TestInspectCommand(t *testing.T) {
	base, out := startInspect(t, "--status", "201", "--body", "created", "--fail-first", "2", "--fail-status", "503")
	var statuses []int
	for i := range 3 {
		req, _ := http.NewRequest("POST", base+"/hooks/crm?email=ada%40example.com&n="+strconv.Itoa(i), nil)
		req.Header.Set("Authorization", "Bearer "+secretValue)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
	}
	if jsonString(t, statuses) != "[503,503,201]" {
		t.Errorf("statuses %v, want [503 503 201]", statuses)
	}
	resp, err := http.Get(base + inspect.UIPrefix + "api/requests")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var l inspect.List
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil || len(l.Requests) != 3 || l.Requests[0].Seq != 3 {
		t.Fatalf("API: %+v %v", l, err)
	}
	text := out.String()
	for _, want := range []string{
		"answers: 201; 503 for the first 2 requests",
		"#1  POST /hooks/crm?email=ada%40example.com&n=0  -> 503 (injected failure)",
		"#3  POST /hooks/crm?email=ada%40example.com&n=2  -> 201\n      Authorization: Bearer ****",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("terminal output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, secretValue) {
		t.Errorf("terminal output holds the credential:\n%s", text)
	}
}

func TestInspectCommandErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--status", "99"}, exitUsage, "status 99: must be between 200 and 999"},
		{[]string{"--fail-first", "-1"}, exitUsage, "fail-first must not be negative"},
		{[]string{"--listen", "256.0.0.1:1"}, exitFailure, "listen"},
		{[]string{"extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"-h"}, exitOK, "flowhook inspect --listen 127.0.0.1:9000"},
	}
	for _, tt := range tests {
		code, out, errOut := runCommand(t.Context(), "inspect", tt.args...)
		if code != tt.code || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("inspect %v: exit %d (want %d), output lacks %q:\n%s%s", tt.args, code, tt.code, tt.want, out, errOut)
		}
	}
}
