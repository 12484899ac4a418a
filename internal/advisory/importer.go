package advisory

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/osv"
	"github.com/rampart/rampart/internal/store"
)

// batchSize is how many changed records one transaction writes: an
// import of OSV's whole npm export is a few hundred transactions, none
// holding the writer for long.
const batchSize = 500

// maxReportedErrors bounds the invalid records an import names.
const maxReportedErrors = 20

// Summary is what an import did.
type Summary struct {
	Read      int // OSV records read
	New       int // stored for the first time
	Updated   int // stored over an older modified time
	Unchanged int // already stored at this modified time or a newer one
	Withdrawn int // of New and Updated, those withdrawn
	Invalid   int // refused: not valid OSV, or over a bound
	Conflicts int // refused: the id is one of Rampart's own advisories
	Errors    []string
}

func (s Summary) String() string {
	return fmt.Sprintf("read %d records: %d new, %d updated (%d of them withdrawn), %d unchanged, %d invalid, %d refused as Rampart's own ids",
		s.Read, s.New, s.Updated, s.Withdrawn, s.Unchanged, s.Invalid, s.Conflicts)
}

func (s *Summary) fail(name string, err error) {
	s.Invalid++
	if len(s.Errors) < maxReportedErrors {
		s.Errors = append(s.Errors, name+": "+err.Error())
	}
}

// ImportPath imports the OSV records at path, a folder of .json files
// (searched recursively) or a zip of them (OSV's npm/all.zip), at a
// moderator's or administrator's request. A record already stored at
// its modified time or later is left alone, so an import may be run
// again; a withdrawn record is stored withdrawn and no longer matches.
func (s *Service) ImportPath(ctx context.Context, p authz.Principal, path string) (Summary, error) {
	if err := authz.Authorize(p, authz.Moderate, authz.Resource{}); err != nil {
		return Summary{}, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return Summary{}, core.Errorf(core.KindInvalid, "cannot read %s: %v", path, err)
	}
	if fi.IsDir() {
		return s.importRecords(ctx, p.User.Name, path, folderRecords(path))
	}
	f, err := os.Open(path)
	if err != nil {
		return Summary{}, err
	}
	defer f.Close()
	return s.ImportZip(ctx, p.User.Name, path, f, fi.Size())
}

// ImportZip imports the OSV records of a zip (every .json file in it),
// by actor ("" for the scheduled pull), naming source in its events.
func (s *Service) ImportZip(ctx context.Context, actor, source string, r io.ReaderAt, size int64) (Summary, error) {
	if size > limits.MaxAdvisoryImportBytes {
		return Summary{}, core.Errorf(core.KindTooLarge, "%s is over the limit of %d MiB on an advisory import", source, limits.MaxAdvisoryImportBytes/limits.MiB)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return Summary{}, core.Errorf(core.KindInvalid, "%s is neither a folder nor a zip of OSV records: %v", source, err)
	}
	if len(zr.File) > limits.MaxAdvisoryImportFiles {
		return Summary{}, core.Errorf(core.KindTooLarge, "%s holds %d files, over the limit of %d on an advisory import", source, len(zr.File), limits.MaxAdvisoryImportFiles)
	}
	return s.importRecords(ctx, actor, source, zipRecords(zr))
}

// records yields each record's name and bytes; a yield error ends it.
type records func(yield func(name string, b []byte, err error) error) error

func folderRecords(dir string) records {
	return func(yield func(string, []byte, error) error) error {
		n := 0
		return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(d.Name(), ".json") || !d.Type().IsRegular() {
				return nil
			}
			if n++; n > limits.MaxAdvisoryImportFiles {
				return core.Errorf(core.KindTooLarge, "%s holds more than %d records, the limit on an advisory import", dir, limits.MaxAdvisoryImportFiles)
			}
			f, err := os.Open(path)
			if err != nil {
				return yield(path, nil, err)
			}
			b, err := readRecord(f)
			f.Close()
			return yield(path, b, err)
		})
	}
}

func zipRecords(zr *zip.Reader) records {
	return func(yield func(string, []byte, error) error) error {
		var unpacked int64
		for _, f := range zr.File {
			if f.FileInfo().IsDir() || !strings.HasSuffix(f.Name, ".json") {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				if err := yield(f.Name, nil, err); err != nil {
					return err
				}
				continue
			}
			b, err := readRecord(rc)
			rc.Close()
			if unpacked += int64(len(b)); unpacked > limits.MaxAdvisoryImportUnpackedBytes {
				return core.Errorf(core.KindTooLarge, "the zip unpacks to more than %d MiB, the limit on an advisory import", limits.MaxAdvisoryImportUnpackedBytes/limits.MiB)
			}
			if err := yield(f.Name, b, err); err != nil {
				return err
			}
		}
		return nil
	}
}

// readRecord reads one record, refusing it past osv.MaxRecordBytes
// whatever its header declared.
func readRecord(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, osv.MaxRecordBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > osv.MaxRecordBytes {
		return nil, fmt.Errorf("larger than %d bytes", osv.MaxRecordBytes)
	}
	return b, nil
}

func (s *Service) importRecords(ctx context.Context, actor, source string, each records) (Summary, error) {
	var sum Summary
	var known map[string]core.Advisory
	if err := s.st.View(ctx, func(tx store.Tx) error {
		mods, err := tx.AdvisoryModified()
		known = make(map[string]core.Advisory, len(mods))
		for id, m := range mods {
			known[id] = core.Advisory{ID: id, Modified: m}
		}
		return err
	}); err != nil {
		return sum, err
	}
	var batch []*osv.Vuln
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := s.writeBatch(ctx, actor, source, batch, &sum)
		batch = batch[:0]
		return err
	}
	err := each(func(name string, b []byte, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		sum.Read++
		if err != nil {
			sum.fail(name, err)
			return nil
		}
		v, err := osv.ParseBytes(b)
		if err != nil {
			sum.fail(name, err)
			return nil
		}
		if k, ok := known[v.ID]; ok && !k.Modified.Before(v.Modified.Truncate(1e6)) {
			sum.Unchanged++
			return nil
		}
		batch = append(batch, v)
		if len(batch) >= batchSize {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return sum, err
	}
	s.log.Info("advisories imported", "source", source, "summary", sum.String())
	return sum, nil
}

// writeBatch stores a batch of records in one transaction, each with its
// event, comparing with what is stored inside the transaction: an older
// record never overwrites a newer one, and an import never overwrites
// Rampart's own advisories.
func (s *Service) writeBatch(ctx context.Context, actor, source string, batch []*osv.Vuln, sum *Summary) error {
	now := s.now()
	var delta Summary
	err := s.st.Update(ctx, func(tx store.Tx) error {
		delta = Summary{}
		for _, v := range batch {
			change := "new"
			old, err := tx.Advisory(v.ID)
			switch {
			case errors.Is(err, core.ErrNotFound):
			case err != nil:
				return err
			case old.Source == "rampart":
				delta.Conflicts++
				continue
			case !old.Modified.Before(v.Modified.Truncate(1e6)):
				delta.Unchanged++
				continue
			default:
				change = "updated"
			}
			a, err := toStored(v, source)
			if err != nil {
				return err
			}
			if err := tx.PutAdvisory(a); err != nil {
				return err
			}
			var pkgs []string
			for _, p := range a.Packages {
				pkgs = append(pkgs, string(p.Ecosystem)+"/"+p.Name)
			}
			if err := tx.AppendEvent(event.AdvisoryImport{ID: v.ID, Modified: v.Modified, Withdrawn: v.Withdrawn != nil, Change: change, Source: source, Packages: pkgs}.At(now, actor)); err != nil {
				return err
			}
			if change == "new" {
				delta.New++
			} else {
				delta.Updated++
			}
			if v.Withdrawn != nil {
				delta.Withdrawn++
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	sum.New += delta.New
	sum.Updated += delta.Updated
	sum.Unchanged += delta.Unchanged
	sum.Withdrawn += delta.Withdrawn
	sum.Conflicts += delta.Conflicts
	return nil
}
