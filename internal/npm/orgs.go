package npm

import (
	"net/http"

	"github.com/rampart/rampart/internal/core"
)

// The npm org, team and access endpoints (npm-protocol.md §6.5, §6.8,
// §6.9): `npm org set/rm/ls`, `npm team create/destroy/add/rm/ls` and
// `npm access grant/revoke/list packages`. They translate to the org
// service, which decides (authz) and records; npm's "developer" role is
// Rampart's member.

// npmRole is the role as npm names it.
func npmRole(r core.OrgRole) string {
	if r == core.OrgMember {
		return "developer"
	}
	return string(r)
}

// orgRole reads npm's role; "" (npm's default) is developer.
func orgRole(s string) core.OrgRole {
	switch s {
	case "", "developer", "member":
		return core.OrgMember
	}
	return core.OrgRole(s)
}

// npmPerm is a permission as `npm access list` reads it.
func npmPerm(p core.Permission) string {
	if p == core.PermReadWrite {
		return "write"
	}
	return "read"
}

func serveOrgUsers(h *Handler, c *call) error {
	ms, err := h.orgs.Members(c.r.Context(), c.p, c.org)
	if err != nil {
		return err
	}
	out := map[string]string{}
	for _, m := range ms {
		out[m.Name] = npmRole(m.Role)
	}
	return writeJSON(c.w, http.StatusOK, out)
}

func serveOrgSetUser(h *Handler, c *call) error {
	var body struct {
		User string `json:"user"`
		Role string `json:"role"`
	}
	if err := readJSONSignedIn(c.w, c.r, c.p, &body); err != nil {
		return err
	}
	if body.User == "" {
		return core.Errorf(core.KindInvalid, "name the user to add: {\"user\": \"<name>\", \"role\": \"developer\"}")
	}
	role := orgRole(body.Role)
	if err := h.orgs.SetMember(c.r.Context(), c.p, c.org, body.User, role); err != nil {
		return err
	}
	size, err := h.orgs.Size(c.r.Context(), c.p, c.org)
	if err != nil {
		return err
	}
	return writeJSON(c.w, http.StatusOK, map[string]any{"org": map[string]any{"name": c.org, "size": size}, "user": body.User, "role": npmRole(role)})
}

func serveOrgRemoveUser(h *Handler, c *call) error {
	var body struct {
		User string `json:"user"`
	}
	if err := readJSONSignedIn(c.w, c.r, c.p, &body); err != nil {
		return err
	}
	if err := h.orgs.RemoveMember(c.r.Context(), c.p, c.org, body.User); err != nil {
		return err
	}
	return writeJSON(c.w, http.StatusOK, map[string]any{"ok": true})
}

func serveOrgTeams(h *Handler, c *call) error {
	ts, err := h.orgs.Teams(c.r.Context(), c.p, c.org)
	if err != nil {
		return err
	}
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = c.org + ":" + t.Name
	}
	return writeJSON(c.w, http.StatusOK, out)
}

func serveTeamCreate(h *Handler, c *call) error {
	var body struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	if err := readJSONSignedIn(c.w, c.r, c.p, &body); err != nil {
		return err
	}
	if err := h.orgs.CreateTeam(c.r.Context(), c.p, c.org, body.Name, body.Description); err != nil {
		return err
	}
	return writeJSON(c.w, http.StatusCreated, map[string]any{"name": body.Name, "description": body.Description})
}

func serveTeamDestroy(h *Handler, c *call) error {
	if err := h.orgs.DestroyTeam(c.r.Context(), c.p, c.org, c.team); err != nil {
		return err
	}
	return writeJSON(c.w, http.StatusOK, map[string]any{"ok": true})
}

func serveTeamUsers(h *Handler, c *call) error {
	names, err := h.orgs.TeamMembers(c.r.Context(), c.p, c.org, c.team)
	if err != nil {
		return err
	}
	if names == nil {
		names = []string{}
	}
	return writeJSON(c.w, http.StatusOK, names)
}

func serveTeamUser(add bool) func(h *Handler, c *call) error {
	return func(h *Handler, c *call) error {
		var body struct {
			User string `json:"user"`
		}
		if err := readJSONSignedIn(c.w, c.r, c.p, &body); err != nil {
			return err
		}
		var err error
		if add {
			err = h.orgs.AddTeamMember(c.r.Context(), c.p, c.org, c.team, body.User)
		} else {
			err = h.orgs.RemoveTeamMember(c.r.Context(), c.p, c.org, c.team, body.User)
		}
		if err != nil {
			return err
		}
		return writeJSON(c.w, http.StatusOK, map[string]any{"ok": true, "user": body.User})
	}
}

func serveTeamPackages(h *Handler, c *call) error {
	grants, err := h.orgs.TeamPackages(c.r.Context(), c.p, c.org, c.team)
	if err != nil {
		return err
	}
	out := map[string]string{}
	for name, perm := range grants {
		out[name] = npmPerm(perm)
	}
	return writeJSON(c.w, http.StatusOK, out)
}

func serveTeamGrant(h *Handler, c *call) error {
	var body struct {
		Package     string `json:"package"`
		Permissions string `json:"permissions"`
	}
	if err := readJSONSignedIn(c.w, c.r, c.p, &body); err != nil {
		return err
	}
	if err := h.orgs.Grant(c.r.Context(), c.p, c.org, c.team, core.NPM(body.Package), core.Permission(body.Permissions)); err != nil {
		return err
	}
	return writeJSON(c.w, http.StatusOK, map[string]any{"ok": true})
}

func serveTeamRevoke(h *Handler, c *call) error {
	var body struct {
		Package string `json:"package"`
	}
	if err := readJSONSignedIn(c.w, c.r, c.p, &body); err != nil {
		return err
	}
	if err := h.orgs.Revoke(c.r.Context(), c.p, c.org, c.team, core.NPM(body.Package)); err != nil {
		return err
	}
	return writeJSON(c.w, http.StatusOK, map[string]any{"ok": true})
}

// serveOrgPackages lists the org's packages with the caller's access;
// an org that does not exist is 404, on which npm asks for the user's
// packages of that name instead.
func serveOrgPackages(h *Handler, c *call) error {
	pkgs, err := h.orgs.Packages(c.r.Context(), c.p, c.org)
	if err != nil {
		return err
	}
	out := map[string]string{}
	for _, p := range pkgs {
		out[p.Name] = npmPerm(p.Permission)
	}
	return writeJSON(c.w, http.StatusOK, out)
}
