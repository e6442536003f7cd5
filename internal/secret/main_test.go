package secret

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// shared resolves a shared secret regardless of grants: the tests of file
// and environment handling read through it.
func (s *Store) shared(name string) (string, bool) {
	sc := scoped{name: name}
	if v, ok := (*s.files.Load())[sc]; ok {
		return v, true
	}
	return s.fromEnv(sc)
}
