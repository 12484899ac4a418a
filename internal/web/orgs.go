package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/org"
)

// The organisation pages: the caller's orgs and the form that creates
// one (/orgs), and an org's page (/org/<name>) with its members, teams,
// grants and packages, and the forms that change them. The org service
// decides every change (authz, step-up, events, notices); a change that
// needs a fresh second factor is sent to the confirm page and back here,
// as for the other settings pages. Forms are same-origin only
// (http.CrossOriginProtection in front of every page).

const (
	pathOrgs = "/orgs"
	pathOrg  = "/org/"
)

func (h *Handler) orgRoutes() {
	h.mux.Handle("GET "+pathOrgs, h.page(h.orgsPage))
	h.mux.Handle("POST "+pathOrgs, h.page(h.createOrg))
	h.mux.Handle("GET "+pathOrg+"{org}", h.page(h.orgPage))
	h.mux.Handle("POST "+pathOrg+"{org}/{op}", h.page(h.orgChange))
}

// orgsBody is the list of the caller's orgs and the create form.
type orgsBody struct {
	Mine     []core.OrgMembership
	Name     string
	Error    string
	Verified bool
}

func (h *Handler) orgsPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		redirect(w, pathLogin+"?"+url.Values{"next": {pathOrgs}}.Encode())
		return nil
	}
	return h.renderOrgs(w, r, p, http.StatusOK, orgsBody{})
}

func (h *Handler) renderOrgs(w http.ResponseWriter, r *http.Request, p authz.Principal, status int, b orgsBody) error {
	mine, err := h.orgs.Mine(r.Context(), p)
	if err != nil {
		return err
	}
	b.Mine, b.Verified = mine, p.User.EmailVerified
	return h.render(w, r, p, status, "orgs", pageData{Title: "Organisations", Body: b})
}

func (h *Handler) createOrg(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return needSignIn(r)
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	name := strings.TrimSpace(r.PostForm.Get("name"))
	if err := h.orgs.Create(r.Context(), p, name, ""); err != nil {
		if h.stepUpRedirect(w, r, p, err) {
			return nil
		}
		return h.renderOrgs(w, r, p, h.status(w, r, err), orgsBody{Name: name, Error: message(err)})
	}
	redirect(w, pathOrg+url.PathEscape(name))
	return nil
}

// orgBody is an org's page.
type orgBody struct {
	*org.View
	Error, Done string
	// What the caller's role lets the page offer (the service decides).
	ManagesMembers, ManagesTeams bool
}

func (h *Handler) orgPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		redirect(w, pathLogin+"?"+url.Values{"next": {r.URL.Path}}.Encode())
		return nil
	}
	return h.renderOrg(w, r, p, http.StatusOK, r.PathValue("org"), "", r.URL.Query().Get("done"))
}

func (h *Handler) renderOrg(w http.ResponseWriter, r *http.Request, p authz.Principal, status int, name, errMsg, done string) error {
	v, err := h.orgs.View(r.Context(), p, name)
	if err != nil {
		return err
	}
	b := orgBody{View: v, Error: errMsg, Done: orgDone[done],
		ManagesMembers: v.Role == core.OrgOwner, ManagesTeams: v.Role == core.OrgOwner || v.Role == core.OrgAdmin}
	return h.render(w, r, p, status, "org", pageData{Title: "@" + v.Name, Body: b})
}

// orgDone are the confirmations shown after a change (?done=...).
var orgDone = map[string]string{
	"member": "Member saved; they and the owners were mailed.", "remove": "Member removed.",
	"team": "Team created.", "team-member": "Team updated.", "team-delete": "Team deleted.",
	"grant": "Access granted.", "revoke": "Access revoked.",
}

// orgChange applies one of the org page's forms.
func (h *Handler) orgChange(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return needSignIn(r)
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	name, f := r.PathValue("org"), r.PostForm
	get := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	ctx := r.Context()
	var err error
	done := r.PathValue("op")
	switch done {
	case "member":
		err = h.orgs.SetMember(ctx, p, name, get("user"), core.OrgRole(get("role")))
	case "remove":
		err = h.orgs.RemoveMember(ctx, p, name, get("user"))
	case "team":
		err = h.orgs.CreateTeam(ctx, p, name, get("team"), get("description"))
	case "team-member":
		if get("op") == "remove" {
			err = h.orgs.RemoveTeamMember(ctx, p, name, get("team"), get("user"))
		} else {
			err = h.orgs.AddTeamMember(ctx, p, name, get("team"), get("user"))
		}
	case "team-delete":
		err = h.orgs.DestroyTeam(ctx, p, name, get("team"))
	case "grant":
		err = h.orgs.Grant(ctx, p, name, get("team"), core.NPM(get("package")), core.Permission(get("permission")))
	case "revoke":
		err = h.orgs.Revoke(ctx, p, name, get("team"), core.NPM(get("package")))
	case "delete":
		if get("confirm") != name {
			err = core.Errorf(core.KindInvalid, "type the organisation's name, %s, to confirm its deletion", name)
		} else if err = h.orgs.Delete(ctx, p, name); err == nil {
			redirect(w, pathOrgs)
			return nil
		}
	default:
		return core.Errorf(core.KindNotFound, "no such form")
	}
	if err != nil {
		if h.stepUpRedirect(w, r, p, err) {
			return nil
		}
		if core.KindOf(err) == core.KindNotFound && strings.Contains(message(err), "no organisation") {
			return err
		}
		return h.renderOrg(w, r, p, h.status(w, r, err), name, message(err), "")
	}
	redirect(w, pathOrg+url.PathEscape(name)+"?done="+url.QueryEscape(done))
	return nil
}
