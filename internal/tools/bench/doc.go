// Package bench is flowhook's end-to-end benchmark: in one run on one
// machine it measures the raw ceilings of the machine (JetStream alone, HTTP
// alone), a naive pipeline in its plain and tuned forms, and flowhook with
// its full semantics, and reports throughput, latency, CPU per event per
// process, memory and the ratios between them.
//
// Every part runs in its own child process of the same executable, so that
// CPU time and memory are measured per process without guessing:
//
//	nats      the NATS JetStream server (embedded server, file storage in a
//	          temporary directory), unless Options.NATSURL names one
//	receiver  the loopback HTTP endpoint every request goes to
//	naive     the naive pipeline: 64 workers, sync publish, then Ack
//	tuned     the naive pipeline tuned: 256 workers, async publish and Ack
//	          on PubAck, pull batches of 1000, GOGC=400
//	flowhook  internal/app.Start with serve's defaults, full semantics
//	jetstream raw JetStream: consume, publish 200 bytes, Ack on PubAck
//	http      raw HTTP: 64 concurrent loopback GETs with 6 parameters
//
// The driver (the process that calls Run) publishes the request events,
// watches the streams and reads each child's CPU time (getrusage) and
// memory; its own work, like a flow engine's, is not counted. A child
// learns its role from the ChildEnv environment variable (see RunChild) and
// stops when its standard input closes, so no child outlives the driver.
//
// Throughput is the drain of a preloaded backlog, timed from the first
// outcome stored to the last input acknowledged. Latency is publish ->
// outcome as the driver sees it, at paced rates. The machine's ceiling is
// estimated as cores / (CPU per event of raw JetStream + CPU per event of
// raw HTTP): what the machine could do if the pipeline itself cost nothing.
package bench
