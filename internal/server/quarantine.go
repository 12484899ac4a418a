package server

import (
	"context"
	"fmt"

	"github.com/rampart/rampart/internal/background"
	"github.com/rampart/rampart/internal/config"
	npmfmt "github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/malscan"
	"github.com/rampart/rampart/internal/publish"
	"github.com/rampart/rampart/internal/quarantine"
	"github.com/rampart/rampart/internal/registry"
)

// newScanner builds the malware scan's rules from [scan]: the built-in
// ones, the operator's rule files and, in a YARA build, YARA rules. A
// file that does not load refuses the start, naming the file and why.
func newScanner(cfg config.Config, opts Options) (*quarantine.Scanner, error) {
	extra, err := malscan.LoadRuleFiles(cfg.Scan.Rules)
	if err != nil {
		return nil, fmt.Errorf("[scan] rules: %w", err)
	}
	y, err := malscan.LoadYARA(cfg.Scan.YARARules)
	if err != nil {
		return nil, fmt.Errorf("[scan] yara_rules: %w", err)
	}
	if y != nil {
		extra = append(extra, y)
	}
	return quarantine.NewScanner(extra, cfg.Limits.UnpackedBytes, opts.Now), nil
}

// malwareCheck is the publish's malware scan: none when [scan] disabled.
func malwareCheck(cfg config.Config, sc *quarantine.Scanner) publish.MalwareCheck {
	if cfg.Scan.Disabled {
		return nil
	}
	return sc
}

// openQuarantine builds the moderators' service over the registry's store
// (its writes reach the read caches).
func openQuarantine(reg *registry.Service, sc *quarantine.Scanner, cfg config.Config, mailer mail.Mailer, bg *background.Group, opts Options) *quarantine.Service {
	return quarantine.New(reg.Store(), reg.Blobs(), quarantine.Config{
		Scanner: sc, PublicURL: cfg.PublicURL, Mailer: mailer, Background: bg, Console: opts.Console,
		Hooks: quarantine.Hooks{Touch: reg.Touch, Refresh: reg.RefreshDocument, Signed: reg.Signed, Format: npmfmt.Format{}, Wake: reg.WakeNotices},
	}, opts.Now, opts.Log)
}

// closeQuarantine mails what the moderation outbox still holds.
func (s *Services) closeQuarantine(ctx context.Context) error {
	if s.Quarantine == nil {
		return nil
	}
	return s.Quarantine.Close(ctx)
}
