// Package archtest holds tests of the code's shape rather than its
// behaviour: which packages may import which (../shared/DESIGN.md, rule 1:
// the domain core imports no transport and no storage). It has no code of
// its own.
package archtest
