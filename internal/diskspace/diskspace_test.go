package diskspace

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"testing"
)

func TestIsFull(t *testing.T) {
	for _, err := range []error{
		ErrFull,
		Below(1<<20, 512<<20),
		&fs.PathError{Op: "write", Path: "/data/blobs/x", Err: syscall.ENOSPC},
		fmt.Errorf("storing: %w", &fs.PathError{Op: "write", Path: "x", Err: syscall.EDQUOT}),
		errors.New("sqlite: database or disk is full (13)"),
	} {
		if !IsFull(err) {
			t.Errorf("IsFull(%v) = false", err)
		}
	}
	for _, err := range []error{nil, errors.New("disk on fire"), &fs.PathError{Op: "open", Path: "x", Err: syscall.ENOENT}} {
		if IsFull(err) {
			t.Errorf("IsFull(%v) = true", err)
		}
	}
}

func TestFree(t *testing.T) {
	n, err := Free(t.TempDir())
	if err != nil || n == 0 {
		t.Fatalf("Free = %d, %v", n, err)
	}
}
