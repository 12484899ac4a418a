package event

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// TokenLeaked: a live API token was found where others can read it and was
// revoked (EventTokenLeaked). The token's owner is mailed from the outbox:
// the event says where it was found and whom to tell. A scanner's report
// gives the URL and the kind of place (Source: "commit", "npm", ...); a
// package upload gives the package, version and file it was in (the
// event's own package and version stay empty: the upload was refused).
type TokenLeaked struct {
	User      string `event:"user"`       // the token's owner
	Key       string `event:"key"`        // the token's public id, as `npm token list` shows
	Scanner   string `event:"scanner"`    // the configured scanner that reported it; "publish" for an upload
	TokenType string `event:"token_type"` // the scanner's name for the token's type
	Source    string `event:"source"`     // the kind of place it was found, as the scanner says
	Package   string `event:"package"`    // an upload: the package and version it was inside
	Version   string `event:"version"`
	// Uploader is who sent the upload the token was inside; "" for a
	// scanner's report.
	Uploader string `event:"uploader"`
	// URL is where the scanner found it (a commit, a gist, an issue):
	// personal, since such a URL names the person who published it.
	URL  string `event:"url,personal"`
	File string `event:"file,personal"` // an upload: the file inside the package
	// Token names the token by mask and name (`rmp_AbCd ("ci")`), for the
	// notice: its name is the owner's label, often naming a machine.
	Token  string   `event:"token,personal"`
	Notify []string `event:"notify,personal"` // the users to mail: the owner
}

func init() { register(TokenLeaked{}, 1).by(Users) }

func (TokenLeaked) Type() string { return core.EventTokenLeaked }

// At is the event of p by actor: the token's owner, so that it shows in
// the owner's account history (who found it is Scanner and Uploader).
func (p TokenLeaked) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}
