package envelope

// DataError reports an event whose attributes are valid but whose data is
// not JSON (or not declared as JSON).
type DataError struct {
	Err error
}

// Error returns Err's message.
func (e *DataError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *DataError) Unwrap() error { return e.Err }
