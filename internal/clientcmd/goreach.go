package clientcmd

import "github.com/rampart/rampart/internal/audit"

// goReacher is Go's reachability analysis.
func goReacher() audit.Reacher { return audit.Go{} }
