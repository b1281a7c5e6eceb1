// Package compliance applies export control to the collaboration pipeline:
// it screens organizations against the restricted-party lists loaded into
// the store, keeps their results current when a new list version arrives,
// and holds an interest that connects two countries over an
// export-control-relevant listing until the foreign party is clear.
package compliance

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/screening"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// Service screens organizations. It is safe for concurrent use.
type Service struct {
	db  *sqlstore.DB
	log *slog.Logger
	// Threshold is the lowest score reported as a potential match.
	threshold float64
	// screenAll screens every cross-border interest, not only those in
	// export-control-relevant listings.
	screenAll bool

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

// New returns a Service over db; call Refresh to load the lists.
func New(db *sqlstore.DB, cfg Config) *Service {
	if cfg.Threshold <= 0 {
		cfg.Threshold = screening.DefaultThreshold
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, log: cfg.Logger, threshold: cfg.Threshold, screenAll: cfg.ScreenAllCrossBorder, ix: screening.NewIndex(nil)}
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
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ix
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
// name and its aliases — and keeps the best hit per list entry.
func (s *Service) checkOrg(ctx context.Context, o *kakehashi.Organization) []screening.Hit {
	if _, err := s.Refresh(ctx); err != nil {
		s.log.Error("refresh screening lists", "err", err)
	}
	names := append([]string{o.Name, o.LocalName}, o.Aliases...)
	best := map[string]screening.Hit{}
	var order []string
	for _, n := range names {
		if n == "" {
			continue
		}
		for _, h := range s.check(n, o.Country, 10) {
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

// Screen checks an organization against the current lists and stores the
// result.
func (s *Service) Screen(ctx context.Context, o *kakehashi.Organization, actor *kakehashi.User) (*kakehashi.ScreeningResult, error) {
	hits := s.checkOrg(ctx, o)
	raw, err := json.Marshal(hits)
	if err != nil {
		return nil, err
	}
	r := &kakehashi.ScreeningResult{OrgID: o.ID, ListVersion: s.Version(), Status: kakehashi.ScreeningClear, Hits: raw}
	if len(hits) > 0 {
		r.Status = kakehashi.ScreeningPotentialMatch
	}
	if err := s.db.SaveScreening(ctx, r, actor); err != nil {
		return nil, err
	}
	return r, nil
}

// current returns the organization's screening against the current lists,
// screening it now if it has none.
func (s *Service) current(ctx context.Context, o *kakehashi.Organization, actor *kakehashi.User) (*kakehashi.ScreeningResult, error) {
	r, err := s.db.LatestScreening(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	if r != nil && r.ListVersion == s.Version() {
		return r, nil
	}
	return s.Screen(ctx, o, actor)
}

// holdFor decides the hold of an introduction: when it would connect
// organizations in two countries over a controlled listing (or the policy
// screens every cross-border interest), the requesting organization must
// have a clear, current screening; a potential match holds it for a
// coordinator's decision.
func (s *Service) holdFor(ctx context.Context, in *kakehashi.Introduction) (string, error) {
	if in.RequesterOrgID == 0 {
		return "", nil
	}
	l, err := s.db.Listing(ctx, in.ListingID)
	if err != nil {
		return "", err
	}
	owner, err := s.db.Organization(ctx, l.OrgID)
	if err != nil {
		return "", err
	}
	requester, err := s.db.Organization(ctx, in.RequesterOrgID)
	if err != nil {
		return "", err
	}
	if !kakehashi.NeedsScreening(l, owner, requester, s.screenAll) {
		return "", nil
	}
	r, err := s.current(ctx, requester, kakehashi.SystemActor("screening"))
	if err != nil {
		return "", fmt.Errorf("screen %s: %w", requester.Name, err)
	}
	if r.Clear() {
		return "", nil
	}
	return kakehashi.HoldScreening, nil
}

// CreateIntroduction records an interest behind the export-control gate.
// The pages and the API both create interests through it.
func (s *Service) CreateIntroduction(ctx context.Context, in *kakehashi.Introduction, actor *kakehashi.User) error {
	l, err := s.db.Listing(ctx, in.ListingID)
	if err != nil {
		return err
	}
	if kakehashi.CanSeeListing(actor, l) {
		if in.Hold, err = s.holdFor(ctx, in); err != nil {
			return err
		}
	}
	return s.db.CreateIntroduction(ctx, in, actor)
}

// ApplyGate puts an introduction that was opened elsewhere (from a held
// event meeting) on hold when the gate requires it.
func (s *Service) ApplyGate(ctx context.Context, in *kakehashi.Introduction) error {
	hold, err := s.holdFor(ctx, in)
	if err != nil || hold == "" {
		return err
	}
	in.Hold = hold
	return s.db.HoldIntroduction(ctx, in.ID, hold, kakehashi.SystemActor("screening"))
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
func (s *Service) Load(ctx context.Context, name, format, fileName string, entries []screening.Entry, actor *kakehashi.User) (*LoadReport, error) {
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
