package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/search"
)

// CallStore is what the challenge-call routes need from the store.
type CallStore interface {
	kakehashi.CallService
}

// CallView is a call as the API shows it, with whether it still takes
// proposals.
type CallView struct {
	kakehashi.Call
	Open bool `json:"open"`
}

// ProposalView is a proposal as the API shows it; Reviewers is shown to the
// call's owner side and staff only.
type ProposalView struct {
	kakehashi.Proposal
	Reviewers []int64 `json:"reviewers,omitempty"`
}

// callBody is a call as a client writes it.
type callBody struct {
	OrgID             int64                 `json:"org_id,omitempty" doc:"Owning organization; defaults to the caller's"`
	Theme             string                `json:"theme" maxLength:"300"`
	Background        string                `json:"background,omitempty" maxLength:"20000"`
	Language          string                `json:"language" doc:"ISO 639-1 code of the call's text"`
	Deadline          time.Time             `json:"deadline" doc:"When submissions close (RFC 3339)"`
	TimeZone          string                `json:"time_zone" doc:"IANA zone the deadline is shown in, e.g. Asia/Tokyo"`
	Budget            int64                 `json:"budget,omitempty" doc:"Total budget in minor units of currency"`
	Currency          string                `json:"currency" doc:"ISO 4217 code"`
	EligibleKinds     []kakehashi.OrgKind   `json:"eligible_kinds,omitempty" maxItems:"20"`
	EligibleCountries []string              `json:"eligible_countries,omitempty" maxItems:"100"`
	TRLMin            int                   `json:"trl_min"`
	TRLMax            int                   `json:"trl_max"`
	Criteria          []kakehashi.Criterion `json:"criteria" maxItems:"50"`
	IPTerms           string                `json:"ip_terms,omitempty" maxLength:"5000"`
}

// callPatch changes the fields it carries.
type callPatch struct {
	Theme             *string               `json:"theme,omitempty" maxLength:"300"`
	Background        *string               `json:"background,omitempty" maxLength:"20000"`
	Language          *string               `json:"language,omitempty"`
	Deadline          *time.Time            `json:"deadline,omitempty"`
	TimeZone          *string               `json:"time_zone,omitempty"`
	Budget            *int64                `json:"budget,omitempty"`
	Currency          *string               `json:"currency,omitempty"`
	EligibleKinds     []kakehashi.OrgKind   `json:"eligible_kinds,omitempty" maxItems:"20"`
	EligibleCountries []string              `json:"eligible_countries,omitempty" maxItems:"100"`
	TRLMin            *int                  `json:"trl_min,omitempty"`
	TRLMax            *int                  `json:"trl_max,omitempty"`
	Criteria          []kakehashi.Criterion `json:"criteria,omitempty" maxItems:"50"`
	IPTerms           *string               `json:"ip_terms,omitempty" maxLength:"5000"`
}

func (p *callPatch) apply(c *kakehashi.Call) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Theme, p.Theme)
	set(&c.Background, p.Background)
	set(&c.Language, p.Language)
	set(&c.TimeZone, p.TimeZone)
	set(&c.Currency, p.Currency)
	set(&c.IPTerms, p.IPTerms)
	if p.Deadline != nil {
		c.Deadline = *p.Deadline
	}
	if p.Budget != nil {
		c.Budget = *p.Budget
	}
	if p.EligibleKinds != nil {
		c.EligibleKinds = p.EligibleKinds
	}
	if p.EligibleCountries != nil {
		c.EligibleCountries = p.EligibleCountries
	}
	if p.TRLMin != nil {
		c.TRLMin = *p.TRLMin
	}
	if p.TRLMax != nil {
		c.TRLMax = *p.TRLMax
	}
	if p.Criteria != nil {
		c.Criteria = p.Criteria
	}
}

// proposalBody is a proposal as its organization writes it.
type proposalBody struct {
	Summary         *string `json:"summary,omitempty" maxLength:"2000"`
	Approach        *string `json:"approach,omitempty" maxLength:"10000"`
	TRL             *int    `json:"trl,omitempty"`
	Team            *string `json:"team,omitempty" maxLength:"5000"`
	RelatedListings []int64 `json:"related_listings,omitempty" maxItems:"10" doc:"Seed listings the proposal builds on"`
	BudgetRequested *int64  `json:"budget_requested,omitempty" doc:"In minor units of the call's currency"`
}

func (b *proposalBody) apply(p *kakehashi.Proposal) {
	if b.Summary != nil {
		p.Summary = *b.Summary
	}
	if b.Approach != nil {
		p.Approach = *b.Approach
	}
	if b.TRL != nil {
		p.TRL = *b.TRL
	}
	if b.Team != nil {
		p.Team = *b.Team
	}
	if b.RelatedListings != nil {
		p.RelatedListings = b.RelatedListings
	}
	if b.BudgetRequested != nil {
		p.BudgetRequested = *b.BudgetRequested
	}
}

type callOutput struct{ Body *CallView }

type proposalOutput struct{ Body *ProposalView }

func (s *Server) callView(c *kakehashi.Call) *CallView {
	return &CallView{Call: *c, Open: c.Open(s.now())}
}

// visibleProposal loads a proposal the caller may see, with its call and
// reviewers; others get 404.
func (s *Server) visibleProposal(ctx context.Context, id int64) (*kakehashi.User, *kakehashi.Call, *kakehashi.Proposal, []int64, error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	p, err := s.store.Proposal(ctx, id)
	if err != nil {
		return nil, nil, nil, nil, s.apiError(ctx, err)
	}
	c, err := s.store.Call(ctx, p.CallID)
	if err != nil {
		return nil, nil, nil, nil, s.apiError(ctx, err)
	}
	reviewers, err := s.store.Reviewers(ctx, id)
	if err != nil {
		return nil, nil, nil, nil, s.apiError(ctx, err)
	}
	if !kakehashi.CanSeeProposal(u, c, p, reviewers) {
		return nil, nil, nil, nil, huma.Error404NotFound("proposal " + itoa(id) + " not found")
	}
	return u, c, p, reviewers, nil
}

func proposalView(u *kakehashi.User, c *kakehashi.Call, p *kakehashi.Proposal, reviewers []int64) *ProposalView {
	v := &ProposalView{Proposal: *p}
	if kakehashi.CanManageCall(u, c) {
		v.Reviewers = reviewers
	}
	return v
}

// ownerCall loads a call whose owner-only data the caller asks for: 403
// for anyone but its organization and staff.
func (s *Server) ownerCall(ctx context.Context, id int64) (*kakehashi.User, *kakehashi.Call, error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.store.Call(ctx, id)
	if err != nil {
		return nil, nil, s.apiError(ctx, err)
	}
	if !kakehashi.CanManageCall(u, c) {
		return nil, nil, huma.Error403Forbidden("only the call's organization and coordinators see this")
	}
	return u, c, nil
}

// registerCalls adds the challenge-call routes.
func (s *Server) registerCalls(api huma.API) {
	tags := []string{"calls"}
	huma.Register(api, huma.Operation{
		OperationID: "create-call", Method: http.MethodPost, Path: "/calls", Tags: tags,
		Summary: "Put out a challenge call",
		Description: "Members of an organization (and coordinators) put out calls for it. The call is published as a public need listing of kind challenge, " +
			"so that it is searched and matched against seeds like any need.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct{ Body callBody }) (*callOutput, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		b := in.Body
		c := &kakehashi.Call{OrgID: b.OrgID, Theme: b.Theme, Background: b.Background, Language: b.Language, Deadline: b.Deadline,
			TimeZone: b.TimeZone, Budget: b.Budget, Currency: b.Currency, EligibleKinds: b.EligibleKinds, EligibleCountries: b.EligibleCountries,
			TRLMin: b.TRLMin, TRLMax: b.TRLMax, Criteria: b.Criteria, IPTerms: b.IPTerms}
		if c.OrgID == 0 {
			c.OrgID = u.OrgID
		}
		if !kakehashi.CanCreateCallFor(u, c.OrgID) {
			return nil, huma.Error403Forbidden("you may put out calls only for your own organization")
		}
		if err := s.store.CreateCall(ctx, c, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &callOutput{Body: s.callView(c)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-calls", Method: http.MethodGet, Path: "/calls", Tags: tags,
		Summary: "List challenge calls", Description: "Calls are public. open=true keeps those whose deadline has not passed.",
	}, func(ctx context.Context, in *struct {
		Open  bool  `query:"open"`
		OrgID int64 `query:"org_id"`
		PageParams
	}) (*struct{ Body Page[*CallView] }, error) {
		after, err := decodeCursor(in.Cursor)
		if err != nil {
			return nil, err
		}
		f := kakehashi.CallFilter{OrgID: in.OrgID, After: after, Limit: in.Limit + 1}
		if in.Open {
			f.OpenAt = s.now()
		}
		list, err := s.store.Calls(ctx, f)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		views := make([]*CallView, len(list))
		for i, c := range list {
			views[i] = s.callView(c)
		}
		return &struct{ Body Page[*CallView] }{Body: page(views, in.Limit, func(c *CallView) int64 { return c.ID })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-call", Method: http.MethodGet, Path: "/calls/{id}", Tags: tags, Summary: "Get a challenge call",
	}, func(ctx context.Context, in *idPath) (*callOutput, error) {
		c, err := s.store.Call(ctx, in.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &callOutput{Body: s.callView(c)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "update-call", Method: http.MethodPatch, Path: "/calls/{id}", Tags: tags,
		Summary: "Change a challenge call", Description: "Its organization and coordinators. The criteria are fixed once a proposal has been scored.",
		MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body callPatch
	}) (*callOutput, error) {
		u, c, err := s.ownerCall(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		in.Body.apply(c)
		if err := s.store.UpdateCall(ctx, c, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &callOutput{Body: s.callView(c)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "match-call", Method: http.MethodGet, Path: "/calls/{id}/matches", Tags: tags,
		Summary: "Seeds that could answer a call", Description: "The matching engine's best open seeds for the call's listing, with explanations.",
	}, func(ctx context.Context, in *struct {
		ID    int64 `path:"id" minimum:"1"`
		Limit int   `query:"limit" minimum:"1" maximum:"50" default:"10"`
	}) (*struct{ Body *search.MatchResult }, error) {
		c, err := s.store.Call(ctx, in.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		if s.search == nil {
			return nil, huma.Error503ServiceUnavailable("search is not available on this server")
		}
		if err := s.search.Ready(ctx); err != nil {
			return nil, huma.Error503ServiceUnavailable(err.Error())
		}
		res, err := s.search.Match(ctx, c.ListingID, kakehashi.UserFromContext(ctx), search.MatchOptions{Limit: in.Limit, Now: s.now()})
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *search.MatchResult }{Body: res}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "call-stats", Method: http.MethodGet, Path: "/calls/{id}/stats", Tags: tags,
		Summary: "Proposals by country and organization kind", Description: "Submitted proposals only. The call's organization and coordinators.",
	}, func(ctx context.Context, in *idPath) (*struct{ Body *kakehashi.CallStats }, error) {
		if _, _, err := s.ownerCall(ctx, in.ID); err != nil {
			return nil, err
		}
		st, err := s.store.CallStats(ctx, in.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *kakehashi.CallStats }{Body: st}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "call-ranking", Method: http.MethodGet, Path: "/calls/{id}/ranking", Tags: tags,
		Summary: "Proposals ranked by weighted score",
		Description: "score = Σ weight × mean reviewer score of the criterion / Σ weights (0–10); ties by id. " +
			"The call's organization and coordinators.",
	}, func(ctx context.Context, in *idPath) (*struct{ Body []kakehashi.Ranked }, error) {
		if _, _, err := s.ownerCall(ctx, in.ID); err != nil {
			return nil, err
		}
		rank, err := s.store.Ranking(ctx, in.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body []kakehashi.Ranked }{Body: rank}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "create-proposal", Method: http.MethodPost, Path: "/calls/{id}/proposals", Tags: tags,
		Summary:       "Draft a proposal to a call",
		Description:   "On behalf of the caller's organization, which must be eligible; one proposal per organization. Submit it before the deadline.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body proposalBody
	}) (*proposalOutput, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		c, err := s.store.Call(ctx, in.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		p := &kakehashi.Proposal{CallID: c.ID}
		in.Body.apply(p)
		if err := s.store.CreateProposal(ctx, p, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &proposalOutput{Body: proposalView(u, c, p, nil)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-call-proposals", Method: http.MethodGet, Path: "/calls/{id}/proposals", Tags: tags,
		Summary: "A call's proposals",
		Description: "The call's organization and coordinators see every submitted proposal; others see their organization's own (drafts included) " +
			"and those they review.",
	}, func(ctx context.Context, in *struct {
		ID int64 `path:"id" minimum:"1"`
		PageParams
	}) (*struct{ Body Page[*ProposalView] }, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		c, err := s.store.Call(ctx, in.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		after, err := decodeCursor(in.Cursor)
		if err != nil {
			return nil, err
		}
		list, err := s.store.Proposals(ctx, kakehashi.ProposalFilter{CallID: c.ID, Drafts: true, After: after, Limit: 1000})
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		views, err := s.visibleProposals(ctx, u, list, func(int64) *kakehashi.Call { return c })
		if err != nil {
			return nil, err
		}
		if len(views) > in.Limit+1 {
			views = views[:in.Limit+1]
		}
		return &struct{ Body Page[*ProposalView] }{Body: page(views, in.Limit, func(p *ProposalView) int64 { return p.ID })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-my-proposals", Method: http.MethodGet, Path: "/proposals", Tags: tags,
		Summary: "My proposals and the proposals I review", Description: "reviewing=true keeps those the caller is assigned to review.",
	}, func(ctx context.Context, in *struct {
		Reviewing bool `query:"reviewing"`
	}) (*struct{ Body []*ProposalView }, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		list, err := s.store.Proposals(ctx, kakehashi.ProposalFilter{Reviewer: u.ID, Limit: 1000})
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		if !in.Reviewing && u.OrgID != 0 {
			own, err := s.store.Proposals(ctx, kakehashi.ProposalFilter{OrgID: u.OrgID, Drafts: true, Limit: 1000})
			if err != nil {
				return nil, s.apiError(ctx, err)
			}
			list = append(own, list...)
		}
		calls := map[int64]*kakehashi.Call{}
		views, err := s.visibleProposals(ctx, u, list, func(id int64) *kakehashi.Call {
			if c, ok := calls[id]; ok {
				return c
			}
			c, _ := s.store.Call(ctx, id)
			calls[id] = c
			return c
		})
		if err != nil {
			return nil, err
		}
		return &struct{ Body []*ProposalView }{Body: views}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-proposal", Method: http.MethodGet, Path: "/proposals/{id}", Tags: tags,
		Summary: "Get a proposal", Description: "Its organization, the call's organization and reviewers (once submitted), and coordinators; others get 404.",
	}, func(ctx context.Context, in *idPath) (*proposalOutput, error) {
		u, c, p, reviewers, err := s.visibleProposal(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &proposalOutput{Body: proposalView(u, c, p, reviewers)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "update-proposal", Method: http.MethodPatch, Path: "/proposals/{id}", Tags: tags,
		Summary: "Change a draft proposal", Description: "Its organization, before the deadline.", MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body proposalBody
	}) (*proposalOutput, error) {
		u, c, p, reviewers, err := s.visibleProposal(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		in.Body.apply(p)
		if err := s.store.UpdateProposal(ctx, p, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &proposalOutput{Body: proposalView(u, c, p, reviewers)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "submit-proposal", Method: http.MethodPost, Path: "/proposals/{id}/submit", Tags: tags,
		Summary: "Submit a draft proposal", Description: "Its organization, before the call's deadline; after it, 409.",
	}, func(ctx context.Context, in *idPath) (*proposalOutput, error) {
		u, c, _, reviewers, err := s.visibleProposal(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		p, err := s.store.SubmitProposal(ctx, in.ID, u)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &proposalOutput{Body: proposalView(u, c, p, reviewers)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "move-proposal", Method: http.MethodPost, Path: "/proposals/{id}/stage", Tags: tags,
		Summary: "Move a proposal or decide it",
		Description: "submitted → screening → review → finalist → adopted, or rejected from any of them. A decision needs feedback, which the proposer receives; " +
			"adoption opens an introduction between the proposer and the call's organization. The call's organization and coordinators.",
		MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body kakehashi.ProposalMove
	}) (*proposalOutput, error) {
		u, c, _, reviewers, err := s.visibleProposal(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		p, err := s.store.MoveProposal(ctx, in.ID, in.Body, u)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &proposalOutput{Body: proposalView(u, c, p, reviewers)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "assign-reviewer", Method: http.MethodPost, Path: "/proposals/{id}/reviewers", Tags: tags,
		Summary: "Assign a reviewer to a proposal", Description: "Any active user outside the proposing organization. The call's organization and coordinators.",
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			UserID int64 `json:"user_id" minimum:"1"`
		}
	}) (*proposalOutput, error) {
		u, c, p, _, err := s.visibleProposal(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		if err := s.store.AssignReviewer(ctx, in.ID, in.Body.UserID, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		reviewers, err := s.store.Reviewers(ctx, in.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &proposalOutput{Body: proposalView(u, c, p, reviewers)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "put-review", Method: http.MethodPut, Path: "/proposals/{id}/review", Tags: tags,
		Summary: "Score a proposal", Description: "The caller's own review, as an assigned reviewer: every criterion scored 0–10 with a comment. Replaces an earlier one.",
		MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Scores []kakehashi.Score `json:"scores" maxItems:"50"`
		}
	}) (*struct{ Body *kakehashi.Review }, error) {
		u, _, _, _, err := s.visibleProposal(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		r := &kakehashi.Review{ProposalID: in.ID, Scores: in.Body.Scores}
		if err := s.store.PutReview(ctx, r, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *kakehashi.Review }{Body: r}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-reviews", Method: http.MethodGet, Path: "/proposals/{id}/reviews", Tags: tags,
		Summary: "A proposal's reviews", Description: "All of them for the call's organization and coordinators; a reviewer's own for a reviewer.",
	}, func(ctx context.Context, in *idPath) (*struct{ Body []*kakehashi.Review }, error) {
		u, c, _, reviewers, err := s.visibleProposal(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		all := kakehashi.CanSeeReviews(u, c)
		if !all && !containsID(reviewers, u.ID) {
			return nil, huma.Error403Forbidden("reviews are for the call's organization and the reviewers")
		}
		list, err := s.store.Reviews(ctx, in.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		out := []*kakehashi.Review{}
		for _, r := range list {
			if all || r.ReviewerID == u.ID {
				out = append(out, r)
			}
		}
		return &struct{ Body []*kakehashi.Review }{Body: out}, nil
	})
}

// visibleProposals keeps the proposals u may see, once each, as views.
func (s *Server) visibleProposals(ctx context.Context, u *kakehashi.User, list []*kakehashi.Proposal, call func(int64) *kakehashi.Call) ([]*ProposalView, error) {
	out := []*ProposalView{}
	seen := map[int64]bool{}
	for _, p := range list {
		c := call(p.CallID)
		if seen[p.ID] || c == nil {
			continue
		}
		seen[p.ID] = true
		reviewers, err := s.store.Reviewers(ctx, p.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		if kakehashi.CanSeeProposal(u, c, p, reviewers) {
			out = append(out, proposalView(u, c, p, reviewers))
		}
	}
	return out, nil
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
