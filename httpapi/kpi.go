package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/app"
)

// KPIStore is what the KPI dashboard and fact book routes read.
type KPIStore interface {
	kakehashi.KPIService
}

func (s *Server) registerKPI(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "get-kpis", Method: http.MethodGet, Path: "/kpis", Tags: []string{"kpis"},
		Summary: "KPI dashboard figures", Description: "Aggregate counts over a range of months, with breakdowns, funnel and medians, from rollups refreshed in the background (as_of). Coordinators and admins.",
	}, func(ctx context.Context, in *app.KPIQuery) (*struct{ Body *kakehashi.KPIReport }, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		if !kakehashi.CanSeeKPIs(u) {
			return nil, huma.Error403Forbidden("the KPI dashboard is for coordinators and admins")
		}
		f, err := in.Filter(s.now(), s.stallAfter)
		if err != nil {
			return nil, queryProblem(err)
		}
		r, err := s.store.KPIs(ctx, f)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *kakehashi.KPIReport }{Body: r}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-organization-factbook", Method: http.MethodGet, Path: "/organizations/{id}/factbook", Tags: []string{"organizations"},
		Summary: "An organization's fact book", Description: "Counts of the listings the caller may see; pipeline figures for its members and staff only.",
	}, func(ctx context.Context, in *idPath) (*struct{ Body *kakehashi.FactBook }, error) {
		fb, err := s.store.FactBook(ctx, in.ID, kakehashi.UserFromContext(ctx))
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *kakehashi.FactBook }{Body: fb}, nil
	})
}

// queryProblem is the problem for invalid query parameters: the fields
// located in the query, not the body.
func queryProblem(err error) error {
	status, msg := statusOf(err)
	var details []error
	for _, f := range kakehashi.FieldErrors(err) {
		details = append(details, &huma.ErrorDetail{Message: f.Message, Location: "query." + f.Field})
	}
	return huma.NewError(status, msg, details...)
}
