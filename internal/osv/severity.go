package osv

import (
	"encoding/json"
	"math"
	"strings"
)

// The severities npm's audit knows, lowest first. npm reads no other
// word (an unknown one breaks its summary counts), and an `info`-only
// answer crashes its reporters, so Rating never says info.
const (
	SeverityLow      = "low"
	SeverityModerate = "moderate"
	SeverityHigh     = "high"
	SeverityCritical = "critical"
)

// IsMalicious says whether a record is a malicious-package advisory
// (the MAL- prefix of ossf/malicious-packages and of Rampart's own).
func (v *Vuln) IsMalicious() bool { return strings.HasPrefix(v.ID, "MAL-") }

// Rating is the record's severity in npm's words: critical for a
// malicious package; else the database's own word (GitHub's records say
// LOW, MODERATE, HIGH or CRITICAL in database_specific.severity); else
// the highest CVSS v3 base score; else high, which is what npm assumes of
// an advisory without one.
func (v *Vuln) Rating() string {
	if v.IsMalicious() {
		return SeverityCritical
	}
	var db struct {
		Severity string `json:"severity"`
	}
	if len(v.DatabaseSpecific) > 0 && json.Unmarshal(v.DatabaseSpecific, &db) == nil {
		switch strings.ToLower(db.Severity) {
		case "low":
			return SeverityLow
		case "moderate", "medium":
			return SeverityModerate
		case "high":
			return SeverityHigh
		case "critical":
			return SeverityCritical
		}
	}
	if score, _, ok := v.CVSS(); ok {
		switch {
		case score >= 9:
			return SeverityCritical
		case score >= 7:
			return SeverityHigh
		case score >= 4:
			return SeverityModerate
		default:
			return SeverityLow
		}
	}
	return SeverityHigh
}

// CVSS is the highest CVSS v3 base score of the record's severities and
// its vector.
func (v *Vuln) CVSS() (score float64, vector string, ok bool) {
	all := v.Severity
	for _, a := range v.Affected {
		all = append(all[:len(all):len(all)], a.Severity...)
	}
	for _, s := range all {
		if s.Type != "CVSS_V3" {
			continue
		}
		if sc, good := CVSS3Score(s.Score); good && (!ok || sc > score) {
			score, vector, ok = sc, s.Score, true
		}
	}
	return score, vector, ok
}

// CWEs are the record's CWE ids (GitHub's database_specific.cwe_ids),
// never nil: npm calls .includes on the list.
func (v *Vuln) CWEs() []string {
	var db struct {
		CWEs []string `json:"cwe_ids"`
	}
	if len(v.DatabaseSpecific) > 0 {
		_ = json.Unmarshal(v.DatabaseSpecific, &db)
	}
	if db.CWEs == nil {
		return []string{}
	}
	return db.CWEs
}

// CVSS3Score is the base score of a CVSS v3.0 or v3.1 vector, by the
// specification's formulas (FIRST, CVSS v3.1 §7.1); ok is false if a
// base metric is missing or unknown.
func CVSS3Score(vector string) (float64, bool) {
	parts := strings.Split(vector, "/")
	if len(parts) < 2 || (parts[0] != "CVSS:3.0" && parts[0] != "CVSS:3.1") {
		return 0, false
	}
	m := map[string]string{}
	for _, p := range parts[1:] {
		k, val, found := strings.Cut(p, ":")
		if !found {
			return 0, false
		}
		m[k] = val
	}
	weights := map[string]map[string]float64{
		"AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
		"AC": {"L": 0.77, "H": 0.44},
		"UI": {"N": 0.85, "R": 0.62},
		"C":  {"H": 0.56, "L": 0.22, "N": 0},
		"I":  {"H": 0.56, "L": 0.22, "N": 0},
		"A":  {"H": 0.56, "L": 0.22, "N": 0},
	}
	w := map[string]float64{}
	for k, table := range weights {
		x, ok := table[m[k]]
		if !ok {
			return 0, false
		}
		w[k] = x
	}
	changed := false
	switch m["S"] {
	case "U":
	case "C":
		changed = true
	default:
		return 0, false
	}
	pr := map[string]float64{"N": 0.85, "L": 0.62, "H": 0.27}
	if changed {
		pr = map[string]float64{"N": 0.85, "L": 0.68, "H": 0.5}
	}
	prw, ok := pr[m["PR"]]
	if !ok {
		return 0, false
	}
	iss := 1 - (1-w["C"])*(1-w["I"])*(1-w["A"])
	var impact float64
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	} else {
		impact = 6.42 * iss
	}
	exploitability := 8.22 * w["AV"] * w["AC"] * prw * w["UI"]
	if impact <= 0 {
		return 0, true
	}
	if changed {
		return roundUp(math.Min(1.08*(impact+exploitability), 10)), true
	}
	return roundUp(math.Min(impact+exploitability, 10)), true
}

// roundUp is CVSS v3.1's Roundup: the smallest number of one decimal
// place not below x, robust to floating-point noise.
func roundUp(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return float64(i/10000+1) / 10
}
