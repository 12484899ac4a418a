package osvclient

import (
	"math"
	"strconv"
	"strings"
)

// Severity levels, most severe first.
const (
	Critical = "critical"
	High     = "high"
	Moderate = "moderate"
	Low      = "low"
	Unknown  = "unknown"
)

// Rank orders severities: critical is 4, unknown 0.
func Rank(s string) int {
	switch s {
	case Critical:
		return 4
	case High:
		return 3
	case Moderate:
		return 2
	case Low:
		return 1
	}
	return 0
}

// Level is the record's severity: critical for a malicious package;
// else the database's own word (database_specific.severity, as GitHub's
// advisories carry it); else the CVSS v3 base score of its vector; else
// unknown.
func (v *Vuln) Level() (level string, score float64) {
	if v.Malicious() {
		return Critical, 10
	}
	for _, s := range v.Severity {
		if strings.HasPrefix(s.Type, "CVSS_V3") {
			if sc, ok := CVSS3(s.Score); ok {
				score = sc
			}
		}
	}
	if w, ok := v.DatabaseSpecific["severity"].(string); ok {
		switch strings.ToLower(w) {
		case "critical":
			return Critical, score
		case "high":
			return High, score
		case "moderate", "medium":
			return Moderate, score
		case "low":
			return Low, score
		}
	}
	switch {
	case score >= 9:
		return Critical, score
	case score >= 7:
		return High, score
	case score >= 4:
		return Moderate, score
	case score > 0:
		return Low, score
	}
	return Unknown, 0
}

// CVSS3 is the base score of a CVSS v3.x vector
// ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" is 9.8), by the
// specification's formula.
func CVSS3(vector string) (float64, bool) {
	m := map[string]string{}
	parts := strings.Split(vector, "/")
	if len(parts) < 9 || !strings.HasPrefix(parts[0], "CVSS:3") {
		return 0, false
	}
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, ":")
		if ok {
			m[k] = v
		}
	}
	w := map[string]map[string]float64{
		"AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
		"AC": {"L": 0.77, "H": 0.44},
		"UI": {"N": 0.85, "R": 0.62},
		"C":  {"H": 0.56, "L": 0.22, "N": 0},
		"I":  {"H": 0.56, "L": 0.22, "N": 0},
		"A":  {"H": 0.56, "L": 0.22, "N": 0},
	}
	get := func(k string) (float64, bool) {
		x, ok := w[k][m[k]]
		return x, ok
	}
	av, ok1 := get("AV")
	ac, ok2 := get("AC")
	ui, ok3 := get("UI")
	c, ok4 := get("C")
	i, ok5 := get("I")
	a, ok6 := get("A")
	changed := m["S"] == "C"
	pr := map[string]float64{"N": 0.85, "L": 0.62, "H": 0.27}[m["PR"]]
	if changed {
		pr = map[string]float64{"N": 0.85, "L": 0.68, "H": 0.5}[m["PR"]]
	}
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || pr == 0 || (m["S"] != "U" && m["S"] != "C") {
		return 0, false
	}
	iss := 1 - (1-c)*(1-i)*(1-a)
	var impact float64
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	} else {
		impact = 6.42 * iss
	}
	expl := 8.22 * av * ac * pr * ui
	if impact <= 0 {
		return 0, true
	}
	var base float64
	if changed {
		base = roundUp(math.Min(1.08*(impact+expl), 10))
	} else {
		base = roundUp(math.Min(impact+expl, 10))
	}
	return base, true
}

// roundUp is CVSS 3.1's Roundup: the smallest one-decimal number at or
// above x.
func roundUp(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	f, _ := strconv.ParseFloat(strconv.FormatFloat(math.Floor(float64(i)/10000)/10+0.1, 'f', 1, 64), 64)
	return f
}
