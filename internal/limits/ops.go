package limits

import "time"

// Bounds on what reaches the operator's side of the server
// (docs/operations.md).
const (
	// MaxRequestIDBytes bounds an X-Request-Id taken from a client or a
	// proxy; a longer one (or one with other than letters, digits, "-",
	// "_", ".", ":") is replaced by a fresh id, so that it can go into
	// logs and headers as it is.
	MaxRequestIDBytes = 64
	// ReadinessReuse is how long one readiness probe's answer is reused:
	// a probe writes, reads and deletes a blob and reads the database, and
	// anyone who can reach /-/readyz must not make the server do that at
	// will.
	ReadinessReuse = time.Second
	// MaxMetricSeries bounds the label sets one metric keeps; further ones
	// fold into one series labelled "_other" (internal/metrics).
	MaxMetricSeries = 500
)
