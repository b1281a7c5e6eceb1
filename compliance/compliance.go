// Package compliance applies export control to the collaboration pipeline:
// it screens organizations against the restricted-party lists loaded into
// the store and keeps their results current when a new list version
// arrives. The gate itself, which holds an introduction from a flagged or
// unscreened foreign party over an export-control-relevant listing until a
// coordinator clears it, is in the store (sqlstore's insertIntroduction),
// with a Service as its screener.
package compliance

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/screening"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// Service screens organizations. It is safe for concurrent use. It is the
// store's screener (sqlstore.Screener): the store's export-control gate,
// which every introduction passes, screens with it.
type Service struct {
	db  *sqlstore.DB
	log *slog.Logger
	// Threshold is the lowest score reported as a potential match.
	threshold float64

	mu      sync.RWMutex
	ix      *screening.Index
	version int64
}

// Config tunes a Service.
type Config struct {
	Threshold            float64
	ScreenAllCrossBorder bool
	Logger               *slog.Logger
}

// New returns a Service over db and makes it the screener of db's
// export-control gate (sqlstore.DB.SetGate), with cfg's policy: the gate
// then screens with the newest Service made over db. Call Refresh to load
// the lists.
func New(db *sqlstore.DB, cfg Config) *Service {
	if cfg.Threshold <= 0 {
		cfg.Threshold = screening.DefaultThreshold
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: db, log: cfg.Logger, threshold: cfg.Threshold, ix: screening.NewIndex(nil)}
	db.SetGate(sqlstore.Gate{Screener: s, ScreenAllCrossBorder: cfg.ScreenAllCrossBorder})
	return s
}

// Refresh rebuilds the index when the store holds a newer list version
// than the one loaded, and reports whether it did.
func (s *Service) Refresh(ctx context.Context) (bool, error) {
	versions, err := s.db.ListVersions(ctx)
	if err != nil {
		return false, err
	}
	var newest int64
	if len(versions) > 0 {
		newest = versions[0].ID
	}
	if newest == s.Version() {
		return false, nil
	}
	entries, version, err := s.db.ActiveEntries(ctx)
	if err != nil {
		return false, err
	}
	ix := screening.NewIndex(entries)
	s.install(ix, version)
	s.log.Info("screening lists loaded", "version", version, "entries", ix.Len())
	return true, nil
}

// install makes ix, built from list version version, the index screened
// against.
func (s *Service) install(ix *screening.Index, version int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ix, s.version = ix, version
}

// index returns the index screened against.
func (s *Service) index() *screening.Index {
	ix, _ := s.snapshot()
	return ix
}

// snapshot returns the index screened against and the list version it
// was built from, read together.
func (s *Service) snapshot() (*screening.Index, int64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ix, s.version
}

// Version returns the list version the index holds (0: none).
func (s *Service) Version() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.version
}

// Check screens a name, with the country as a feature of the score,
// against the newest lists in the store (another process may have loaded
// one since this one last looked).
func (s *Service) Check(ctx context.Context, name, country string, limit int) []screening.Hit {
	if _, err := s.Refresh(ctx); err != nil {
		s.log.Error("refresh screening lists", "err", err)
	}
	return s.check(name, country, limit)
}

func (s *Service) check(name, country string, limit int) []screening.Hit {
	return s.index().Check(screening.Query{Name: name, Country: country}, s.threshold, limit)
}

// checkOrg screens every name of an organization — its name, its local
// name and its aliases — against ix and keeps the best hit per list entry.
func (s *Service) checkOrg(ix *screening.Index, o *kakehashi.Organization) []screening.Hit {
	names := append([]string{o.Name, o.LocalName}, o.Aliases...)
	best := map[string]screening.Hit{}
	var order []string
	for _, n := range names {
		if n == "" {
			continue
		}
		for _, h := range ix.Check(screening.Query{Name: n, Country: o.Country}, s.threshold, 10) {
			prev, seen := best[h.Entry.ID]
			if !seen {
				order = append(order, h.Entry.ID)
			}
			if !seen || h.Score > prev.Score {
				best[h.Entry.ID] = h
			}
		}
	}
	out := make([]screening.Hit, 0, len(order))
	for _, id := range order {
		out = append(out, best[id])
	}
	return out
}

// Assess screens an organization against the lists the index holds now,
// without reading or writing the store: the store's export-control gate
// calls it inside its transactions (sqlstore.Screener). The result is not
// stored; its ListVersion is the version the index holds.
func (s *Service) Assess(o *kakehashi.Organization) (*kakehashi.ScreeningResult, error) {
	ix, version := s.snapshot()
	hits := s.checkOrg(ix, o)
	raw, err := json.Marshal(hits)
	if err != nil {
		return nil, err
	}
	r := &kakehashi.ScreeningResult{OrgID: o.ID, ListVersion: version, Status: kakehashi.ScreeningClear, Hits: raw}
	if len(hits) > 0 {
		r.Status = kakehashi.ScreeningPotentialMatch
	}
	return r, nil
}

// Screen checks an organization against the newest lists and stores the
// result.
func (s *Service) Screen(ctx context.Context, o *kakehashi.Organization, actor *kakehashi.User) (*kakehashi.ScreeningResult, error) {
	if _, err := s.Refresh(ctx); err != nil {
		s.log.Error("refresh screening lists", "err", err)
	}
	r, err := s.Assess(o)
	if err != nil {
		return nil, err
	}
	if err := s.db.SaveScreening(ctx, r, actor); err != nil {
		return nil, err
	}
	return r, nil
}

// CreateIntroduction records an interest. The store applies the
// export-control gate to it, as to every introduction it opens; the pages
// and the API create interests through here so that they keep one entry
// point for interests should the gate ever need more than the store.
func (s *Service) CreateIntroduction(ctx context.Context, in *kakehashi.Introduction, actor *kakehashi.User) error {
	return s.db.CreateIntroduction(ctx, in, actor)
}

// LoadReport says what loading a list version did.
type LoadReport struct {
	Version  *kakehashi.ListVersion `json:"version"`
	Screened int                    `json:"screened"`
	// NewMatches are organizations that were clear (or never screened) and
	// now have potential matches; Cleared had matches and now have none.
	NewMatches []string `json:"new_matches"`
	Cleared    []string `json:"cleared"`
	Matches    int      `json:"matches"`
}

// Load stores a new version of a list, rebuilds the index and re-screens
// every organization, reporting what changed.
func (s *Service) Load(ctx context.Context, name, format, fileName string, entries []kakehashi.ScreeningEntry, actor *kakehashi.User) (*LoadReport, error) {
	v, err := s.db.SaveListVersion(ctx, name, format, fileName, entries, actor)
	if err != nil {
		return nil, err
	}
	if _, err := s.Refresh(ctx); err != nil {
		return nil, err
	}
	rep := &LoadReport{Version: v, NewMatches: []string{}, Cleared: []string{}}
	for after := int64(0); ; {
		orgs, err := s.db.Organizations(ctx, kakehashi.OrganizationFilter{After: after, Limit: 500})
		if err != nil {
			return nil, err
		}
		if len(orgs) == 0 {
			return rep, nil
		}
		for _, o := range orgs {
			prev, err := s.db.LatestScreening(ctx, o.ID)
			if err != nil {
				return nil, err
			}
			r, err := s.Screen(ctx, o, actor)
			if err != nil {
				return nil, err
			}
			rep.Screened++
			was := prev != nil && prev.Status == kakehashi.ScreeningPotentialMatch
			now := r.Status == kakehashi.ScreeningPotentialMatch
			if now {
				rep.Matches++
			}
			switch {
			case now && !was:
				rep.NewMatches = append(rep.NewMatches, o.Name)
			case was && !now:
				rep.Cleared = append(rep.Cleared, o.Name)
			}
		}
		after = orgs[len(orgs)-1].ID
	}
}
