package limits

// MaxGuardedDependents bounds the dependents of a package that one view
// of a version's page checks against the reader's access one by one
// (restricted packages, and an organisation's where those are private):
// each is a read of the package's facts. The first this many by name are
// checked; the ones past them are listed to nobody, whoever reads, so
// that the page never says how many there are. Public dependents are
// listed and counted by the store without a bound.
const MaxGuardedDependents = 500
