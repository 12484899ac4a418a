// Package archtest holds tests of the code's shape rather than its
// behaviour: which packages may import which (../shared/DESIGN.md, rule 1:
// the domain core imports no transport and no storage), and that a
// release build cannot reach the test builds' settable clock
// (internal/clockctl). It has no code of its own.
package archtest
