package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kakehashi/kakehashi"
)

// ListingInput carries the writable fields of a listing. On create, absent
// fields take their defaults (status open, visibility public, IP none); on
// update (PATCH), absent fields keep their stored value.
type ListingInput struct {
	Side             *kakehashi.Side              `json:"side,omitempty" enum:"seed,need"`
	Kind             *kakehashi.ListingKind       `json:"kind,omitempty" enum:"technology,patent,dataset,facility,challenge,partner_search,procurement"`
	OrgID            *int64                       `json:"org_id,omitempty" doc:"Owning organization; defaults to the caller's. Only platform staff may choose another."`
	Title            *string                      `json:"title,omitempty" maxLength:"300"`
	Summary          *string                      `json:"summary,omitempty" maxLength:"1000"`
	Body             *string                      `json:"body,omitempty" maxLength:"20000"`
	Language         *string                      `json:"language,omitempty" doc:"ISO 639-1 code, e.g. en or ja" example:"ja"`
	Keywords         *[]string                    `json:"keywords,omitempty" maxItems:"30"`
	Fields           *[]string                    `json:"fields,omitempty" maxItems:"10" doc:"OECD Fields of Science codes, e.g. 2.5"`
	Sectors          *[]string                    `json:"sectors,omitempty" maxItems:"10"`
	TRL              *int                         `json:"trl,omitempty" minimum:"1" maximum:"9" doc:"Technology readiness level 1–9"`
	IP               *kakehashi.IP                `json:"ip,omitempty"`
	PartnershipTypes *[]kakehashi.PartnershipType `json:"partnership_types,omitempty"`
	TargetCountries  *[]string                    `json:"target_countries,omitempty" doc:"ISO 3166-1 alpha-2 codes"`
	Controlled       *bool                        `json:"controlled,omitempty" doc:"Relevant to export control"`
	Visibility       *kakehashi.Visibility        `json:"visibility,omitempty" enum:"public,members,confidential"`
	Status           *kakehashi.Status            `json:"status,omitempty" enum:"draft,open,closed,archived"`
	Deadline         *string                      `json:"deadline,omitempty" doc:"RFC 3339 time, or empty to clear" example:"2027-03-31T23:59:59+09:00"`
	ExternalID       *string                      `json:"external_id,omitempty" maxLength:"200"`
}

// apply copies the present fields of in onto l and reports field problems
// that only the API can detect (an unparseable deadline).
func (in *ListingInput) apply(l *kakehashi.Listing, p *kakehashi.Problems) {
	set(&l.Side, in.Side)
	set(&l.Kind, in.Kind)
	set(&l.Title, in.Title)
	set(&l.Summary, in.Summary)
	set(&l.Body, in.Body)
	set(&l.Language, in.Language)
	set(&l.Keywords, in.Keywords)
	set(&l.Fields, in.Fields)
	set(&l.Sectors, in.Sectors)
	set(&l.TRL, in.TRL)
	set(&l.IP, in.IP)
	set(&l.PartnershipTypes, in.PartnershipTypes)
	set(&l.TargetCountries, in.TargetCountries)
	set(&l.Controlled, in.Controlled)
	set(&l.Visibility, in.Visibility)
	set(&l.Status, in.Status)
	set(&l.ExternalID, in.ExternalID)
	if in.Deadline != nil {
		if *in.Deadline == "" {
			l.Deadline = nil
		} else if d, err := time.Parse(time.RFC3339, *in.Deadline); err != nil {
			p.Add("deadline", "must be an RFC 3339 time such as 2027-03-31T23:59:59+09:00")
		} else {
			l.Deadline = &d
		}
	}
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

type listingFilterInput struct {
	Side     string `query:"side" enum:"seed,need"`
	Kind     string `query:"kind" enum:"technology,patent,dataset,facility,challenge,partner_search,procurement"`
	Country  string `query:"country" doc:"Owner's ISO 3166-1 alpha-2 country code"`
	Status   string `query:"status" enum:"draft,open,closed,archived"`
	Language string `query:"language" doc:"ISO 639-1 code"`
	Org      int64  `query:"org" doc:"Owning organization id"`
	PageParams
}

type listingOutput struct {
	Body *kakehashi.Listing
}

type listingsOutput struct {
	Body Page[*kakehashi.Listing]
}

// idPath is the input of operations that take only an id. Operations with a
// body declare their own ID field: Huma skips an embedded idPath, because an
// embedded unexported type is an unexported field, and the id would stay 0.
type idPath struct {
	ID int64 `path:"id" minimum:"1"`
}

func (s *Server) registerListings(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "list-listings", Method: http.MethodGet, Path: "/listings", Tags: []string{"listings"},
		Summary:     "List seeds and needs",
		Description: "Lists the listings the caller may see, oldest first. Confidential listings come without owner and body unless the caller belongs to the owner or is platform staff.",
	}, func(ctx context.Context, in *listingFilterInput) (*listingsOutput, error) {
		viewer := kakehashi.UserFromContext(ctx)
		after, err := decodeCursor(in.Cursor)
		if err != nil {
			return nil, err
		}
		var p kakehashi.Problems
		if in.Country != "" && !kakehashi.ValidCountry(in.Country) {
			p.Add("country", "%q is not an ISO 3166-1 alpha-2 country code", in.Country)
		}
		if in.Language != "" && !kakehashi.ValidLanguage(in.Language) {
			p.Add("language", "%q is not an ISO 639-1 language code", in.Language)
		}
		if err := queryProblems(p.Err("filter")); err != nil {
			return nil, err
		}
		list, err := s.store.Listings(ctx, kakehashi.ListingFilter{
			Side: kakehashi.Side(in.Side), Kind: kakehashi.ListingKind(in.Kind), Country: in.Country,
			Status: kakehashi.Status(in.Status), Language: in.Language, OrgID: in.Org, After: after, Limit: in.Limit + 1,
		}, viewer)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		for i, l := range list {
			list[i] = kakehashi.Redact(viewer, l)
		}
		return &listingsOutput{Body: page(list, in.Limit, func(l *kakehashi.Listing) int64 { return l.ID })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-listing", Method: http.MethodGet, Path: "/listings/{id}", Tags: []string{"listings"},
		Summary: "Get a listing",
	}, func(ctx context.Context, in *idPath) (*listingOutput, error) {
		l, err := s.visibleListing(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &listingOutput{Body: kakehashi.Redact(kakehashi.UserFromContext(ctx), l)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "create-listing", Method: http.MethodPost, Path: "/listings", Tags: []string{"listings"},
		Summary: "Publish a seed or a need", DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct{ Body ListingInput }) (*listingOutput, error) {
		actor, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		l := &kakehashi.Listing{OrgID: actor.OrgID, Visibility: kakehashi.VisibilityPublic, Status: kakehashi.StatusOpen,
			IP: kakehashi.IP{Status: kakehashi.IPNone}}
		if in.Body.OrgID != nil {
			l.OrgID = *in.Body.OrgID
		}
		if !kakehashi.CanCreateListingFor(actor, l.OrgID) {
			if l.OrgID == 0 {
				return nil, s.apiError(ctx, &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid listing",
					Fields: []kakehashi.FieldError{{Field: "org_id", Message: "you belong to no organization; name one"}}})
			}
			return nil, huma.Error403Forbidden("you may only publish listings for your own organization")
		}
		var p kakehashi.Problems
		in.Body.apply(l, &p)
		if err := p.Err("listing"); err != nil {
			return nil, s.apiError(ctx, err)
		}
		if err := s.store.CreateListing(ctx, l, actor); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &listingOutput{Body: l}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "update-listing", Method: http.MethodPatch, Path: "/listings/{id}", Tags: []string{"listings"},
		Summary: "Change a listing", Description: "Fields left out keep their value.", MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body ListingInput
	}) (*listingOutput, error) {
		actor, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		l, err := s.visibleListing(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		if !kakehashi.CanEditListing(actor, l) {
			return nil, huma.Error403Forbidden("only the owning organization and platform staff may change this listing")
		}
		if in.Body.OrgID != nil && *in.Body.OrgID != l.OrgID {
			if !actor.IsStaff() {
				return nil, huma.Error403Forbidden("only platform staff may move a listing to another organization")
			}
			l.OrgID = *in.Body.OrgID
		}
		var p kakehashi.Problems
		in.Body.apply(l, &p)
		if err := p.Err("listing"); err != nil {
			return nil, s.apiError(ctx, err)
		}
		if err := s.store.UpdateListing(ctx, l, actor); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &listingOutput{Body: l}, nil
	})
}

// visibleListing loads a listing the caller may see; one they may not see is
// reported as not found, so that its existence does not leak.
func (s *Server) visibleListing(ctx context.Context, id int64) (*kakehashi.Listing, error) {
	l, err := s.store.Listing(ctx, id)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	if !kakehashi.CanSeeListing(kakehashi.UserFromContext(ctx), l) {
		return nil, huma.Error404NotFound("listing " + itoa(id) + " not found")
	}
	return l, nil
}

// queryProblems turns domain field errors about query parameters into a 400
// that points at the query.
func queryProblems(err error) error {
	if err == nil {
		return nil
	}
	var details []error
	for _, f := range kakehashi.FieldErrors(err) {
		details = append(details, &huma.ErrorDetail{Message: f.Message, Location: "query." + f.Field})
	}
	return huma.NewError(http.StatusBadRequest, "invalid query parameters", details...)
}
