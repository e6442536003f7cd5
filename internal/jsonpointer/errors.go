package jsonpointer

import "errors"

// Errors of Parse and Lookup. They never quote the document.
var (
	// ErrNotJSON reports a document that is not exactly one JSON value.
	ErrNotJSON = errors.New("jsonpointer: document is not JSON")
	// ErrSyntax reports a pointer that is not RFC 6901 syntax.
	ErrSyntax = errors.New("jsonpointer: invalid pointer")
	// ErrAbsent reports a pointer that names nothing in the document.
	ErrAbsent = errors.New("jsonpointer: no value at pointer")
)
