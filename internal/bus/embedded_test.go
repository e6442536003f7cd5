package bus

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
)

// TestStartEmbeddedPortInUse: a taken client port is named at once, as an
// error matching ErrPortInUse, instead of a readiness timeout.
func TestStartEmbeddedPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	emb, err := StartEmbedded(EmbeddedOptions{StoreDir: t.TempDir(), Port: port})
	if err == nil {
		emb.Shutdown()
		t.Fatal("started on a taken port")
	}
	if !errors.Is(err, ErrPortInUse) {
		t.Errorf("error %v does not match ErrPortInUse", err)
	}
	if want := "127.0.0.1:" + strconv.Itoa(port) + " is already in use"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

// TestStartEmbeddedFreePort: a free fixed port starts (the check releases
// it again).
func TestStartEmbeddedFreePort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	emb, err := StartEmbedded(EmbeddedOptions{StoreDir: t.TempDir(), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Shutdown()
	if want := ":" + strconv.Itoa(port); !strings.HasSuffix(emb.ClientURL(), want) {
		t.Errorf("client URL %s, want port %d", emb.ClientURL(), port)
	}
}
