package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kakehashi/kakehashi"
)

// FundingStore is what the funding routes need from the store.
type FundingStore interface {
	kakehashi.FundingService
	// FundingFits returns the open funding calls that fit target at now.
	FundingFits(ctx context.Context, target kakehashi.FundingTarget, now time.Time, n int) ([]kakehashi.FundingMatch, error)
}

// FundingCallView is a funding call as the API shows it, with whether it
// still takes applications.
type FundingCallView struct {
	kakehashi.FundingCall
	Open bool `json:"open"`
}

// fundingBody is a funding call as a client writes it; on a change, absent
// fields stay as they are.
type fundingBody struct {
	OrgID             *int64              `json:"org_id,omitempty" doc:"The funder; defaults to the caller's organization. Fixed once created."`
	Programme         *string             `json:"programme,omitempty" maxLength:"300"`
	ProgrammeJA       *string             `json:"programme_ja,omitempty" maxLength:"300"`
	Description       *string             `json:"description,omitempty" maxLength:"20000"`
	EligibleKinds     []kakehashi.OrgKind `json:"eligible_kinds,omitempty" maxItems:"20" doc:"Organization kinds that may apply; empty for any"`
	EligibleCountries []string            `json:"eligible_countries,omitempty" maxItems:"100" doc:"ISO 3166-1 alpha-2 codes; empty for any"`
	AmountMin         *int64              `json:"amount_min,omitempty" doc:"Minor units of currency"`
	AmountMax         *int64              `json:"amount_max,omitempty" doc:"Minor units of currency"`
	Currency          *string             `json:"currency,omitempty" doc:"ISO 4217 code"`
	Deadline          *time.Time          `json:"deadline,omitempty" doc:"When applications close (RFC 3339)"`
	MatchingRequired  *bool               `json:"matching_required,omitempty" doc:"A company must contribute matching funds"`
	Fields            []string            `json:"fields,omitempty" maxItems:"10"`
	Keywords          []string            `json:"keywords,omitempty" maxItems:"30"`
}

func (b *fundingBody) apply(f *kakehashi.FundingCall) {
	for _, s := range []struct {
		dst *string
		v   *string
	}{{&f.Programme, b.Programme}, {&f.ProgrammeJA, b.ProgrammeJA}, {&f.Description, b.Description}, {&f.Currency, b.Currency}} {
		if s.v != nil {
			*s.dst = *s.v
		}
	}
	if b.EligibleKinds != nil {
		f.EligibleKinds = b.EligibleKinds
	}
	if b.EligibleCountries != nil {
		f.EligibleCountries = b.EligibleCountries
	}
	if b.AmountMin != nil {
		f.AmountMin = *b.AmountMin
	}
	if b.AmountMax != nil {
		f.AmountMax = *b.AmountMax
	}
	if b.Deadline != nil {
		f.Deadline = *b.Deadline
	}
	if b.MatchingRequired != nil {
		f.MatchingRequired = *b.MatchingRequired
	}
	if b.Fields != nil {
		f.Fields = b.Fields
	}
	if b.Keywords != nil {
		f.Keywords = b.Keywords
	}
}

type fundingOutput struct{ Body *FundingCallView }

func (s *Server) fundingView(f *kakehashi.FundingCall) *FundingCallView {
	return &FundingCallView{FundingCall: *f, Open: f.Open(s.now())}
}

// managedFunding loads a funding call the caller manages: 401, 404, or 403
// for anyone but the funder's admins and staff.
func (s *Server) managedFunding(ctx context.Context, id int64) (*kakehashi.User, *kakehashi.FundingCall, error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, nil, err
	}
	f, err := s.store.FundingCall(ctx, id)
	if err != nil {
		return nil, nil, s.apiError(ctx, err)
	}
	if !kakehashi.CanManageFundingCallsOf(u, f.OrgID) {
		return nil, nil, huma.Error403Forbidden("only the funder's admins and platform staff manage its funding calls")
	}
	return u, f, nil
}

// registerFunding adds the funding call routes and the funding matches of
// introductions.
func (s *Server) registerFunding(api huma.API) {
	tags := []string{"funding"}
	huma.Register(api, huma.Operation{
		OperationID: "create-funding-call", Method: http.MethodPost, Path: "/funding-calls", Tags: tags,
		Summary:       "Publish a funding call",
		Description:   "Admins of a funder or government organization (and platform staff) publish its funding calls. Amounts are in minor units.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct{ Body fundingBody }) (*fundingOutput, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		f := &kakehashi.FundingCall{OrgID: u.OrgID}
		if in.Body.OrgID != nil {
			f.OrgID = *in.Body.OrgID
		}
		in.Body.apply(f)
		if !kakehashi.CanManageFundingCallsOf(u, f.OrgID) {
			return nil, huma.Error403Forbidden("only the funder's admins and platform staff publish its funding calls")
		}
		if err := s.store.CreateFundingCall(ctx, f, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &fundingOutput{Body: s.fundingView(f)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-funding-calls", Method: http.MethodGet, Path: "/funding-calls", Tags: tags,
		Summary: "List funding calls", Description: "Funding calls are public. open=true keeps those whose deadline has not passed.",
	}, func(ctx context.Context, in *struct {
		Open  bool  `query:"open"`
		OrgID int64 `query:"org_id"`
		PageParams
	}) (*struct{ Body Page[*FundingCallView] }, error) {
		after, err := decodeCursor(in.Cursor)
		if err != nil {
			return nil, err
		}
		f := kakehashi.FundingCallFilter{OrgID: in.OrgID, After: after, Limit: in.Limit + 1}
		if in.Open {
			f.OpenAt = s.now()
		}
		list, err := s.store.FundingCalls(ctx, f)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		views := make([]*FundingCallView, len(list))
		for i, c := range list {
			views[i] = s.fundingView(c)
		}
		return &struct{ Body Page[*FundingCallView] }{Body: page(views, in.Limit, func(v *FundingCallView) int64 { return v.ID })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-funding-call", Method: http.MethodGet, Path: "/funding-calls/{id}", Tags: tags,
		Summary: "Get a funding call",
	}, func(ctx context.Context, in *idPath) (*fundingOutput, error) {
		f, err := s.store.FundingCall(ctx, in.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &fundingOutput{Body: s.fundingView(f)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "update-funding-call", Method: http.MethodPatch, Path: "/funding-calls/{id}", Tags: tags,
		Summary: "Change a funding call", Description: "The funder's admins and staff.", MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body fundingBody
	}) (*fundingOutput, error) {
		u, f, err := s.managedFunding(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		in.Body.apply(f)
		if err := s.store.UpdateFundingCall(ctx, f, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &fundingOutput{Body: s.fundingView(f)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "delete-funding-call", Method: http.MethodDelete, Path: "/funding-calls/{id}", Tags: tags,
		Summary: "Withdraw a funding call", Description: "The funder's admins and staff.", DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *idPath) (*struct{}, error) {
		u, f, err := s.managedFunding(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		if err := s.store.DeleteFundingCall(ctx, f.ID, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return nil, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "listing-funding", Method: http.MethodGet, Path: "/listings/{id}/funding", Tags: tags,
		Summary: "Funding that fits a need or seed",
		Description: "Open funding calls its organization is eligible for (a required company contribution is noted, since a partner may still join), " +
			"ranked by BM25 relevance to the listing, with the shared words and fields and the rules met. Whoever may see the listing.",
	}, func(ctx context.Context, in *struct {
		ID    int64 `path:"id" minimum:"1"`
		Limit int   `query:"limit" minimum:"1" maximum:"50" default:"10"`
	}) (*struct{ Body []kakehashi.FundingMatch }, error) {
		l, err := s.visibleListing(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		t, err := kakehashi.ListingTarget(ctx, s.store, kakehashi.Redact(kakehashi.UserFromContext(ctx), l))
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		ms, err := s.store.FundingFits(ctx, t, s.now(), in.Limit)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body []kakehashi.FundingMatch }{Body: ms}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "introduction-funding", Method: http.MethodGet, Path: "/introductions/{id}/funding", Tags: tags,
		Summary: "Funding that fits an introduction",
		Description: "Open funding calls the two parties are eligible for (one may apply; a company among them for a required matching contribution), " +
			"ranked by BM25 relevance to the listing, each with the shared words and fields and the eligibility rules it meets. Parties and staff.",
	}, func(ctx context.Context, in *struct {
		ID    int64 `path:"id" minimum:"1"`
		Limit int   `query:"limit" minimum:"1" maximum:"50" default:"10"`
	}) (*struct{ Body []kakehashi.FundingMatch }, error) {
		u, intro, err := s.visibleIntro(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		t, err := kakehashi.IntroductionTarget(ctx, s.store, u, intro)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		ms, err := s.store.FundingFits(ctx, t, s.now(), in.Limit)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body []kakehashi.FundingMatch }{Body: ms}, nil
	})
}
