package quarantinepages

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/web/webkit"
)

// The decided view of proxied holds: /moderation/upstream/decided lists
// the versions moderators released or confirmed, the newest decision
// first, a page at a time, each linking to its evidence page (readable
// after the decision), so that who decided what stays in sight.

const (
	pathUpstreamDecided = pathModeration + "/upstream/decided"
	// decidedPerPage is how many decisions a page lists.
	decidedPerPage = 50
)

type decidedBody struct {
	Rows       []upstreamRow
	Total      int
	Prev, Next string // the other pages' links, "" at either end
	From, To   int    // the rows shown, from 1
}

func (g *Pages) upstreamDecidedPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		webkit.SignInFirst(w, r)
		return nil
	}
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	offset = max(0, offset)
	list, total, err := g.up.DecidedVersions(r.Context(), p, decidedPerPage, offset)
	if err != nil {
		if g.sh.StepUpRedirect(w, r, p, err) {
			return nil
		}
		return err
	}
	b := decidedBody{Total: total, From: offset + 1, To: offset + len(list)}
	for _, h := range list {
		b.Rows = append(b.Rows, upstreamRow{UpstreamHold: h, URL: UpstreamPath(h.Ref.Name, h.Version)})
	}
	if offset > 0 {
		b.Prev = pathUpstreamDecided + "?" + url.Values{"offset": {strconv.Itoa(max(0, offset-decidedPerPage))}}.Encode()
	}
	if offset+len(list) < total {
		b.Next = pathUpstreamDecided + "?" + url.Values{"offset": {strconv.Itoa(offset + len(list))}}.Encode()
	}
	return templates.Render(w, r, p, http.StatusOK, "upstreamdecided", webkit.Data{Title: "Decided proxied versions · Moderation", Body: b})
}
