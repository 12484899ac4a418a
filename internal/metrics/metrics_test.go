package metrics

import (
	"bytes"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// parse reads the exposition with Prometheus's own text parser: what a
// Prometheus server would read from it.
func parse(t *testing.T, r *Registry) map[string]*familyView {
	t.Helper()
	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("Prometheus cannot parse the exposition: %v\n%s", err, buf.String())
	}
	out := map[string]*familyView{}
	for name, f := range fams {
		fv := &familyView{typ: f.GetType().String(), samples: map[string]float64{}}
		for _, m := range f.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, l.GetName()+"="+l.GetValue())
			}
			key := strings.Join(ls, ",")
			switch {
			case m.Counter != nil:
				fv.samples[key] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				fv.samples[key] = m.GetGauge().GetValue()
			case m.Histogram != nil:
				fv.samples[key] = float64(m.GetHistogram().GetSampleCount())
				fv.sums = append(fv.sums, m.GetHistogram().GetSampleSum())
				for _, b := range m.GetHistogram().GetBucket() {
					fv.buckets = append(fv.buckets, b.GetCumulativeCount())
				}
			}
		}
		out[name] = fv
	}
	return out
}

type familyView struct {
	typ     string
	samples map[string]float64
	buckets []uint64
	sums    []float64
}

// TestExpositionParsesAsPrometheus: counters, histograms and gauges, with
// label values that need escaping, read back by Prometheus's parser with
// the values put in.
func TestExpositionParsesAsPrometheus(t *testing.T) {
	r := New()
	reqs := r.NewCounter("rampart_http_requests_total", "Requests served,\nby route and status.", "route", "code")
	lat := r.NewHistogram("rampart_http_request_duration_seconds", `Latency \ time.`, []float64{0.1, 1}, "route")
	r.NewGaugeFunc("rampart_data_free_bytes", "Free bytes.", nil, func(emit func(float64, ...string)) { emit(12345) })
	reqs.Inc("GET /{pkg}", "200")
	reqs.Inc("GET /{pkg}", "200")
	reqs.Add(3, `we"ird\route`+"\n", "404")
	lat.Observe(0.1, "GET /{pkg}") // le is inclusive: counts in the 0.1 bucket
	lat.Observe(0.5, "GET /{pkg}")
	lat.Observe(7, "GET /{pkg}")

	fams := parse(t, r)
	req := fams["rampart_http_requests_total"]
	if req == nil || req.typ != "COUNTER" || req.samples["route=GET /{pkg},code=200"] != 2 || req.samples["route=we\"ird\\route\n,code=404"] != 3 {
		t.Fatalf("requests: %+v", req)
	}
	h := fams["rampart_http_request_duration_seconds"]
	if h == nil || h.typ != "HISTOGRAM" || h.samples["route=GET /{pkg}"] != 3 || h.sums[0] != 7.6 {
		t.Fatalf("histogram: %+v", h)
	}
	if want := []uint64{1, 2, 3}; len(h.buckets) != 3 || h.buckets[0] != want[0] || h.buckets[1] != want[1] || h.buckets[2] != want[2] {
		t.Fatalf("cumulative buckets %v, want %v", h.buckets, want)
	}
	if g := fams["rampart_data_free_bytes"]; g == nil || g.typ != "GAUGE" || g.samples[""] != 12345 {
		t.Fatalf("gauge: %+v", g)
	}
}

// TestSeriesAreBounded: label sets past MaxSeries fold into "_other", so a
// caller that lets a raw value through cannot grow memory without bound.
func TestSeriesAreBounded(t *testing.T) {
	r := New()
	c := r.NewCounter("x_total", "x", "path")
	for i := range MaxSeries + 100 {
		c.Inc("/p" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('0'+i%10)) + strings.Repeat("y", i/260))
	}
	fams := parse(t, r)
	got := fams["x_total"]
	if len(got.samples) > MaxSeries+1 || got.samples["path=_other"] == 0 {
		t.Fatalf("%d series, _other=%v", len(got.samples), got.samples["path=_other"])
	}
	var total float64
	for _, v := range got.samples {
		total += v
	}
	if total != MaxSeries+100 {
		t.Fatalf("counted %v, want %d: nothing may be lost by folding", total, MaxSeries+100)
	}
}
