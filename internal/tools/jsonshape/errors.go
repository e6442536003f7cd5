package jsonshape

import "fmt"

// SyntaxError is a JSON syntax error at a line and column (both from 1;
// the column counts characters).
type SyntaxError struct {
	Line, Column int
	// Offset is the byte offset of the error.
	Offset int64
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}
