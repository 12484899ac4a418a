package limits

// Bounds on what organisation requests carry (docs/limits.md). A team's
// and an org's name follow their own syntax rules (npm's team names;
// user names), which bound their length.
const (
	// MaxTeamDescriptionBytes bounds a team's description.
	MaxTeamDescriptionBytes = 1000
)
