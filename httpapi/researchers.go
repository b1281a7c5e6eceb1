package httpapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/search"
)

// ResearcherStore is what the researcher and expert routes need.
type ResearcherStore interface {
	kakehashi.ResearcherService
	// ResearchersStamp changes whenever a researcher is written; the
	// expert finder's people index follows it.
	ResearchersStamp(ctx context.Context) (string, error)
	ListingsByID(ctx context.Context, ids []int64) ([]*kakehashi.Listing, error)
}

// ExpertFinder ranks people for a need; the search engine is one.
type ExpertFinder interface {
	Experts(ctx context.Context, src search.ResearcherSource, id int64, viewer *kakehashi.User, opt search.ExpertOptions) (*search.ExpertResult, error)
}

// ResearcherInput carries the writable fields of a researcher profile; on
// update, absent fields keep their stored value.
type ResearcherInput struct {
	UserID       *int64                   `json:"user_id,omitempty" minimum:"0" doc:"The person's own account; 0 for none"`
	OrgID        *int64                   `json:"org_id,omitempty" minimum:"0" doc:"Organization they work at; 0 for none"`
	Name         *string                  `json:"name,omitempty" maxLength:"200"`
	NameJa       *string                  `json:"name_ja,omitempty" maxLength:"200" doc:"Name in Japanese"`
	Position     *string                  `json:"position,omitempty" maxLength:"200"`
	CareerStage  *kakehashi.CareerStage   `json:"career_stage,omitempty" enum:"student,early_career,mid_career,senior,emeritus,unknown"`
	Bio          *string                  `json:"bio,omitempty" maxLength:"5000"`
	Keywords     *[]string                `json:"keywords,omitempty" maxItems:"30" doc:"Areas of expertise"`
	Fields       *[]string                `json:"fields,omitempty" maxItems:"10" doc:"OECD Fields of Science codes"`
	Languages    *[]string                `json:"languages,omitempty" maxItems:"10" doc:"ISO 639-1 codes"`
	ORCID        *string                  `json:"orcid,omitempty" doc:"ORCID iD, checksum validated" example:"0000-0002-1825-0097"`
	OpenAlexID   *string                  `json:"openalex_id,omitempty" doc:"OpenAlex author id" example:"A5023888391"`
	OpenTo       *OpennessInput           `json:"open_to,omitempty" doc:"Forms of collaboration the researcher is open to; absent flags keep their value"`
	Publications *[]kakehashi.Publication `json:"publications,omitempty" maxItems:"200"`
	ListingIDs   *[]int64                 `json:"listing_ids,omitempty" maxItems:"100" doc:"Seeds the researcher is behind"`
}

// OpennessInput sets some of a researcher's openness flags.
type OpennessInput struct {
	IndustryCollaboration *bool `json:"industry_collaboration,omitempty"`
	CrossAppointment      *bool `json:"cross_appointment,omitempty"`
	Startup               *bool `json:"startup,omitempty"`
}

func (in *ResearcherInput) apply(r *kakehashi.Researcher) {
	set(&r.UserID, in.UserID)
	set(&r.OrgID, in.OrgID)
	set(&r.Name, in.Name)
	set(&r.NameJa, in.NameJa)
	set(&r.Position, in.Position)
	set(&r.Career, in.CareerStage)
	set(&r.Bio, in.Bio)
	set(&r.Keywords, in.Keywords)
	set(&r.Fields, in.Fields)
	set(&r.Languages, in.Languages)
	set(&r.ORCID, in.ORCID)
	set(&r.OpenAlexID, in.OpenAlexID)
	if in.OpenTo != nil {
		set(&r.OpenTo.IndustryCollaboration, in.OpenTo.IndustryCollaboration)
		set(&r.OpenTo.CrossAppointment, in.OpenTo.CrossAppointment)
		set(&r.OpenTo.Startup, in.OpenTo.Startup)
	}
	set(&r.Publications, in.Publications)
	set(&r.ListingIDs, in.ListingIDs)
}

type researcherOutput struct{ Body *kakehashi.Researcher }

type researchersOutput struct {
	Body Page[*kakehashi.Researcher]
}

// PeopleQuery filters researchers, in the list and in expert finding.
type PeopleQuery struct {
	Country     string `query:"country" doc:"Organization's ISO 3166-1 alpha-2 code"`
	OrgKind     string `query:"org_kind" enum:"company,sme,startup,university,research_institute,tlo,government,funder,support_agency"`
	CareerStage string `query:"career_stage" enum:"student,early_career,mid_career,senior,emeritus,unknown"`
	OpenTo      string `query:"open_to" enum:"any,industry_collaboration,cross_appointment,startup"`
}

// showResearchers cuts the listing ids of rs to the seeds viewer sees in
// full: naming the person behind a confidential seed would name its owner.
func (s *Server) showResearchers(ctx context.Context, viewer *kakehashi.User, rs []*kakehashi.Researcher) error {
	var ids []int64
	for _, r := range rs {
		ids = append(ids, r.ListingIDs...)
	}
	if len(ids) == 0 {
		return nil
	}
	ls, err := s.store.ListingsByID(ctx, ids)
	if err != nil {
		return err
	}
	byID := map[int64]*kakehashi.Listing{}
	for _, l := range ls {
		byID[l.ID] = l
	}
	for _, r := range rs {
		r.ListingIDs = r.VisibleListingIDs(viewer, func(id int64) *kakehashi.Listing { return byID[id] })
	}
	return nil
}

// checkNewLinks refuses links to seeds actor may not vouch for: a new link
// must name a seed of the researcher's own organization or one actor may
// edit, and actor must see it in full. Links already stored stay.
func (s *Server) checkNewLinks(ctx context.Context, actor *kakehashi.User, prev, next *kakehashi.Researcher) error {
	had := map[int64]bool{}
	if prev != nil {
		for _, id := range prev.ListingIDs {
			had[id] = true
		}
	}
	var p kakehashi.Problems
	for i, id := range next.ListingIDs {
		if had[id] || id <= 0 {
			continue
		}
		field := fmt.Sprintf("listing_ids[%d]", i)
		l, err := s.store.Listing(ctx, id)
		switch {
		case kakehashi.ErrorCode(err) == kakehashi.ENOTFOUND:
			p.Add(field, "listing %d not found", id)
		case err != nil:
			return err
		case !kakehashi.SeesFullListing(actor, l):
			p.Add(field, "listing %d not found", id)
		case l.Side != kakehashi.SideSeed:
			p.Add(field, "listing %d is a need; a researcher is behind seeds", id)
		case !(l.OrgID == next.OrgID && next.OrgID != 0) && !kakehashi.CanEditListing(actor, l):
			p.Add(field, "listing %d belongs to another organization; its members or staff may link it", id)
		}
	}
	return p.Err("researcher")
}

func (s *Server) registerResearchers(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "list-researchers", Method: http.MethodGet, Path: "/researchers", Tags: []string{"researchers"},
		Summary: "List researcher profiles", Description: "Profiles are public. Filters combine; listing ids show only seeds the caller sees in full.",
	}, func(ctx context.Context, in *struct {
		Q     string `query:"q" maxLength:"200" doc:"Part of a name (also Japanese) or expertise keyword"`
		OrgID int64  `query:"org_id" minimum:"0"`
		PeopleQuery
		ListingID int64 `query:"listing_id" minimum:"0" doc:"Only the people behind this seed"`
		PageParams
	}) (*researchersOutput, error) {
		viewer := kakehashi.UserFromContext(ctx)
		after, err := decodeCursor(in.Cursor)
		if err != nil {
			return nil, err
		}
		f := kakehashi.ResearcherFilter{Query: in.Q, OrgID: in.OrgID, Country: in.Country, OrgKind: kakehashi.OrgKind(in.OrgKind),
			CareerStage: kakehashi.CareerStage(in.CareerStage), OpenTo: in.OpenTo, ListingID: in.ListingID, After: after, Limit: in.Limit + 1}
		if err := f.Validate(); err != nil {
			return nil, queryProblems(err)
		}
		if in.ListingID != 0 {
			l, err := s.store.Listing(ctx, in.ListingID)
			if err != nil || !kakehashi.SeesFullListing(viewer, l) {
				return nil, huma.Error400BadRequest("invalid query parameters", &huma.ErrorDetail{Location: "query.listing_id",
					Message: fmt.Sprintf("listing %d not found", in.ListingID), Value: in.ListingID})
			}
		}
		list, err := s.store.Researchers(ctx, f)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		if err := s.showResearchers(ctx, viewer, list); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &researchersOutput{Body: page(list, in.Limit, func(r *kakehashi.Researcher) int64 { return r.ID })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-researcher", Method: http.MethodGet, Path: "/researchers/{id}", Tags: []string{"researchers"},
		Summary: "Get a researcher profile",
	}, func(ctx context.Context, in *idPath) (*researcherOutput, error) {
		r, err := s.store.Researcher(ctx, in.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		if err := s.showResearchers(ctx, kakehashi.UserFromContext(ctx), []*kakehashi.Researcher{r}); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &researcherOutput{Body: r}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "create-researcher", Method: http.MethodPost, Path: "/researchers", Tags: []string{"researchers"},
		Summary: "Create a researcher profile", DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
		Description: "Platform staff, an admin of the researcher's organization, or a person for their own profile (user_id = their account, org_id = their organization).",
	}, func(ctx context.Context, in *struct{ Body ResearcherInput }) (*researcherOutput, error) {
		actor, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		r := &kakehashi.Researcher{}
		in.Body.apply(r)
		if !kakehashi.CanCreateResearcher(actor, r) {
			return nil, huma.Error403Forbidden("only platform staff, the organization's admins and the person themselves create a profile")
		}
		if err := s.checkNewLinks(ctx, actor, nil, r); err != nil {
			return nil, s.apiError(ctx, err)
		}
		if err := s.store.CreateResearcher(ctx, r, actor); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &researcherOutput{Body: r}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "update-researcher", Method: http.MethodPatch, Path: "/researchers/{id}", Tags: []string{"researchers"},
		Summary: "Change a researcher profile", MaxBodyBytes: maxBody,
		Description: "The person themselves, an admin of the researcher's organization, or platform staff. listing_ids replaces the linked seeds.",
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body ResearcherInput
	}) (*researcherOutput, error) {
		actor, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		prev, err := s.store.Researcher(ctx, in.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		next := *prev
		next.ListingIDs = append([]int64(nil), prev.ListingIDs...)
		in.Body.apply(&next)
		if !kakehashi.CanEditResearcher(actor, prev, &next) {
			return nil, huma.Error403Forbidden("only the person, their organization's admins and platform staff change a profile")
		}
		if err := s.checkNewLinks(ctx, actor, prev, &next); err != nil {
			return nil, s.apiError(ctx, err)
		}
		if err := s.store.UpdateResearcher(ctx, &next, actor); err != nil {
			return nil, s.apiError(ctx, err)
		}
		if err := s.showResearchers(ctx, actor, []*kakehashi.Researcher{&next}); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &researcherOutput{Body: &next}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "listing-experts", Method: http.MethodGet, Path: "/listings/{id}/experts", Tags: []string{"search", "researchers"},
		Summary: "Who could work on this need",
		Description: "Researchers ranked for a need by their expertise profile and the seeds they are behind, with the same explanations as listing matches: " +
			"the need's terms found in the profile (and where), the matching seeds with their own term explanations, and the shared fields of science.",
	}, func(ctx context.Context, in *struct {
		ID int64 `path:"id" minimum:"1"`
		PeopleQuery
		Limit int `query:"limit" minimum:"1" maximum:"50" default:"10"`
	}) (*struct{ Body *search.ExpertResult }, error) {
		finder, ok := s.search.(ExpertFinder)
		if s.search == nil || !ok {
			return nil, huma.Error503ServiceUnavailable("expert finding is not available on this server")
		}
		if err := s.search.Ready(ctx); err != nil {
			return nil, huma.Error503ServiceUnavailable(err.Error())
		}
		f := search.ExpertFilter{Country: in.Country, OrgKind: kakehashi.OrgKind(in.OrgKind), CareerStage: kakehashi.CareerStage(in.CareerStage), OpenTo: in.OpenTo}
		if err := f.Validate(); err != nil {
			return nil, queryProblems(err)
		}
		res, err := finder.Experts(ctx, s.store, in.ID, kakehashi.UserFromContext(ctx), search.ExpertOptions{Limit: in.Limit, Filter: f})
		if err != nil {
			if kakehashi.ErrorCode(err) == kakehashi.EINVALID {
				return nil, huma.Error422UnprocessableEntity(kakehashi.ErrorMessage(err), &huma.ErrorDetail{Location: "path.id", Message: "the listing is a seed; experts are found for needs", Value: in.ID})
			}
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *search.ExpertResult }{Body: res}, nil
	})
}
