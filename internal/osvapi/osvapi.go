// Package osvapi serves the registry's advisories as the public OSV API
// does (api.osv.dev v1), under /-/osv/v1, so that osv-scanner, `rampart
// audit` and other OSV clients can point at the registry:
//
//	GET  /-/osv/v1/vulns/{id}   one record
//	POST /-/osv/v1/query        the records affecting a package (at a version)
//	POST /-/osv/v1/querybatch   ids and modified times, per query
//
// It translates only: internal/advisory stores and matches. Requests are
// anonymous or carry a bearer token (an advisory about a private package
// is answered only to a caller who may read it: Access), bounded (limits.MaxOSVQueryBytes, MaxOSVBatchBytes,
// MaxOSVBatchQueries) and strictly parsed; errors are OSV's shape,
// {"code": <gRPC code>, "message": "..."}.
package osvapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/rampart/rampart/internal/advisory"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/httperr"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/osv"
	"github.com/rampart/rampart/internal/quote"
)

// Prefix is the API's path prefix, for the server's mux.
const Prefix = "/-/osv/v1/"

// Handler serves the OSV API.
type Handler struct {
	svc    *advisory.Service
	access Access
	log    *slog.Logger
}

// New returns the API's handler.
func New(svc *advisory.Service, access Access, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.Default()
	}
	return &Handler{svc: svc, access: access, log: log}
}

// ServeHTTP routes the three endpoints; a wrong method is answered 405
// with Allow.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(Prefix, "/"))
	var err error
	switch {
	case strings.HasPrefix(rest, "/vulns/") && len(rest) > len("/vulns/"):
		if err = method(r, http.MethodGet, http.MethodHead); err == nil {
			err = h.vuln(w, r, strings.TrimPrefix(rest, "/vulns/"))
		}
	case rest == "/query":
		if err = method(r, http.MethodPost); err == nil {
			err = h.query(w, r)
		}
	case rest == "/querybatch":
		if err = method(r, http.MethodPost); err == nil {
			err = h.queryBatch(w, r)
		}
	default:
		err = core.Errorf(core.KindNotFound, "no such OSV API endpoint: %s (this registry serves GET %svulns/{id}, POST %squery and POST %squerybatch)",
			quote.Untrusted(r.URL.Path), Prefix, Prefix, Prefix)
	}
	if err != nil {
		h.fail(w, r, err)
	}
}

func method(r *http.Request, allowed ...string) error {
	for _, m := range allowed {
		if r.Method == m {
			return nil
		}
	}
	return core.WrongMethod(allowed, "%s takes %s, not %s", quote.Untrusted(r.URL.Path), strings.Join(allowed, " or "), quote.Untrusted(r.Method))
}

// grpcCodes are the gRPC status codes api.osv.dev answers errors with.
var grpcCodes = map[core.Kind]int{
	core.KindInvalid: 3, core.KindNotFound: 5, core.KindForbidden: 7, core.KindRateLimited: 8,
	core.KindTooLarge: 3, core.KindUnauthenticated: 16, core.KindWrongMethod: 12,
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := httperr.SetHeaders(w, err)
	code, ok := grpcCodes[core.KindOf(err)]
	if !ok {
		code = 13
	}
	msg := core.Message(err)
	if status == http.StatusInternalServerError {
		h.log.ErrorContext(r.Context(), "OSV API request failed", "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg})
}

func writeJSON(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, err = w.Write(append(b, '\n'))
	return err
}

func (h *Handler) vuln(w http.ResponseWriter, r *http.Request, id string) error {
	if len(id) > 128 || strings.ContainsAny(id, "/ ") {
		return core.Errorf(core.KindNotFound, "Bug not found.")
	}
	v, err := h.viewerOf(r)
	if err != nil {
		return err
	}
	rec, err := h.svc.Get(r.Context(), id)
	if core.KindOf(err) == core.KindNotFound {
		return core.Errorf(core.KindNotFound, "Bug not found.")
	}
	if err != nil {
		return err
	}
	// A record about a package the caller may not read is one that does
	// not exist, word for word.
	if ok, err := v.see.Sees(r.Context(), rec); err != nil || !ok {
		if err == nil {
			err = core.Errorf(core.KindNotFound, "Bug not found.")
		}
		return err
	}
	return writeJSON(w, json.RawMessage(rec.Raw))
}

// Query is one query of the API.
type Query struct {
	Package   *QueryPackage `json:"package,omitempty"`
	Version   string        `json:"version,omitempty"`
	Commit    string        `json:"commit,omitempty"`
	PageToken string        `json:"page_token,omitempty"`
}

// QueryPackage names the package of a query: a name and an ecosystem,
// or a package URL.
type QueryPackage struct {
	Name      string `json:"name,omitempty"`
	Ecosystem string `json:"ecosystem,omitempty"`
	Purl      string `json:"purl,omitempty"`
}

// readBody reads a JSON request strictly: within max, refused unread if
// it declares more, one value, no unknown field.
func readBody(w http.ResponseWriter, r *http.Request, max int64, v any) error {
	if r.ContentLength > max {
		return core.Errorf(core.KindTooLarge, "the request body is over this API's limit of %d bytes", max)
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return core.Errorf(core.KindTooLarge, "the request body is over this API's limit of %d bytes", max)
		}
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return core.Errorf(core.KindInvalid, "the request is not a valid OSV API query: %v", err)
	}
	if dec.More() {
		return core.Errorf(core.KindInvalid, "the request holds more than one JSON value")
	}
	return nil
}

// resolve checks a query as api.osv.dev does and returns its package
// and version.
func resolve(q Query) (core.PackageRef, string, error) {
	if q.Commit != "" {
		return core.PackageRef{}, "", core.Errorf(core.KindInvalid, "commit queries are not supported: this registry's advisories match package versions")
	}
	if q.PageToken != "" {
		return core.PackageRef{}, "", core.Errorf(core.KindInvalid, "invalid page_token: this registry answers every result in one page")
	}
	if q.Package == nil {
		return core.PackageRef{}, "", core.Errorf(core.KindInvalid, "a query needs a package: {\"package\": {\"name\": ..., \"ecosystem\": \"npm\"}, \"version\": ...}")
	}
	p, version := *q.Package, q.Version
	if p.Purl != "" {
		if p.Name != "" || p.Ecosystem != "" {
			return core.PackageRef{}, "", core.Errorf(core.KindInvalid, "name a package by purl or by name and ecosystem, not both")
		}
		eco, name, v, err := osv.ParsePURL(p.Purl)
		if err != nil {
			return core.PackageRef{}, "", core.Errorf(core.KindInvalid, "%v", err)
		}
		if v != "" && version != "" {
			return core.PackageRef{}, "", core.Errorf(core.KindInvalid, "the version is given twice: in the purl and in version")
		}
		if v != "" {
			version = v
		}
		p.Name, p.Ecosystem = name, eco
	}
	if p.Name == "" || p.Ecosystem == "" {
		return core.PackageRef{}, "", core.Errorf(core.KindInvalid, "a package needs a name and an ecosystem (\"npm\"), or a purl")
	}
	if len(p.Name) > limits.MaxNameLength || len(version) > limits.MaxVersionLength {
		return core.PackageRef{}, "", core.Errorf(core.KindInvalid, "the package name or version is too long")
	}
	return core.PackageRef{Ecosystem: advisory.Ecosystem(p.Ecosystem), Name: p.Name}, version, nil
}

func (h *Handler) query(w http.ResponseWriter, r *http.Request) error {
	var q Query
	if err := readBody(w, r, limits.MaxOSVQueryBytes, &q); err != nil {
		return err
	}
	ref, version, err := resolve(q)
	if err != nil {
		return err
	}
	v, err := h.viewerOf(r)
	if err != nil {
		return err
	}
	recs, err := v.query(r.Context(), ref, version)
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return writeJSON(w, struct{}{})
	}
	vulns := make([]json.RawMessage, len(recs))
	for i, rec := range recs {
		vulns[i] = rec.Raw
	}
	return writeJSON(w, map[string]any{"vulns": vulns})
}

// batchVuln is what a batch answers per advisory: its id and modified
// time, as api.osv.dev does.
type batchVuln struct {
	ID       string `json:"id"`
	Modified string `json:"modified"`
}

type batchResult struct {
	Vulns []batchVuln `json:"vulns,omitempty"`
}

func (h *Handler) queryBatch(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Queries []Query `json:"queries"`
	}
	if err := readBody(w, r, limits.MaxOSVBatchBytes, &body); err != nil {
		return err
	}
	if len(body.Queries) > limits.MaxOSVBatchQueries {
		return core.Errorf(core.KindInvalid, "a batch holds at most %d queries, not %d: split it", limits.MaxOSVBatchQueries, len(body.Queries))
	}
	// Every query is checked before any is answered: a bad one fails the
	// batch, as it does on api.osv.dev.
	type resolved struct {
		ref     core.PackageRef
		version string
	}
	qs := make([]resolved, len(body.Queries))
	for i, q := range body.Queries {
		ref, version, err := resolve(q)
		if err != nil {
			return core.Errorf(core.KindOf(err), "queries[%d]: %s", i, core.Message(err))
		}
		qs[i] = resolved{ref, version}
	}
	v, err := h.viewerOf(r)
	if err != nil {
		return err
	}
	results := make([]batchResult, len(qs))
	for i, q := range qs {
		recs, err := v.query(r.Context(), q.ref, q.version)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			results[i].Vulns = append(results[i].Vulns, batchVuln{ID: rec.ID, Modified: rec.Modified.UTC().Format("2006-01-02T15:04:05.999999999Z")})
		}
	}
	return writeJSON(w, map[string]any{"results": results})
}
