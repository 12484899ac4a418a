package tarball

import (
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/secretfind"
)

// Secret is a credential found in one file of the tarball
// (internal/secretfind): the file's path as the archive names it, the
// finding (a Rampart token by its hash only, any other by its kind).
type Secret struct {
	File string
	secretfind.Finding
}

// noteSecrets records the findings of one file, up to
// limits.MaxSecretFindings in all: one is enough to refuse the upload,
// and a tarball full of lookalikes must not grow memory.
func (in *inspector) noteSecrets(file string, found []secretfind.Finding) {
	for _, f := range found {
		if len(in.info.Secrets) >= limits.MaxSecretFindings {
			return
		}
		in.info.Secrets = append(in.info.Secrets, Secret{File: file, Finding: f})
	}
}
