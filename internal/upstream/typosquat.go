package upstream

import (
	"context"
	"fmt"

	"github.com/rampart/rampart/internal/core"
)

// Typosquatting flags: a proxied name that resembles a popular one is not
// refused (it exists upstream, and may be what the client wants) but is
// flagged to whoever reads it: the packument carries the flag
// ("_rampart": {"typosquat": ...}, which the upstream's own copy cannot
// set or remove), and its responses a Rampart-Typosquat header.

// Resembles names the popular package a name resembles and how, ok false
// for none (internal/namepolicy: the same check as a new local name's).
type Resembles func(ctx context.Context, ref core.PackageRef) (popular, why string, ok bool, err error)

// flagTyposquat adds the flag to doc and returns the warning, "" when the
// name resembles no popular one.
func (s *Service) flagTyposquat(ctx context.Context, upstreamName, name string, doc map[string]any) (string, error) {
	if s.d.Resembles == nil {
		return "", nil
	}
	popular, why, ok, err := s.d.Resembles(ctx, core.NPM(name))
	if err != nil || !ok {
		return "", err
	}
	doc["_rampart"] = map[string]any{"typosquat": map[string]any{"resembles": popular, "why": why}}
	return fmt.Sprintf("%s (proxied from the upstream registry %s) resembles the popular package %s: it %s. Check that it is the package you meant before installing it",
		name, upstreamName, popular, why), nil
}
