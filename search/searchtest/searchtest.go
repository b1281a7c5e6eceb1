// Package searchtest holds helpers for tests and benchmarks of the search
// engine, so that search's own tests need not import the benchmark package.
package searchtest

import (
	"context"
	"strconv"

	"github.com/kakehashi/kakehashi"
)

// MemSource serves listings held in memory to the engine; every listing
// belongs to one organization.
type MemSource struct {
	Listings []*kakehashi.Listing // Listings[i].ID == i+1
}

// ScanListings implements search.Source.
func (m *MemSource) ScanListings(_ context.Context, after int64, limit int) ([]*kakehashi.Listing, error) {
	if after >= int64(len(m.Listings)) {
		return nil, nil
	}
	return m.Listings[after:min(int(after)+limit, len(m.Listings))], nil
}

// ListingsByID implements search.Source.
func (m *MemSource) ListingsByID(_ context.Context, ids []int64) ([]*kakehashi.Listing, error) {
	var out []*kakehashi.Listing
	for _, id := range ids {
		if id >= 1 && id <= int64(len(m.Listings)) {
			out = append(out, m.Listings[id-1])
		}
	}
	return out, nil
}

// Organization implements search.Source.
func (m *MemSource) Organization(_ context.Context, id int64) (*kakehashi.Organization, error) {
	return &kakehashi.Organization{ID: id, Name: "Organization " + strconv.FormatInt(id, 10), Kind: kakehashi.OrgUniversity, Country: "US"}, nil
}

// ListingChanges implements search.Source.
func (m *MemSource) ListingChanges(context.Context, int64, int) ([]kakehashi.ListingChange, error) {
	return nil, nil
}
