package limits

// Bounds on the requests of staged publishing (`npm stage list`).
const (
	// MaxStagePerPage is the most staged versions one page of `npm stage
	// list` may ask for (perPage=; npm asks for 100).
	MaxStagePerPage = 100
	// MaxStagePage bounds how deep `npm stage list` may page (page=): an
	// OFFSET makes the database walk every row before it.
	MaxStagePage = 100
)
