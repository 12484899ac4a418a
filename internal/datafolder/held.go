package datafolder

import (
	"context"

	"github.com/rampart/rampart/internal/store"
)

// heldDigests are the blobs kept as the evidence of proxied versions the
// malware scan held (internal/upstream evidence.go): no version refers
// to them, yet they are no orphans. Collection spares them, a backup
// copies those present (a hold without its bytes is not a broken backup:
// its evidence page says so) and verification does not list them.
func heldDigests(ctx context.Context, st store.Store) (map[string]bool, error) {
	var list []string
	err := st.View(ctx, func(tx store.Tx) error {
		var err error
		list, err = tx.UpstreamHoldDigests()
		return err
	})
	held := make(map[string]bool, len(list))
	for _, d := range list {
		held[d] = true
	}
	return held, err
}
