package publish

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/blob/fsblob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/ecosystem/npm"
)

// TestPublishStageOrder pins the pipeline's order: new stages are added
// to this list on purpose, never by accident.
func TestPublishStageOrder(t *testing.T) {
	var got []string
	for _, st := range publishStages {
		got = append(got, st.name)
	}
	want := []string{"parse", "verify", "policy", "names", "provenance", "store", "scan", "commit", "after-commit"}
	if !slices.Equal(got, want) {
		t.Fatalf("publish stages = %v, want %v", got, want)
	}
}

// artifactPublish is a neutral publish of bytes as its artifact.
func artifactPublish(ref core.PackageRef, b []byte) *ecosystem.Publish {
	sum := sha512.Sum512(b)
	return &ecosystem.Publish{Ref: ref, Version: "1.0.0", Tag: "latest", Access: "public",
		Artifact: ecosystem.Artifact{File: bytes.NewReader(b), Size: int64(len(b)), SHA512: sum[:], Integrity: npm.Integrity(b)}}
}

func TestParseStagePassesTheFormatsRefusalUnchanged(t *testing.T) {
	refusal := core.Errorf(core.KindInvalid, "the publish document is for package a but was sent to the URL of b")
	r := &publishRun{parse: func() (*ecosystem.Publish, error) { return nil, refusal }}
	if err := parseStage(context.Background(), r); err != refusal {
		t.Fatalf("parse stage = %v, want the format's refusal itself", err)
	}
	pub := artifactPublish(core.NPM("a"), []byte("x"))
	r = &publishRun{parse: func() (*ecosystem.Publish, error) { return pub, nil }}
	if err := parseStage(context.Background(), r); err != nil || r.pub != pub {
		t.Fatalf("parse stage = %v, pub %p, want nil and %p", err, r.pub, pub)
	}
}

func TestVerifyStage(t *testing.T) {
	s := &Publisher{format: npm.Format{}}
	good := artifactPublish(core.NPM("a"), []byte("tarball"))
	r := &publishRun{s: s, pub: good}
	if err := verifyStage(context.Background(), r); err != nil {
		t.Fatalf("verify of a whole npm publish: %v", err)
	}
	if want := blob.Digest(hex.EncodeToString(good.Artifact.SHA512)); r.digest != want {
		t.Fatalf("digest = %s, want %s", r.digest, want)
	}

	other := artifactPublish(core.PackageRef{Ecosystem: "gomod", Name: "a"}, []byte("zip"))
	if err := verifyStage(context.Background(), &publishRun{s: s, pub: other}); err == nil {
		t.Fatal("a publish of another ecosystem passed verify")
	}
	noDigest := artifactPublish(core.NPM("a"), []byte("x"))
	noDigest.Artifact.SHA512 = nil
	if err := verifyStage(context.Background(), &publishRun{s: s, pub: noDigest}); err == nil {
		t.Fatal("a publish without the artifact's digest passed verify")
	}
}

// With no credentials found in the artifact, the scan stage neither
// refuses nor records.
func TestScanStageRecordsNothing(t *testing.T) {
	r := &publishRun{pub: artifactPublish(core.NPM("a"), []byte("x"))}
	before := *r
	if err := scanStage(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if r.pub != before.pub || r.digest != before.digest || r.provenance != before.provenance || r.out != nil {
		t.Fatal("the scan stage changed the run")
	}
}

// Credentials found in the artifact go to Config.Leaks, whose refusal
// ends the publish and whose warning reaches the publisher.
func TestScanStageAsksLeaks(t *testing.T) {
	pub := artifactPublish(core.NPM("a"), []byte("x"))
	pub.Version = "1.0.0"
	pub.Secrets = []ecosystem.Secret{{File: "package/.npmrc", Kind: "rampart", Hash: "ab"}}
	p := authz.Principal{User: &core.User{Name: "alice"}}
	var got []ecosystem.Secret
	refuse := errors.New("refused")
	s := &Publisher{leaks: func(_ context.Context, actor string, ref core.PackageRef, version string, found []ecosystem.Secret) (string, error) {
		if actor != "alice" || ref != core.NPM("a") || version != "1.0.0" {
			t.Errorf("leaks(%q, %v, %q)", actor, ref, version)
		}
		got = found
		return "", refuse
	}}
	if err := scanStage(context.Background(), &publishRun{s: s, p: p, pub: pub}); !errors.Is(err, refuse) {
		t.Fatalf("scanStage = %v, want the check's refusal", err)
	}
	if len(got) != 1 || got[0].File != "package/.npmrc" {
		t.Fatalf("leaks got %+v", got)
	}
	s.leaks = func(context.Context, string, core.PackageRef, string, []ecosystem.Secret) (string, error) {
		return "careful", nil
	}
	r := &publishRun{s: s, p: p, pub: pub}
	if err := scanStage(context.Background(), r); err != nil || r.warning != "careful" {
		t.Fatalf("scanStage = %v, warning %q; want nil and the check's warning", err, r.warning)
	}
}

// The store stage stores the artifact by digest, and the provenance
// bundle, when there is one, as a blob of its own.
func TestStoreStageKeepsProvenance(t *testing.T) {
	blobs, err := fsblob.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := &Publisher{format: npm.Format{}, blobs: blobs}
	ctx := context.Background()
	bundle := []byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`)
	for _, withBundle := range []bool{false, true} {
		pub := artifactPublish(core.NPM("a"), []byte("tarball bytes"))
		if withBundle {
			pub.Attachments = []ecosystem.Attachment{{Kind: ecosystem.AttachmentProvenance, Data: bundle}}
		}
		r := &publishRun{s: s, pub: pub}
		if err := verifyStage(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := storeStage(ctx, r); err != nil {
			t.Fatal(err)
		}
		if got := readBlob(t, blobs, r.digest); got != "tarball bytes" {
			t.Fatalf("artifact blob = %q", got)
		}
		if !withBundle {
			if r.provenance != "" {
				t.Fatalf("provenance digest %s without a bundle", r.provenance)
			}
			continue
		}
		sum := sha512.Sum512(bundle)
		if want := blob.Digest(hex.EncodeToString(sum[:])); r.provenance != want {
			t.Fatalf("provenance digest = %s, want %s", r.provenance, want)
		}
		if got := readBlob(t, blobs, r.provenance); got != string(bundle) {
			t.Fatalf("provenance blob = %q, want the bundle", got)
		}
	}
}

func readBlob(t *testing.T, blobs blob.Store, d blob.Digest) string {
	t.Helper()
	rc, _, err := blobs.Open(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A stage's refusal ends the run: the stages after it do not run (a
// refusal before "store" stores nothing), and it comes back unchanged.
func TestRunPublishStopsAtTheFirstRefusal(t *testing.T) {
	refusal := errors.New("refused")
	var ran []string
	saved := publishStages
	t.Cleanup(func() { publishStages = saved })
	publishStages = nil
	for _, st := range saved {
		name := st.name
		publishStages = append(publishStages, stage{name, func(context.Context, *publishRun) error {
			ran = append(ran, name)
			if name == "policy" {
				return refusal
			}
			return nil
		}})
	}
	s := &Publisher{}
	if _, err := s.runPublish(context.Background(), authz.Principal{}, false, nil); err != refusal {
		t.Fatalf("runPublish = %v, want the policy stage's refusal", err)
	}
	if got := strings.Join(ran, ","); got != "parse,verify,policy" {
		t.Fatalf("stages run = %s, want parse,verify,policy", got)
	}
}
