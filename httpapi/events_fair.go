package httpapi

import (
	"cmp"
	"context"
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/app"
	"github.com/kakehashi/kakehashi/auth"
)

// ExhibitorViews totals one exhibiting organization's fair views.
type ExhibitorViews struct {
	OrgID    int64 `json:"org_id"`
	Views    int   `json:"views"`
	Listings int   `json:"listings"`
}

// FairStats are an online fair's view counts: per listing, unique visitors
// per day summed over the days, and per exhibiting organization.
type FairStats struct {
	Listings   []*kakehashi.ListingViewStat `json:"listings"`
	Exhibitors []ExhibitorViews             `json:"exhibitors"`
	Total      int                          `json:"total"`
}

// registerFairViews registers the online fair's routes: counting a listing view and
// the view counts for organizers.
func (s *Server) registerFairViews(api huma.API, tags []string) {
	huma.Register(api, huma.Operation{
		OperationID: "count-fair-view", Method: http.MethodPost, Path: "/events/{id}/views", Tags: tags,
		Summary: "Count a view of a fair listing",
		Description: "Anyone, signed in or not. A visitor counts once per listing and day; the visitor is a keyed hash of address, user agent and day, " +
			"so no address is stored. counted says whether this view was new.",
		MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID        int64  `path:"id" minimum:"1"`
		UserAgent string `header:"User-Agent"`
		Body      struct {
			ListingID int64 `json:"listing_id" minimum:"1"`
		}
	}) (*struct {
		Body struct {
			Counted bool `json:"counted"`
		}
	}, error) {
		_, e, err := s.visibleEvent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		counted, err := s.countView(ctx, kakehashi.UserFromContext(ctx), e, in.Body.ListingID, requestIP(ctx), in.UserAgent)
		if err != nil {
			return nil, err
		}
		out := &struct {
			Body struct {
				Counted bool `json:"counted"`
			}
		}{}
		out.Body.Counted = counted
		return out, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "fair-stats", Method: http.MethodGet, Path: "/events/{id}/stats", Tags: tags,
		Summary: "An online fair's view counts", Description: "Organizers: unique visitors per day, summed, per listing and per exhibiting organization.",
	}, func(ctx context.Context, in *idPath) (*struct{ Body FairStats }, error) {
		_, e, err := s.organizedEvent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		st, err := fairStats(ctx, s.store, e.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body FairStats }{Body: *st}, nil
	})
}

// countView records a view of listingID at fair e by the visitor at ip with
// userAgent, once per day (UTC).
func (s *Server) countView(ctx context.Context, viewer *kakehashi.User, e *kakehashi.Event, listingID int64, ip, userAgent string) (bool, error) {
	if !e.Online {
		return false, huma.Error409Conflict("event " + itoa(e.ID) + " is not an online fair")
	}
	// Only what this visitor may see is exhibited to them: a listing they
	// may not see answers as one not exhibited, so that counting cannot
	// probe which hidden listings a fair shows, nor inflate their counts.
	ps, err := app.LoadParticipants(ctx, s.store, viewer, e)
	if err != nil {
		return false, s.apiError(ctx, err)
	}
	if !slices.ContainsFunc(ps, func(p *kakehashi.Participant) bool { return slices.Contains(p.ListingIDs, listingID) }) {
		return false, huma.Error422UnprocessableEntity("invalid view", &huma.ErrorDetail{Location: "body.listing_id", Message: "is not exhibited at this fair", Value: listingID})
	}
	secret, err := s.store.Secret(ctx, auth.FairViewsSecret)
	if err != nil {
		return false, s.apiError(ctx, err)
	}
	day := auth.VisitorDay(s.now())
	counted, err := s.store.RecordListingView(ctx, e.ID, listingID, day, auth.VisitorHash(secret, ip, userAgent, day))
	if err != nil {
		return false, s.apiError(ctx, err)
	}
	return counted, nil
}

// fairStats totals an event's fair views per listing and per exhibitor.
func fairStats(ctx context.Context, st EventStore, eventID int64) (*FairStats, error) {
	ls, err := st.ListingViews(ctx, eventID)
	if err != nil {
		return nil, err
	}
	out := &FairStats{Listings: ls, Exhibitors: []ExhibitorViews{}}
	idx := map[int64]int{}
	for _, l := range ls {
		out.Total += l.Views
		i, ok := idx[l.OrgID]
		if !ok {
			i = len(out.Exhibitors)
			idx[l.OrgID] = i
			out.Exhibitors = append(out.Exhibitors, ExhibitorViews{OrgID: l.OrgID})
		}
		out.Exhibitors[i].Views += l.Views
		out.Exhibitors[i].Listings++
	}
	slices.SortStableFunc(out.Exhibitors, func(a, b ExhibitorViews) int {
		return cmp.Or(cmp.Compare(b.Views, a.Views), cmp.Compare(a.OrgID, b.OrgID))
	})
	return out, nil
}
