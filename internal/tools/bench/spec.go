package bench

// ChildEnv is the environment variable that makes a process a benchmark
// child: its value is the JSON childSpec. A command that starts children
// (Options.Command) must call RunChild when it is set.
const ChildEnv = "FLOWHOOK_BENCH_CHILD"

// Roles of child processes.
const (
	roleNATS      = "nats"
	roleReceiver  = "receiver"
	roleNaive     = "naive"
	roleTuned     = "tuned"
	roleFastNaive = "fastnaive"
	roleFlowhook  = "flowhook"
	roleRawJS     = "jetstream"
	roleRawHTTP   = "http"
)

// childSpec tells a child what to be.
type childSpec struct {
	Role string `json:"role"`
	// NATSURL is the server pipelines and raw JetStream connect to.
	NATSURL string `json:"nats_url,omitempty"`
	// ReceiverURL is the endpoint raw HTTP calls.
	ReceiverURL string `json:"receiver_url,omitempty"`
	// Endpoints is how many distinct endpoints a receiver serves (1 when
	// zero).
	Endpoints int `json:"endpoints,omitempty"`
	// Workers and PullBatch override flowhook's dispatcher defaults.
	Workers   int `json:"workers,omitempty"`
	PullBatch int `json:"pull_batch,omitempty"`
	// NoNodeStats turns flowhook's node-stats aggregation off.
	NoNodeStats bool `json:"no_node_stats,omitempty"`
	// ServeArgs are the `flowhook serve` flags flowhook runs with, when
	// the child can read serve's configuration (see RunChild).
	ServeArgs []string `json:"serve_args,omitempty"`
}

// hello is the one JSON line a child prints on stdout once it is ready.
type hello struct {
	// Control is the address of the child's control server.
	Control string `json:"control"`
	// URL is what the child serves: the NATS client URL, or the
	// receiver's base URL.
	URL string `json:"url,omitempty"`
	// Endpoints are a receiver's endpoint base URLs when it serves more
	// than one.
	Endpoints []string `json:"endpoints,omitempty"`
	// Note says how a receiver made its endpoints distinct.
	Note  string `json:"note,omitempty"`
	Error string `json:"error,omitempty"`
}

// Stats is what a child reports about itself.
type Stats struct {
	// CPUMicros is user + system CPU time of the process so far.
	CPUMicros int64 `json:"cpu_us"`
	// MaxRSSKB is the peak resident set (getrusage).
	MaxRSSKB int64 `json:"max_rss_kb"`
	// RSSKB is the resident set now (Linux; else MaxRSSKB).
	RSSKB int64 `json:"rss_kb"`
	// Mallocs, TotalAlloc and NumGC are runtime.MemStats counters.
	Mallocs    uint64 `json:"mallocs"`
	TotalAlloc uint64 `json:"total_alloc"`
	NumGC      uint32 `json:"num_gc"`
	HeapInuse  uint64 `json:"heap_inuse"`
	Goroutines int    `json:"goroutines"`
	// GCPercent is the process's GOGC (-1: off); MemoryLimit its
	// GOMEMLIMIT in bytes (math.MaxInt64: none).
	GCPercent   int   `json:"gc_percent"`
	MemoryLimit int64 `json:"memory_limit"`
	// Breakers is how many circuit breakers flowhook holds.
	Breakers int `json:"breakers,omitempty"`
}

// httpRun is the result of one raw HTTP run.
type httpRun struct {
	Requests int     `json:"requests"`
	Seconds  float64 `json:"seconds"`
	Errors   int     `json:"errors"`
}
