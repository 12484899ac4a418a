package tlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
)

// Entry is one leaf of the log: the public form of one event. Leaf i is
// the event with sequence number i+1 (store.Events numbers events from 1
// with no holes), so the log's size is also the sequencer's cursor.
//
// Its bytes are JSON with the keys in this order (sorted), no
// whitespace and no HTML escaping; Data is the event's canonical public
// part (internal/event) as the store holds it, never its personal part. An entry about a
// version that adds an artifact (a publish, a staged publish, an
// approval) also binds the artifact's digests and where it was built
// (Artifact), read from the version's row, which never changes once
// written, so the same event always gives the same leaf.
//
// A sealed leaf (seal.go) has only Commitment, Seq and Type (SealedType).
type Entry struct {
	Commitment string          `json:"commitment,omitempty"` // a sealed leaf's commitment; "" for a plain one
	Actor      string          `json:"actor"`                // the user who acted; "" for the registry itself
	Artifact   *Artifact       `json:"artifact,omitempty"`   // for an event that adds an artifact
	At         string          `json:"at"`                   // RFC 3339, UTC, milliseconds
	Data       json.RawMessage `json:"data"`                 // the event's canonical public part
	Package    string          `json:"package"`
	Schema     int             `json:"schema"`
	Seq        int64           `json:"seq"`
	Type       string          `json:"type"` // a core.Event* constant
	Version    string          `json:"version"`
}

// Artifact is what a published version's entry binds beyond the event:
// the artifact's digests, its provenance bundle's digest and the build
// the provenance proved (the publisher's source repository).
type Artifact struct {
	Integrity        string `json:"integrity"`         // sha512-<base64>, what package-lock.json records
	Issuer           string `json:"issuer"`            // the OIDC issuer that vouched for the build, "" without provenance
	Provenance       string `json:"provenance"`        // the provenance bundle's SHA-512 (hex), "" if none
	SHA512           string `json:"sha512"`            // hex
	Shasum           string `json:"shasum"`            // SHA-1 hex
	Size             int64  `json:"size"`              // bytes
	SourceRepository string `json:"source_repository"` // from verified provenance, "" if none
	Workflow         string `json:"workflow"`          // the build's workflow path, "" if none
}

// artifactEvents are the event types whose entries carry Artifact.
var artifactEvents = map[string]bool{
	core.EventPublish:      true,
	core.EventStagePublish: true,
	core.EventStageApprove: true,
}

// Marshal returns the entry's leaf bytes.
func (e Entry) Marshal() []byte {
	type fields Entry // without MarshalJSON
	var v any = fields(e)
	if e.Sealed() {
		// Nothing but the commitment and the position: keys sorted.
		v = struct {
			Commitment string `json:"commitment"`
			Seq        int64  `json:"seq"`
			Type       string `json:"type"`
		}{e.Commitment, e.Seq, SealedType}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Every field is a string, a number or canonical JSON: this
		// cannot fail for an entry built by newEntry.
		panic(fmt.Sprintf("tlog: encoding entry %d: %v", e.Seq, err))
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// MarshalJSON is the leaf's bytes, so the feed shows each leaf as it is
// in the log (a sealed one with nothing but its commitment).
func (e Entry) MarshalJSON() ([]byte, error) { return e.Marshal(), nil }

// ParseEntry reads one leaf.
func ParseEntry(b []byte) (Entry, error) {
	var e Entry
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return Entry{}, fmt.Errorf("log entry: %w", err)
	}
	if !bytes.Equal(e.Marshal(), b) {
		return Entry{}, errors.New("log entry is not in canonical form")
	}
	return e, nil
}

// unreadable stands in for the public part of an event whose payload
// cannot be decoded (which the event tests rule out): the leaf must
// exist so that leaf i stays event i+1, and the raw data may hold
// personal data, so it is not published.
var unreadable = json.RawMessage(`{"unreadable":true}`)

// newEntry builds the leaf of e; art is the artifact for the events
// that carry one.
func newEntry(e *core.Event, art *Artifact) Entry {
	// A typed event's public part is kept as it was written (the store
	// never changes it), so its leaf does not depend on the release that
	// appends it: today's codec would add the fields of a newer schema.
	// A legacy (schema 0) event's data may hold personal data too: its
	// public part is derived.
	var public json.RawMessage
	if _, err := event.Parse(e); err != nil {
		public = unreadable
	} else if e.Schema > 0 {
		public = e.Data
	} else if public, err = event.Public(e); err != nil {
		public = unreadable
	}
	return Entry{
		Actor:    e.Actor,
		Artifact: art,
		At:       e.At.UTC().Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z"),
		Data:     public,
		Package:  e.Package,
		Schema:   e.Schema,
		Seq:      e.Seq,
		Type:     e.Type,
		Version:  e.Version,
	}
}

// Integrity returns the artifact integrity an entry binds: the
// artifact's when it has one, else the event's own "integrity" field.
func (e Entry) Integrity() string {
	if e.Artifact != nil {
		return e.Artifact.Integrity
	}
	var d struct {
		Integrity string `json:"integrity"`
	}
	_ = json.Unmarshal(e.Data, &d)
	return d.Integrity
}
