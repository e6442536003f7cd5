package main

// usageError is a problem with the command line or an unreadable file:
// exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
