package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kakehashi/kakehashi"
)

// ConsortiumStore is what the consortium routes need from the store.
type ConsortiumStore interface {
	kakehashi.ConsortiumService
}

// ConsortiumView is a consortium as the API shows it: with its members
// (pending and declined requests only to its managers), tasks and the
// shared listings the caller may see.
type ConsortiumView struct {
	kakehashi.Consortium
	Members        []*kakehashi.Membership `json:"members"`
	Tasks          []*kakehashi.Task       `json:"tasks"`
	SharedListings []*kakehashi.Listing    `json:"shared_listings"`
	// CanManage says the caller manages the consortium.
	CanManage bool `json:"can_manage"`
}

// consortiumBody is a consortium as a client writes it. Dates are
// YYYY-MM-DD.
type consortiumBody struct {
	LeadOrgID     int64    `json:"lead_org_id,omitempty" doc:"Lead organization; defaults to the caller's"`
	Title         string   `json:"title" maxLength:"300"`
	TitleJA       string   `json:"title_ja,omitempty" maxLength:"300"`
	Description   string   `json:"description" maxLength:"10000"`
	DescriptionJA string   `json:"description_ja,omitempty" maxLength:"10000"`
	Fields        []string `json:"fields,omitempty" maxItems:"10" doc:"OECD Fields of Science codes"`
	Keywords      []string `json:"keywords,omitempty" maxItems:"30"`
	Start         string   `json:"start" doc:"First day, YYYY-MM-DD"`
	End           string   `json:"end" doc:"Last day, YYYY-MM-DD"`
	Public        bool     `json:"public,omitempty" doc:"Seen by anyone; otherwise by members and staff"`
}

// consortiumPatch changes the fields it carries.
type consortiumPatch struct {
	Title         *string  `json:"title,omitempty" maxLength:"300"`
	TitleJA       *string  `json:"title_ja,omitempty" maxLength:"300"`
	Description   *string  `json:"description,omitempty" maxLength:"10000"`
	DescriptionJA *string  `json:"description_ja,omitempty" maxLength:"10000"`
	Fields        []string `json:"fields,omitempty" maxItems:"10"`
	Keywords      []string `json:"keywords,omitempty" maxItems:"30"`
	Start         *string  `json:"start,omitempty" doc:"YYYY-MM-DD"`
	End           *string  `json:"end,omitempty" doc:"YYYY-MM-DD"`
	Public        *bool    `json:"public,omitempty"`
}

// taskBody is a task as a client writes it; on a change, absent fields
// stay as they are.
type taskBody struct {
	Title       *string               `json:"title,omitempty" maxLength:"300"`
	Description *string               `json:"description,omitempty" maxLength:"5000"`
	OwnerOrgID  *int64                `json:"owner_org_id,omitempty" doc:"A member organization"`
	Status      *kakehashi.TaskStatus `json:"status,omitempty" doc:"planned, active, done or cancelled"`
	Start       *string               `json:"start,omitempty" doc:"YYYY-MM-DD, within the consortium's term"`
	Due         *string               `json:"due,omitempty" doc:"YYYY-MM-DD, within the consortium's term"`
}

// withValidation reports the problems of p together with those validate
// finds in the fields p does not name already, so that one answer lists
// every bad field; nil when p is empty (the store validates then).
func withValidation(p *kakehashi.Problems, what string, validate func() error) error {
	first := p.Err(what)
	if first == nil {
		return nil
	}
	named := map[string]bool{}
	for _, f := range kakehashi.FieldErrors(first) {
		named[f.Field] = true
	}
	for _, f := range kakehashi.FieldErrors(validate()) {
		if !named[f.Field] {
			p.Add(f.Field, "%s", f.Message)
		}
	}
	return p.Err(what)
}

// ParseDay reads a YYYY-MM-DD date into *dst, recording a problem with
// field when it is not one. Empty leaves *dst zero, for Validate to report.
func ParseDay(p *kakehashi.Problems, field, s string, dst *time.Time) {
	if s == "" {
		*dst = time.Time{}
		return
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		p.Add(field, "%q is not a date such as 2027-04-01", s)
		return
	}
	*dst = t
}

func (b *taskBody) apply(t *kakehashi.Task, p *kakehashi.Problems) {
	if b.Title != nil {
		t.Title = *b.Title
	}
	if b.Description != nil {
		t.Description = *b.Description
	}
	if b.OwnerOrgID != nil {
		t.OwnerOrgID = *b.OwnerOrgID
	}
	if b.Status != nil {
		t.Status = *b.Status
	}
	if b.Start != nil {
		ParseDay(p, "start", *b.Start, &t.Start)
	}
	if b.Due != nil {
		ParseDay(p, "due", *b.Due, &t.Due)
	}
}

type membershipBody struct {
	OrgID   int64                `json:"org_id,omitempty" doc:"The joining organization; defaults to the caller's"`
	Role    kakehashi.MemberRole `json:"role,omitempty" doc:"member (default) or observer"`
	Message string               `json:"message,omitempty" maxLength:"2000"`
}

type consortiumPath struct {
	ID int64 `path:"id"`
}

type consortiumOutput struct{ Body *ConsortiumView }

// visibleConsortium loads a consortium the caller may see, with its
// memberships; others get 404.
func (s *Server) visibleConsortium(ctx context.Context, id int64) (*kakehashi.User, *kakehashi.Consortium, []*kakehashi.Membership, error) {
	u := kakehashi.UserFromContext(ctx)
	c, err := s.store.Consortium(ctx, id)
	if err != nil {
		return nil, nil, nil, s.apiError(ctx, err)
	}
	members, err := s.store.Members(ctx, id)
	if err != nil {
		return nil, nil, nil, s.apiError(ctx, err)
	}
	if !kakehashi.CanSeeConsortium(u, c, members) {
		return nil, nil, nil, huma.Error404NotFound("consortium " + itoa(id) + " not found")
	}
	return u, c, members, nil
}

// managedConsortium loads a consortium the caller manages: 401 for
// anonymous callers, 404 for those who may not see it, 403 for the rest
// but its managers.
func (s *Server) managedConsortium(ctx context.Context, id int64) (*kakehashi.User, *kakehashi.Consortium, error) {
	if _, err := requireUser(ctx); err != nil {
		return nil, nil, err
	}
	u, c, _, err := s.visibleConsortium(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !kakehashi.CanManageConsortium(u, c) {
		return nil, nil, huma.Error403Forbidden("only the lead organization's admins and platform staff manage the consortium")
	}
	return u, c, nil
}

// consortiumView assembles the view of c for u.
func (s *Server) consortiumView(ctx context.Context, u *kakehashi.User, c *kakehashi.Consortium, members []*kakehashi.Membership) (*ConsortiumView, error) {
	v := &ConsortiumView{Consortium: *c, CanManage: kakehashi.CanManageConsortium(u, c), Members: []*kakehashi.Membership{}, SharedListings: []*kakehashi.Listing{}}
	for _, m := range members {
		if v.CanManage || m.Status == kakehashi.MembershipActive || u != nil && u.OrgID == m.OrgID {
			v.Members = append(v.Members, m)
		}
	}
	var err error
	if v.Tasks, err = s.store.Tasks(ctx, c.ID); err != nil {
		return nil, err
	}
	shared, err := s.store.SharedListings(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for _, id := range shared {
		l, err := s.store.Listing(ctx, id)
		if kakehashi.ErrorCode(err) == kakehashi.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		if r := kakehashi.Redact(u, l); r != nil {
			v.SharedListings = append(v.SharedListings, r)
		}
	}
	return v, nil
}

func (s *Server) consortiumOut(ctx context.Context, u *kakehashi.User, id int64) (*consortiumOutput, error) {
	c, err := s.store.Consortium(ctx, id)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	members, err := s.store.Members(ctx, id)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	v, err := s.consortiumView(ctx, u, c, members)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &consortiumOutput{Body: v}, nil
}

// registerConsortia adds the consortium routes.
func (s *Server) registerConsortia(api huma.API) {
	tags := []string{"consortia"}
	huma.Register(api, huma.Operation{
		OperationID: "create-consortium", Method: http.MethodPost, Path: "/consortia", Tags: tags,
		Summary:       "Start a consortium",
		Description:   "Admins of the lead organization (and platform staff) start a consortium; the lead is its first member.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct{ Body consortiumBody }) (*consortiumOutput, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		b := in.Body
		c := &kakehashi.Consortium{LeadOrgID: b.LeadOrgID, Title: b.Title, TitleJA: b.TitleJA, Description: b.Description,
			DescriptionJA: b.DescriptionJA, Fields: b.Fields, Keywords: b.Keywords, Public: b.Public}
		if c.LeadOrgID == 0 {
			c.LeadOrgID = u.OrgID
		}
		if !kakehashi.CanCreateConsortiumFor(u, c.LeadOrgID) {
			return nil, huma.Error403Forbidden("only admins of the lead organization and platform staff start consortia")
		}
		var p kakehashi.Problems
		ParseDay(&p, "start", b.Start, &c.Start)
		ParseDay(&p, "end", b.End, &c.End)
		if err := withValidation(&p, "consortium", c.Validate); err != nil {
			return nil, s.apiError(ctx, err)
		}
		if err := s.store.CreateConsortium(ctx, c, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return s.consortiumOut(ctx, u, c.ID)
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-consortia", Method: http.MethodGet, Path: "/consortia", Tags: tags,
		Summary: "List consortia", Description: "Public consortia, and those of the caller's organization (all for staff). org_id keeps an organization's.",
	}, func(ctx context.Context, in *struct {
		OrgID int64 `query:"org_id"`
		PageParams
	}) (*struct{ Body Page[*kakehashi.Consortium] }, error) {
		after, err := decodeCursor(in.Cursor)
		if err != nil {
			return nil, err
		}
		list, err := s.store.Consortia(ctx, kakehashi.ConsortiumFilter{OrgID: in.OrgID, Viewer: kakehashi.UserFromContext(ctx), After: after, Limit: in.Limit + 1})
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body Page[*kakehashi.Consortium] }{Body: page(list, in.Limit, func(c *kakehashi.Consortium) int64 { return c.ID })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-consortium", Method: http.MethodGet, Path: "/consortia/{id}", Tags: tags,
		Summary: "Get a consortium", Description: "With its members, tasks and shared listings. Public consortia are seen by anyone, others by members and staff.",
	}, func(ctx context.Context, in *consortiumPath) (*consortiumOutput, error) {
		u, c, members, err := s.visibleConsortium(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		v, err := s.consortiumView(ctx, u, c, members)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &consortiumOutput{Body: v}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "update-consortium", Method: http.MethodPatch, Path: "/consortia/{id}", Tags: tags,
		Summary: "Change a consortium", Description: "The lead's admins and staff. The term cannot shrink past a task's dates.", MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id"`
		Body consortiumPatch
	}) (*consortiumOutput, error) {
		u, c, err := s.managedConsortium(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		b := in.Body
		var p kakehashi.Problems
		for _, f := range []struct {
			dst *string
			v   *string
		}{{&c.Title, b.Title}, {&c.TitleJA, b.TitleJA}, {&c.Description, b.Description}, {&c.DescriptionJA, b.DescriptionJA}} {
			if f.v != nil {
				*f.dst = *f.v
			}
		}
		if b.Fields != nil {
			c.Fields = b.Fields
		}
		if b.Keywords != nil {
			c.Keywords = b.Keywords
		}
		if b.Start != nil {
			ParseDay(&p, "start", *b.Start, &c.Start)
		}
		if b.End != nil {
			ParseDay(&p, "end", *b.End, &c.End)
		}
		if b.Public != nil {
			c.Public = *b.Public
		}
		if err := p.Err("consortium"); err != nil {
			return nil, s.apiError(ctx, err)
		}
		if err := s.store.UpdateConsortium(ctx, c, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return s.consortiumOut(ctx, u, c.ID)
	})

	huma.Register(api, huma.Operation{
		OperationID: "add-consortium-member", Method: http.MethodPost, Path: "/consortia/{id}/members", Tags: tags,
		Summary: "Add a member organization", Description: "The lead's admins and staff add an organization at once. A member added twice is a 409 that names it.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id"`
		Body membershipBody
	}) (*struct{ Body *kakehashi.Membership }, error) {
		u, c, err := s.managedConsortium(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		m := &kakehashi.Membership{ConsortiumID: c.ID, OrgID: in.Body.OrgID, Role: in.Body.Role, Message: in.Body.Message}
		if m.Role == "" {
			m.Role = kakehashi.MemberMember
		}
		if err := s.store.AddMember(ctx, m, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *kakehashi.Membership }{Body: m}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "request-consortium-membership", Method: http.MethodPost, Path: "/consortia/{id}/requests", Tags: tags,
		Summary: "Ask to join a consortium", Description: "An admin of the joining organization (or staff) asks; the lead's admins are told and approve or decline.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id"`
		Body membershipBody
	}) (*struct{ Body *kakehashi.Membership }, error) {
		if _, err := requireUser(ctx); err != nil {
			return nil, err
		}
		u, c, _, err := s.visibleConsortium(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		m := &kakehashi.Membership{ConsortiumID: c.ID, OrgID: in.Body.OrgID, Role: in.Body.Role, Message: in.Body.Message}
		if m.OrgID == 0 {
			m.OrgID = u.OrgID
		}
		if m.Role == "" {
			m.Role = kakehashi.MemberMember
		}
		if !kakehashi.CanRequestMembership(u, m.OrgID) {
			return nil, huma.Error403Forbidden("only admins of the joining organization ask for it to join")
		}
		if err := s.store.RequestMembership(ctx, m, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *kakehashi.Membership }{Body: m}, nil
	})

	for _, d := range []struct {
		verb    string
		approve bool
	}{{"approve", true}, {"decline", false}} {
		huma.Register(api, huma.Operation{
			OperationID: d.verb + "-consortium-membership", Method: http.MethodPost, Path: "/consortia/{id}/requests/{org}/" + d.verb, Tags: tags,
			Summary:     "Decide a membership request: " + d.verb,
			Description: "The lead's admins and staff; the requesting organization's admins are told. A request decided already is a 409.",
		}, func(ctx context.Context, in *struct {
			ID  int64 `path:"id"`
			Org int64 `path:"org"`
		}) (*struct{ Body *kakehashi.Membership }, error) {
			u, c, err := s.managedConsortium(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			m, err := s.store.DecideMembership(ctx, c.ID, in.Org, d.approve, u)
			if err != nil {
				return nil, s.apiError(ctx, err)
			}
			return &struct{ Body *kakehashi.Membership }{Body: m}, nil
		})
	}

	huma.Register(api, huma.Operation{
		OperationID: "create-consortium-task", Method: http.MethodPost, Path: "/consortia/{id}/tasks", Tags: tags,
		Summary:       "Add a task (work package)",
		Description:   "The lead's admins and staff. The owner must be a member; start and due lie within the consortium's term (422 on body.start or body.due otherwise).",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id"`
		Body taskBody
	}) (*struct{ Body *kakehashi.Task }, error) {
		u, c, err := s.managedConsortium(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		t := &kakehashi.Task{ConsortiumID: c.ID}
		var p kakehashi.Problems
		in.Body.apply(t, &p)
		if err := p.Err("task"); err != nil {
			return nil, s.apiError(ctx, err)
		}
		if err := s.store.CreateTask(ctx, t, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *kakehashi.Task }{Body: t}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "update-consortium-task", Method: http.MethodPatch, Path: "/consortia/{id}/tasks/{task}", Tags: tags,
		Summary: "Change a task", Description: "The lead's admins and staff: status, dates, owner or text.", MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID     int64 `path:"id"`
		TaskID int64 `path:"task"`
		Body   taskBody
	}) (*struct{ Body *kakehashi.Task }, error) {
		u, c, err := s.managedConsortium(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		t, err := s.store.Task(ctx, in.TaskID)
		if err == nil && t.ConsortiumID != c.ID {
			err = kakehashi.Errorf(kakehashi.ENOTFOUND, "task %d not found", in.TaskID)
		}
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		var p kakehashi.Problems
		in.Body.apply(t, &p)
		if err := p.Err("task"); err != nil {
			return nil, s.apiError(ctx, err)
		}
		if err := s.store.UpdateTask(ctx, t, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *kakehashi.Task }{Body: t}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "share-consortium-listing", Method: http.MethodPost, Path: "/consortia/{id}/listings", Tags: tags,
		Summary: "Share a member's listing", Description: "The lead's admins and staff link a need or seed of an active member as the consortium's own.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id"`
		Body struct {
			ListingID int64 `json:"listing_id"`
		}
	}) (*consortiumOutput, error) {
		u, c, err := s.managedConsortium(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		if err := s.store.ShareListing(ctx, c.ID, in.Body.ListingID, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return s.consortiumOut(ctx, u, c.ID)
	})

	huma.Register(api, huma.Operation{
		OperationID: "unshare-consortium-listing", Method: http.MethodDelete, Path: "/consortia/{id}/listings/{listing}", Tags: tags,
		Summary: "Stop sharing a listing", Description: "The lead's admins and staff.", DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *struct {
		ID        int64 `path:"id"`
		ListingID int64 `path:"listing"`
	}) (*struct{}, error) {
		u, c, err := s.managedConsortium(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		if err := s.store.UnshareListing(ctx, c.ID, in.ListingID, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return nil, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "consortium-funding", Method: http.MethodGet, Path: "/consortia/{id}/funding", Tags: tags,
		Summary: "Funding that fits a consortium",
		Description: "Open funding calls its active members (not observers) are eligible for, ranked by BM25 relevance to its theme and shared listings, " +
			"each with the shared words and fields and the eligibility rules it meets.",
	}, func(ctx context.Context, in *struct {
		ID    int64 `path:"id"`
		Limit int   `query:"limit" minimum:"1" maximum:"50" default:"10"`
	}) (*struct{ Body []kakehashi.FundingMatch }, error) {
		u, c, members, err := s.visibleConsortium(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		shared, err := s.store.SharedListings(ctx, c.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		t, err := kakehashi.ConsortiumTarget(ctx, s.store, u, c, members, shared)
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
