package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// The publish mode also measures revision updates, the other write that
// grew with a package's history: npm deprecate reads the whole document
// (GET /<name>?write=true) and sends it back with one version's
// "deprecated" set (PUT /<name>). After each window of publishes,
// revisionRounds such round trips deprecate versions of the window; the
// PUT is timed alone (the GET is a read, and builds the document the
// publishes left stale), with the bytes it caused to be written.
const revisionRounds = 10

// revisionStats are the figures of one window's revision updates.
type revisionStats struct {
	Window        string  `json:"window"`
	Updates       int     `json:"updates"`
	P50ms         float64 `json:"put_p50_ms"`
	P90ms         float64 `json:"put_p90_ms"`
	WrittenPerPut int64   `json:"put_bytes_written_each"`
	CPUms         float64 `json:"put_cpu_ms_each"` // as publishStats.CPUms
	ReadP50ms     float64 `json:"get_write_p50_ms"`
}

// measureRevisions deprecates versions[0..revisionRounds) of
// publishName, one round trip each, and reports the window's figures.
func measureRevisions(ctx context.Context, client *http.Client, base, token, window string, versions []string) (revisionStats, error) {
	var puts, gets []time.Duration
	var written int64
	var cpu time.Duration
	for i, v := range versions[:min(revisionRounds, len(versions))] {
		t0 := time.Now()
		doc, err := readForWrite(ctx, client, base, token)
		if err != nil {
			return revisionStats{}, err
		}
		gets = append(gets, time.Since(t0))
		vs, _ := doc["versions"].(map[string]any)
		m, _ := vs[v].(map[string]any)
		if m == nil {
			return revisionStats{}, fmt.Errorf("the document of %s has no version %s", publishName, v)
		}
		m["deprecated"] = fmt.Sprintf("bench deprecation %d", i)
		body, err := json.Marshal(doc)
		if err != nil {
			return revisionStats{}, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, base+url.PathEscape(publishName), bytes.NewReader(body))
		if err != nil {
			return revisionStats{}, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("npm-command", "deprecate")
		w0 := writeBytes()
		c0 := selfCPU()
		t1 := time.Now()
		if err := doJSON(client, req, http.StatusOK, nil); err != nil {
			return revisionStats{}, fmt.Errorf("deprecating %s@%s: %w", publishName, v, err)
		}
		puts = append(puts, time.Since(t1))
		cpu += selfCPU() - c0
		written += writeBytes() - w0
	}
	slices.Sort(puts)
	slices.Sort(gets)
	return revisionStats{
		Window: window, Updates: len(puts),
		P50ms: ms(percentile(puts, 0.50)), P90ms: ms(percentile(puts, 0.90)),
		WrittenPerPut: written / int64(max(len(puts), 1)),
		CPUms:         ms(cpu / time.Duration(max(len(puts), 1))),
		ReadP50ms:     ms(percentile(gets, 0.50)),
	}, nil
}

// readForWrite GETs the full document as npm does before a write.
func readForWrite(ctx context.Context, client *http.Client, base, token string) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+url.PathEscape(publishName)+"?write=true", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s?write=true: %s", publishName, resp.Status)
	}
	var doc map[string]any
	return doc, json.Unmarshal(b, &doc)
}
