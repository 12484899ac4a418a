package server

import (
	"net/http"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/scanapi"
	"github.com/rampart/rampart/internal/secretscan"
	"github.com/rampart/rampart/internal/store"
)

// openScanning builds the secret-scanning service from [secret_scanning]:
// the report endpoint's scanners with their key URLs, fetched over HTTP,
// and what an upload holding a credential gets.
func openScanning(st store.Store, cfg config.Config, mailer mail.Mailer, opts Options) *secretscan.Service {
	sc := cfg.SecretScanning
	scanners := make([]secretscan.Scanner, len(sc.Scanners))
	for i, s := range sc.Scanners {
		scanners[i] = secretscan.Scanner{Name: s.Name, KeysURL: s.KeysURL}
	}
	return secretscan.New(st, mailer, secretscan.Config{
		Reports:           sc.Reports,
		Scanners:          scanners,
		ReplayWindow:      sc.ReplayWindow.Duration,
		WarnForeignTokens: sc.UploadForeignTokens == "warn",
		SecurityURL:       cfg.PublicURL + "account",
		Fetch:             scanapi.FetchKeys(&http.Client{Timeout: limits.ScanKeysTimeout}),
	}, opts.Now, opts.Log)
}
