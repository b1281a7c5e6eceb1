package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/screening"
)

// Screening is export control as the API uses it (compliance.Service).
type Screening interface {
	// CreateIntroduction records an interest (the store applies the
	// export-control gate to every introduction it opens).
	CreateIntroduction(ctx context.Context, in *kakehashi.Introduction, actor *kakehashi.User) error
	Check(ctx context.Context, name, country string, limit int) []screening.Hit
	Screen(ctx context.Context, o *kakehashi.Organization, actor *kakehashi.User) (*kakehashi.ScreeningResult, error)
}

// ScreeningStore is what the screening routes read from the store.
type ScreeningStore interface {
	ListVersions(ctx context.Context) ([]*kakehashi.ListVersion, error)
	SearchEntries(ctx context.Context, q string, limit int) ([]kakehashi.ScreeningEntry, error)
	LatestScreening(ctx context.Context, orgID int64) (*kakehashi.ScreeningResult, error)
	ScreeningHistory(ctx context.Context, orgID int64) ([]*kakehashi.ScreeningResult, error)
	DecideScreening(ctx context.Context, orgID int64, d kakehashi.ScreeningDecision, reason string, actor *kakehashi.User) (*kakehashi.ScreeningResult, error)
}

// requireStaff returns the signed-in coordinator or admin, or a 401/403.
func requireStaff(ctx context.Context) (*kakehashi.User, error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	if !u.IsStaff() {
		return nil, huma.Error403Forbidden("export-control screening is for coordinators and admins")
	}
	return u, nil
}

func (s *Server) registerScreening(api huma.API) {
	tags := []string{"screening"}
	huma.Register(api, huma.Operation{
		OperationID: "list-screening-lists", Method: http.MethodGet, Path: "/screening/lists", Tags: tags,
		Summary: "Loaded restricted-party list versions", Description: "Newest first. Coordinators and admins.",
	}, func(ctx context.Context, _ *struct{}) (*struct{ Body []*kakehashi.ListVersion }, error) {
		if _, err := requireStaff(ctx); err != nil {
			return nil, err
		}
		v, err := s.store.ListVersions(ctx)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body []*kakehashi.ListVersion }{Body: v}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "search-screening-entries", Method: http.MethodGet, Path: "/screening/entries", Tags: tags,
		Summary: "Browse the current lists' entries by name", Description: "Coordinators and admins.",
	}, func(ctx context.Context, in *struct {
		Q     string `query:"q" maxLength:"200"`
		Limit int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
	}) (*struct{ Body []kakehashi.ScreeningEntry }, error) {
		if _, err := requireStaff(ctx); err != nil {
			return nil, err
		}
		e, err := s.store.SearchEntries(ctx, in.Q, in.Limit)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		if e == nil {
			e = []kakehashi.ScreeningEntry{}
		}
		return &struct{ Body []kakehashi.ScreeningEntry }{Body: e}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "screening-check", Method: http.MethodPost, Path: "/screening/check", Tags: tags,
		Summary:     "Screen a name against the current lists",
		Description: "Potential matches above the threshold, best first, each with a per-feature explanation. The country raises or lowers a score; it does not filter. Coordinators and admins.",
	}, func(ctx context.Context, in *struct {
		Body struct {
			Name    string `json:"name" minLength:"1" maxLength:"300"`
			Country string `json:"country,omitempty" doc:"ISO 3166-1 alpha-2"`
		}
	}) (*struct{ Body []screening.Hit }, error) {
		if _, err := requireStaff(ctx); err != nil {
			return nil, err
		}
		if s.screening == nil {
			return nil, huma.Error503ServiceUnavailable("screening is not available on this server")
		}
		if c := in.Body.Country; c != "" && !kakehashi.ValidCountry(c) {
			return nil, s.apiError(ctx, invalidField("check", "country", "is not an ISO 3166-1 alpha-2 country code"))
		}
		hits := s.screening.Check(ctx, in.Body.Name, in.Body.Country, 20)
		if hits == nil {
			hits = []screening.Hit{}
		}
		return &struct{ Body []screening.Hit }{Body: hits}, nil
	})

	type screeningView struct {
		Latest  *kakehashi.ScreeningResult   `json:"latest"`
		History []*kakehashi.ScreeningResult `json:"history"`
	}
	huma.Register(api, huma.Operation{
		OperationID: "get-organization-screening", Method: http.MethodGet, Path: "/organizations/{id}/screening", Tags: tags,
		Summary: "An organization's screening status and history", Description: "Coordinators and admins.",
	}, func(ctx context.Context, in *idPath) (*struct{ Body screeningView }, error) {
		if _, err := requireStaff(ctx); err != nil {
			return nil, err
		}
		if _, err := s.store.Organization(ctx, in.ID); err != nil {
			return nil, s.apiError(ctx, err)
		}
		h, err := s.store.ScreeningHistory(ctx, in.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		v := screeningView{History: h}
		if len(h) > 0 {
			v.Latest = h[0]
		}
		return &struct{ Body screeningView }{Body: v}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "screen-organization", Method: http.MethodPost, Path: "/organizations/{id}/screening", Tags: tags,
		Summary: "Screen an organization now", Description: "Coordinators and admins.", DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *idPath) (*struct{ Body *kakehashi.ScreeningResult }, error) {
		u, err := requireStaff(ctx)
		if err != nil {
			return nil, err
		}
		if s.screening == nil {
			return nil, huma.Error503ServiceUnavailable("screening is not available on this server")
		}
		o, err := s.store.Organization(ctx, in.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		r, err := s.screening.Screen(ctx, o, u)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *kakehashi.ScreeningResult }{Body: r}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "decide-organization-screening", Method: http.MethodPost, Path: "/organizations/{id}/screening/decision", Tags: tags,
		Summary:     "Decide on an organization's potential matches",
		Description: "cleared (a false positive: its held introductions proceed) or blocked, with the reason, recorded and audited. Coordinators and admins.",
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Decision kakehashi.ScreeningDecision `json:"decision" enum:"cleared,blocked"`
			Reason   string                      `json:"reason" maxLength:"2000"`
		}
	}) (*struct{ Body *kakehashi.ScreeningResult }, error) {
		u, err := requireStaff(ctx)
		if err != nil {
			return nil, err
		}
		if _, err := s.store.Organization(ctx, in.ID); err != nil {
			return nil, s.apiError(ctx, err)
		}
		r, err := s.store.DecideScreening(ctx, in.ID, in.Body.Decision, in.Body.Reason, u)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *kakehashi.ScreeningResult }{Body: r}, nil
	})
}
