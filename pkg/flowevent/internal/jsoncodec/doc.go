// Package jsoncodec is the hand-written JSON machinery behind flowevent's
// decoders and encoders, independent of flowevent's types: a validator
// with json.Valid's answers (Valid), a walk over an object's top-level
// members (ForEachMember), decoding of values and fields with
// encoding/json's results (Decoder, SetBool and friends), and members
// written with json.Marshal's bytes (AppendMember and friends).
//
// Each piece exists because encoding/json's reflection and per-byte
// scanner were most of the cost of handling an event (see flowevent's
// package documentation for the measurement), and each is held to
// encoding/json by tests and fuzz targets: where its answer could differ,
// it gives up and the caller asks encoding/json.
package jsoncodec
