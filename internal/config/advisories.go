package config

import (
	"fmt"
	"net"
	"net/url"
	"time"
)

// Advisories is the scheduled pull of OSV advisories
// (docs/advisories.md). Without a URL nothing is pulled; imports from
// the console (`rampart admin advisories import`) work either way.
type Advisories struct {
	// URL is a zip of OSV records in the layout of OSV's per-ecosystem
	// exports, such as https://osv-vulnerabilities.storage.googleapis.com/npm/all.zip.
	// It must be https, or http to a loopback address.
	URL string `toml:"url"`
	// Interval is how often the URL is asked (a conditional GET: an
	// unchanged export is not downloaded again).
	Interval Duration `toml:"interval"`
}

func defaultAdvisories() Advisories { return Advisories{Interval: Duration{6 * time.Hour}} }

func (a Advisories) validate() error {
	if a.Interval.Duration < 5*time.Minute || a.Interval.Duration > 7*24*time.Hour {
		return fmt.Errorf("advisories.interval = %q: want from \"5m\" to \"168h\" (the default is \"6h\")", a.Interval.Duration)
	}
	if a.URL == "" {
		return nil
	}
	u, err := url.Parse(a.URL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("advisories.url = %q: not an absolute URL", a.URL)
	}
	switch u.Scheme {
	case "https":
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("advisories.url = %q: plain http is allowed only to a loopback address; use https", a.URL)
		}
	default:
		return fmt.Errorf("advisories.url = %q: want an https URL", a.URL)
	}
	return nil
}
