package notify

import (
	"context"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/search"
)

// SeedMatcher finds the seeds that match a need with the search engine, for
// saved alerts: it is the kakehashi.AlertMatcher that the store calls. A
// seed matches when it is among the need's K best open seeds the viewer may
// see (default 20): the same ranking as the need's
// match list, so an alert announces exactly the new seeds that would appear
// on the need's page, without an absolute score threshold, which BM25
// scores do not support across queries.
type SeedMatcher struct {
	Engine *search.Engine
	K      int
}

// SeedMatcher is what the store's alert check calls.
var _ kakehashi.AlertMatcher = SeedMatcher{}

// MatchingSeeds returns the ids of need's best matching seeds, ranked
// against need as viewer may see it (search.Engine.RankListing redacts it):
// an alert must not probe a confidential body its owner may not read.
func (m SeedMatcher) MatchingSeeds(ctx context.Context, need *kakehashi.Listing, viewer *kakehashi.User) ([]int64, error) {
	k := m.K
	if k <= 0 {
		k = 20
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var ids []int64
	for _, r := range m.Engine.RankListing(need, k, search.Filter{Side: kakehashi.SideSeed, Open: true}, viewer) {
		ids = append(ids, r.ID)
	}
	return ids, nil
}
