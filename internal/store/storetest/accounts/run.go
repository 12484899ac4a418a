package accounts

import (
	"testing"

	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// test is one case: a function given a fresh store. The role files list
// their cases unkeyed, as they did in package storetest.
type test struct {
	name string
	f    func(t *testing.T, s store.Store)
}

// run runs each case as a subtest on a store of its own (suite.Cases).
func run(t *testing.T, open func(t *testing.T) store.Store, tests []test) {
	cases := make([]suite.Test, len(tests))
	for i, tc := range tests {
		cases[i] = suite.Test{Name: tc.name, F: tc.f}
	}
	suite.Cases(t, open, cases)
}
