// Package metrics is a small Prometheus registry: counters and histograms
// with labels, gauges read at scrape time, and the text exposition format
// (version 0.0.4) that Prometheus scrapes. It is hand-written because no
// Prometheus client library is among the project's pinned modules; the
// format is simple, and the tests check the output with Prometheus's own
// parser (github.com/prometheus/common/expfmt, a test-only module).
//
// Label values come from the caller, so the caller bounds them (route
// patterns, never raw paths); as a second guard each metric keeps at most
// MaxSeries label sets and counts the rest under the value "_other".
package metrics

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/rampart/rampart/internal/limits"
)

// MaxSeries is the most label sets one metric keeps; further ones are
// folded into one series whose every label is "_other".
const MaxSeries = limits.MaxMetricSeries

// ContentType is the exposition format's media type.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Registry holds metrics and writes them out. Its zero value is not
// ready: use New.
type Registry struct {
	mu       sync.Mutex
	families map[string]family
}

// New returns an empty registry.
func New() *Registry { return &Registry{families: map[string]family{}} }

type family interface {
	write(w *bufio.Writer)
}

func (r *Registry) add(name string, f family) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.families[name]; dup {
		panic("metrics: " + name + " registered twice")
	}
	if !validName(name) {
		panic("metrics: invalid metric name " + name)
	}
	r.families[name] = f
}

// WriteText writes every metric in the text exposition format, metrics
// sorted by name and series by label values, so that two scrapes of an
// idle registry are byte-identical.
func (r *Registry) WriteText(w io.Writer) error {
	r.mu.Lock()
	names := make([]string, 0, len(r.families))
	for n := range r.families {
		names = append(names, n)
	}
	fams := make([]family, 0, len(names))
	slices.Sort(names)
	for _, n := range names {
		fams = append(fams, r.families[n])
	}
	r.mu.Unlock()
	bw := bufio.NewWriter(w)
	for _, f := range fams {
		f.write(bw)
	}
	return bw.Flush()
}

// meta is what every family has: name, help, type and label names.
type meta struct {
	name, help, kind string
	labels           []string
}

func (m *meta) header(w *bufio.Writer) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", m.name, escapeHelp(m.help), m.name, m.kind)
}

// series keeps one metric's label sets, bounded by MaxSeries.
type series[T any] struct {
	mu    sync.Mutex
	byKey map[string]*entry[T]
	fresh func() *T
}

type entry[T any] struct {
	values []string
	v      *T
}

func (s *series[T]) get(m *meta, values []string) *T {
	if len(values) != len(m.labels) {
		panic(fmt.Sprintf("metrics: %s takes %d label values, got %d", m.name, len(m.labels), len(values)))
	}
	key := strings.Join(values, "\xff")
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.byKey[key]; ok {
		return e.v
	}
	if len(s.byKey) >= MaxSeries {
		values = make([]string, len(values))
		for i := range values {
			values[i] = "_other"
		}
		key = strings.Join(values, "\xff")
		if e, ok := s.byKey[key]; ok {
			return e.v
		}
	}
	e := &entry[T]{values: slices.Clone(values), v: s.fresh()}
	s.byKey[key] = e
	return e.v
}

// sorted returns the entries in label order.
func (s *series[T]) sorted() []*entry[T] {
	s.mu.Lock()
	out := make([]*entry[T], 0, len(s.byKey))
	for _, e := range s.byKey {
		out = append(out, e)
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b *entry[T]) int { return slices.Compare(a.values, b.values) })
	return out
}

// Counter is a monotonically increasing count with labels.
type Counter struct {
	meta
	s series[counterValue]
}

type counterValue struct {
	mu sync.Mutex
	v  float64
}

// NewCounter registers a counter. By convention its name ends in _total.
func (r *Registry) NewCounter(name, help string, labels ...string) *Counter {
	c := &Counter{meta: meta{name: name, help: help, kind: "counter", labels: labels}}
	c.s = series[counterValue]{byKey: map[string]*entry[counterValue]{}, fresh: func() *counterValue { return &counterValue{} }}
	r.add(name, c)
	return c
}

// Add adds n (which must not be negative) to the series of values.
func (c *Counter) Add(n float64, values ...string) {
	if n < 0 || math.IsNaN(n) {
		return
	}
	v := c.s.get(&c.meta, values)
	v.mu.Lock()
	v.v += n
	v.mu.Unlock()
}

// Inc adds one to the series of values.
func (c *Counter) Inc(values ...string) { c.Add(1, values...) }

func (c *Counter) write(w *bufio.Writer) {
	c.header(w)
	for _, e := range c.s.sorted() {
		e.v.mu.Lock()
		v := e.v.v
		e.v.mu.Unlock()
		writeSample(w, c.name, c.labels, e.values, "", v)
	}
}

// Histogram counts observations into cumulative buckets.
type Histogram struct {
	meta
	bounds []float64
	s      series[histValue]
}

type histValue struct {
	mu     sync.Mutex
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	sum    float64
	n      uint64
}

// DefaultSeconds are latency buckets from 5 ms to 60 s.
var DefaultSeconds = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// NewHistogram registers a histogram with the given upper bounds (sorted,
// without +Inf, which is always added).
func (r *Registry) NewHistogram(name, help string, bounds []float64, labels ...string) *Histogram {
	if !slices.IsSorted(bounds) {
		panic("metrics: " + name + ": bucket bounds not sorted")
	}
	h := &Histogram{meta: meta{name: name, help: help, kind: "histogram", labels: labels}, bounds: slices.Clone(bounds)}
	h.s = series[histValue]{byKey: map[string]*entry[histValue]{}, fresh: func() *histValue {
		return &histValue{counts: make([]uint64, len(h.bounds)+1)}
	}}
	r.add(name, h)
	return h
}

// Observe records one observation of v in the series of values.
func (h *Histogram) Observe(v float64, values ...string) {
	if math.IsNaN(v) {
		return
	}
	hv := h.s.get(&h.meta, values)
	i, _ := slices.BinarySearch(h.bounds, v) // first bound >= v: "le" is inclusive
	hv.mu.Lock()
	hv.counts[i]++
	hv.sum += v
	hv.n++
	hv.mu.Unlock()
}

func (h *Histogram) write(w *bufio.Writer) {
	h.header(w)
	labels := append(slices.Clone(h.labels), "le")
	for _, e := range h.s.sorted() {
		e.v.mu.Lock()
		counts, sum, n := slices.Clone(e.v.counts), e.v.sum, e.v.n
		e.v.mu.Unlock()
		var cum uint64
		values := append(slices.Clone(e.values), "")
		for i, c := range counts {
			cum += c
			le := "+Inf"
			if i < len(h.bounds) {
				le = formatFloat(h.bounds[i])
			}
			values[len(values)-1] = le
			writeSample(w, h.name, labels, values, "_bucket", float64(cum))
		}
		writeSample(w, h.name, h.labels, e.values, "_sum", sum)
		writeSample(w, h.name, h.labels, e.values, "_count", float64(n))
	}
}

// Gauge is a value read when the registry is scraped.
type Gauge struct {
	meta
	collect func(emit func(v float64, values ...string))
}

// NewGaugeFunc registers a gauge whose samples collect gives at each
// scrape, one emit per label set. collect runs on the scraping request:
// keep it cheap and bounded.
func (r *Registry) NewGaugeFunc(name, help string, labels []string, collect func(emit func(v float64, values ...string))) {
	r.add(name, &Gauge{meta: meta{name: name, help: help, kind: "gauge", labels: labels}, collect: collect})
}

func (g *Gauge) write(w *bufio.Writer) {
	type sample struct {
		values []string
		v      float64
	}
	var samples []sample
	g.collect(func(v float64, values ...string) {
		if len(values) == len(g.labels) && len(samples) < MaxSeries {
			samples = append(samples, sample{slices.Clone(values), v})
		}
	})
	slices.SortFunc(samples, func(a, b sample) int { return slices.Compare(a.values, b.values) })
	g.header(w)
	for _, s := range samples {
		writeSample(w, g.name, g.labels, s.values, "", s.v)
	}
}

func writeSample(w *bufio.Writer, name string, labels, values []string, suffix string, v float64) {
	w.WriteString(name)
	w.WriteString(suffix)
	if len(labels) > 0 {
		w.WriteByte('{')
		for i, l := range labels {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString(l)
			w.WriteString(`="`)
			w.WriteString(escapeLabel(values[i]))
			w.WriteByte('"')
		}
		w.WriteByte('}')
	}
	w.WriteByte(' ')
	w.WriteString(formatFloat(v))
	w.WriteByte('\n')
}

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// escapeLabel escapes a label value as the format requires (backslash,
// double quote, newline); invalid UTF-8 becomes U+FFFD, since Prometheus
// refuses it.
func escapeLabel(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !strings.ContainsAny(s, "\\\"\n") {
		return s
	}
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(strings.ToValidUTF8(s, "\uFFFD"))
}

// validName reports whether s is a metric name of the classic charset.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
