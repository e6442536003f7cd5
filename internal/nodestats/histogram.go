package nodestats

// BoundsMS are the upper bounds, in milliseconds, of the latency
// histogram's buckets; a last bucket counts everything slower. They are
// part of the stored format: changing them needs a new Version.
var BoundsMS = []float64{5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000}

// Histogram counts request durations in the fixed buckets of BoundsMS.
// Histograms merge by adding their counts.
type Histogram struct {
	// Counts has len(BoundsMS)+1 entries once anything is observed.
	Counts []uint64 `json:"counts,omitempty"`
}

// Observe counts one duration.
func (h *Histogram) Observe(ms float64) {
	if len(h.Counts) != len(BoundsMS)+1 {
		h.Counts = make([]uint64, len(BoundsMS)+1)
	}
	i := 0
	for i < len(BoundsMS) && ms > BoundsMS[i] {
		i++
	}
	h.Counts[i]++
}

// Merge adds o's counts to h's.
func (h *Histogram) Merge(o Histogram) {
	if len(o.Counts) == 0 {
		return
	}
	if len(h.Counts) != len(o.Counts) {
		h.Counts = make([]uint64, len(o.Counts))
	}
	for i, c := range o.Counts {
		h.Counts[i] += c
	}
}

// Count is the number of durations observed.
func (h Histogram) Count() uint64 {
	var n uint64
	for _, c := range h.Counts {
		n += c
	}
	return n
}

// Quantile estimates the q-quantile (0 < q <= 1) in milliseconds by
// linear interpolation inside the bucket that holds it; 0 when empty. A
// quantile in the last, unbounded bucket is reported as the last bound.
func (h Histogram) Quantile(q float64) float64 {
	total := h.Count()
	if total == 0 {
		return 0
	}
	rank := q * float64(total)
	var below float64
	for i, c := range h.Counts {
		if c == 0 || below+float64(c) < rank {
			below += float64(c)
			continue
		}
		if i >= len(BoundsMS) {
			return BoundsMS[len(BoundsMS)-1]
		}
		lower := 0.0
		if i > 0 {
			lower = BoundsMS[i-1]
		}
		return lower + (BoundsMS[i]-lower)*(rank-below)/float64(c)
	}
	return BoundsMS[len(BoundsMS)-1]
}
