//go:build !faultinject

package dispatch

// faults is inert in the default build: fault injection (fault.go) is
// compiled only into the fault checker's build, with the build tag
// FaultTag. These empty methods are inlined away.
type faults struct{}

func loadFaults() (*faults, error) { return nil, nil }

func (*faults) hit(string)   {}
func (*faults) event(string) {}
