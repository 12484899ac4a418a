package npm

import (
	"github.com/rampart/rampart/internal/advisory"
	"github.com/rampart/rampart/internal/npmaudit"
)

// UseAdvisories answers npm's audit from the advisory database
// (internal/npmaudit), filtered by the registry's read decision; without
// it every audit answers {} (nothing known).
func (h *Handler) UseAdvisories(a *advisory.Service) {
	h.audit = npmaudit.New(a, h.reg.ReadableBy)
}
