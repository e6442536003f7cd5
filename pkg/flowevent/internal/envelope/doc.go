// Package envelope reads and writes the CloudEvents envelope of
// flowevent's events on NATS, independent of what their data holds: the
// JSON event format (structured mode) and the ce-* headers of binary mode,
// the checks of the CloudEvents 1.0 attributes, and the W3C trace context
// the distributed tracing extension carries.
//
// Structured mode is decoded by hand, in one validation pass and one walk
// over the top-level members (see jsoncodec), rather than through sdk-go's
// generic event machinery, which costs several times as much per event
// (flowevent's package documentation gives the measurement). Binary mode
// takes the attribute names from sdk-go's spec package.
package envelope
