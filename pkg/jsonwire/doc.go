// Package jsonwire holds the byte-level JSON primitives that flowhook's
// hand-written codecs share: where a token ends in text known to be valid
// JSON (Space, String, Value, Nested, Delimiter), and a Go string or float
// written exactly as encoding/json writes it (AppendString, AppendFloat).
//
// It is public, not internal, because both sides of a Go import boundary
// use it. pkg/flowevent, the public event contract, decodes events with it
// and must import nothing from the module's internal/ tree (what it
// imports is part of what a flow engine compiles); flowhook's own
// internal/jsonpointer (response checks and captures) and internal/request
// (JSON request bodies) use the same code, and a package under
// pkg/flowevent/internal could not be imported by them. One copy, public,
// keeps the two from drifting apart; its contract is the JSON grammar
// (RFC 8259) and encoding/json's output, which tests and fuzz targets hold
// it to, so it has no reason to change shape.
package jsonwire
