package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kakehashi/kakehashi"
)

// OrganizationInput carries the writable fields of an organization; on
// update, absent fields keep their stored value.
type OrganizationInput struct {
	Name            *string            `json:"name,omitempty" maxLength:"200"`
	LocalName       *string            `json:"local_name,omitempty" maxLength:"200" doc:"Name in the local language, e.g. Japanese"`
	Aliases         *[]string          `json:"aliases,omitempty" maxItems:"20"`
	Kind            *kakehashi.OrgKind `json:"kind,omitempty" enum:"company,sme,startup,university,research_institute,tlo,government,funder,support_agency"`
	Country         *string            `json:"country,omitempty" doc:"ISO 3166-1 alpha-2" example:"JP"`
	Region          *string            `json:"region,omitempty" doc:"ISO 3166-2" example:"JP-13"`
	Sectors         *[]string          `json:"sectors,omitempty" maxItems:"10"`
	Website         *string            `json:"website,omitempty"`
	Description     *string            `json:"description,omitempty" maxLength:"5000"`
	ROR             *string            `json:"ror,omitempty" doc:"Research Organization Registry id"`
	CorporateNumber *string            `json:"corporate_number,omitempty" doc:"Japan's 13-digit corporate number"`
	ExternalID      *string            `json:"external_id,omitempty" maxLength:"200"`
}

func (in *OrganizationInput) apply(o *kakehashi.Organization) {
	set(&o.Name, in.Name)
	set(&o.LocalName, in.LocalName)
	set(&o.Aliases, in.Aliases)
	set(&o.Kind, in.Kind)
	set(&o.Country, in.Country)
	set(&o.Region, in.Region)
	set(&o.Sectors, in.Sectors)
	set(&o.Website, in.Website)
	set(&o.Description, in.Description)
	set(&o.ROR, in.ROR)
	set(&o.CorporateNumber, in.CorporateNumber)
	set(&o.ExternalID, in.ExternalID)
}

type orgOutput struct{ Body *kakehashi.Organization }

type orgsOutput struct {
	Body Page[*kakehashi.Organization]
}

func (s *Server) registerOrganizations(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "list-organizations", Method: http.MethodGet, Path: "/organizations", Tags: []string{"organizations"},
		Summary: "List organizations",
	}, func(ctx context.Context, in *struct {
		Country string `query:"country" doc:"ISO 3166-1 alpha-2"`
		Kind    string `query:"kind" enum:"company,sme,startup,university,research_institute,tlo,government,funder,support_agency"`
		PageParams
	}) (*orgsOutput, error) {
		after, err := decodeCursor(in.Cursor)
		if err != nil {
			return nil, err
		}
		if in.Country != "" && !kakehashi.ValidCountry(in.Country) {
			var p kakehashi.Problems
			p.Add("country", "%q is not an ISO 3166-1 alpha-2 country code", in.Country)
			return nil, queryProblems(p.Err("filter"))
		}
		list, err := s.store.Organizations(ctx, kakehashi.OrganizationFilter{Country: in.Country, Kind: kakehashi.OrgKind(in.Kind), After: after, Limit: in.Limit + 1})
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &orgsOutput{Body: page(list, in.Limit, func(o *kakehashi.Organization) int64 { return o.ID })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-organization", Method: http.MethodGet, Path: "/organizations/{id}", Tags: []string{"organizations"},
		Summary: "Get an organization",
	}, func(ctx context.Context, in *idPath) (*orgOutput, error) {
		o, err := s.store.Organization(ctx, in.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &orgOutput{Body: o}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "create-organization", Method: http.MethodPost, Path: "/organizations", Tags: []string{"organizations"},
		Summary: "Register an organization", Description: "Platform staff only.", DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct{ Body OrganizationInput }) (*orgOutput, error) {
		actor, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		if !kakehashi.CanCreateOrganization(actor) {
			return nil, huma.Error403Forbidden("only coordinators and admins register organizations")
		}
		o := &kakehashi.Organization{}
		in.Body.apply(o)
		if err := s.store.CreateOrganization(ctx, o, actor); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &orgOutput{Body: o}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "update-organization", Method: http.MethodPatch, Path: "/organizations/{id}", Tags: []string{"organizations"},
		Summary: "Change an organization's profile", Description: "Its org admins and platform staff.", MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body OrganizationInput
	}) (*orgOutput, error) {
		actor, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		o, err := s.store.Organization(ctx, in.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		if !kakehashi.CanManageOrganization(actor, o.ID) {
			return nil, huma.Error403Forbidden("only this organization's admins and platform staff may change it")
		}
		in.Body.apply(o)
		if err := s.store.UpdateOrganization(ctx, o, actor); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &orgOutput{Body: o}, nil
	})
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
