package store

import "github.com/rampart/rampart/internal/core"

// Files lists what the blob store must hold: one FileRef per version ever
// published, unpublished ones included, ordered by package name and then
// publication. Admin commands (scrub, orphan collection, backup) read it;
// no request path does.
type Files interface {
	FileRefs() ([]core.FileRef, error)
}
