// Package reqinfo carries what the layers of one HTTP request learn about
// it back out to the access log and the metrics: the endpoint it matched
// (a route pattern, never a raw path, so that metric labels stay bounded)
// and the account it was made by. The outermost middleware puts an Info
// in the request's context; a front-end that routes sets Route, and
// authentication sets User. A leaf: it imports only the standard library.
package reqinfo

import (
	"context"
	"sync"
)

// Info is one request's record. Its zero value is ready to use.
type Info struct {
	mu    sync.Mutex
	route string
	user  string
}

type key struct{}

// With returns ctx carrying info.
func With(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, key{}, info)
}

func from(ctx context.Context) *Info {
	info, _ := ctx.Value(key{}).(*Info)
	return info
}

// SetRoute records the pattern of the endpoint the request matched, such
// as "PUT /{pkg}". Without an Info in ctx it does nothing.
func SetRoute(ctx context.Context, pattern string) {
	if info := from(ctx); info != nil {
		info.mu.Lock()
		info.route = pattern
		info.mu.Unlock()
	}
}

// SetUser records the name of the account the request was authenticated
// as. Without an Info in ctx it does nothing.
func SetUser(ctx context.Context, name string) {
	if info := from(ctx); info != nil {
		info.mu.Lock()
		info.user = name
		info.mu.Unlock()
	}
}

// Route is the recorded route pattern, "" when none was.
func (i *Info) Route() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.route
}

// User is the recorded account name, "" for an anonymous request.
func (i *Info) User() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.user
}
