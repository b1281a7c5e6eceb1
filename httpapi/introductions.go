package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kakehashi/kakehashi"
)

// Pipeline is the collaboration pipeline as the API uses it.
type Pipeline interface {
	kakehashi.IntroductionService
	Notifications(ctx context.Context, userID int64, unreadOnly bool, limit int) ([]*kakehashi.Notification, error)
	MarkNotificationsRead(ctx context.Context, userID int64, ids []int64) error
}

type introOutput struct{ Body *kakehashi.Introduction }

// showIntro prepares an introduction for viewer: the stall flag, and the
// owner of a confidential listing hidden from the requester's side until
// the owner accepts, with a coordinator who belongs to that owner.
func (s *Server) showIntro(ctx context.Context, viewer *kakehashi.User, in *kakehashi.Introduction) (*kakehashi.Introduction, error) {
	l, err := s.store.Listing(ctx, in.ListingID)
	if err != nil {
		return nil, err
	}
	out := kakehashi.RedactIntroduction(viewer, in, l.Visibility == kakehashi.VisibilityConfidential)
	if out == in {
		c := *in
		out = &c
	}
	if out.OwnerHidden && out.CoordinatorID != 0 {
		coord, err := s.person(ctx, out.CoordinatorID)
		if err != nil {
			return nil, err
		}
		if kakehashi.HidesPerson(in, out, coord) {
			out.CoordinatorID = 0
		}
	}
	out.Stalled = out.Open() && out.StageChangedAt.Before(s.now().Add(-s.stallAfter))
	return out, nil
}

// person loads the user an introduction names, nil if the account is gone.
func (s *Server) person(ctx context.Context, id int64) (*kakehashi.User, error) {
	u, err := s.store.User(ctx, id)
	if kakehashi.ErrorCode(err) == kakehashi.ENOTFOUND {
		return nil, nil
	}
	return u, err
}

// people returns a loader of the users an introduction's history or thread
// names, each read once.
func (s *Server) people(ctx context.Context) func(id int64) (*kakehashi.User, error) {
	seen := map[int64]*kakehashi.User{}
	return func(id int64) (*kakehashi.User, error) {
		if u, ok := seen[id]; ok {
			return u, nil
		}
		u, err := s.person(ctx, id)
		if err != nil {
			return nil, err
		}
		seen[id] = u
		return u, nil
	}
}

// visibleIntro loads an introduction the caller takes part in (or staff);
// others get 404.
func (s *Server) visibleIntro(ctx context.Context, id int64) (*kakehashi.User, *kakehashi.Introduction, error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, nil, err
	}
	in, err := s.store.Introduction(ctx, id)
	if err != nil {
		return nil, nil, s.apiError(ctx, err)
	}
	if !kakehashi.CanSeeIntroduction(u, in) {
		return nil, nil, huma.Error404NotFound("introduction " + itoa(id) + " not found")
	}
	return u, in, nil
}

func (s *Server) registerIntroductions(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "express-interest", Method: http.MethodPost, Path: "/listings/{id}/interest", Tags: []string{"pipeline"},
		Summary:       "Express interest in a listing",
		Description:   "Starts an introduction. The listing's organization accepts or declines it; a decline always carries a reason.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Message          string `json:"message" minLength:"1" maxLength:"5000"`
			RelatedListingID int64  `json:"related_listing_id,omitempty" doc:"Your own listing this interest answers"`
		}
	}) (*introOutput, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		intro := &kakehashi.Introduction{ListingID: in.ID, RequesterID: u.ID, RequesterOrgID: u.OrgID, Message: in.Body.Message,
			RelatedListingID: in.Body.RelatedListingID}
		create := s.store.CreateIntroduction
		if s.screening != nil {
			create = s.screening.CreateIntroduction
		}
		if err := create(ctx, intro, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		out, err := s.showIntro(ctx, u, intro)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &introOutput{Body: out}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-introductions", Method: http.MethodGet, Path: "/introductions", Tags: []string{"pipeline"},
		Summary:     "List introductions",
		Description: "Those the caller takes part in; platform staff see all. stalled=true is the coordinators' work queue.",
	}, func(ctx context.Context, in *struct {
		Open         bool `query:"open" doc:"Only introductions still in the pipeline"`
		Stalled      bool `query:"stalled" doc:"Only open introductions without a stage change for the stall period"`
		Coordinating bool `query:"coordinating" doc:"Only those the caller coordinates"`
		PageParams
	}) (*struct {
		Body Page[*kakehashi.Introduction]
	}, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		after, err := decodeCursor(in.Cursor)
		if err != nil {
			return nil, err
		}
		f := kakehashi.IntroductionFilter{Open: in.Open, After: after, Limit: in.Limit + 1}
		if !u.IsStaff() {
			f.Party = u
		}
		if in.Stalled {
			f.StalledBefore = s.now().Add(-s.stallAfter)
		}
		if in.Coordinating {
			f.Coordinator = u.ID
		}
		list, err := s.store.Introductions(ctx, f)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		for i, intro := range list {
			if list[i], err = s.showIntro(ctx, u, intro); err != nil {
				return nil, s.apiError(ctx, err)
			}
		}
		return &struct {
			Body Page[*kakehashi.Introduction]
		}{Body: page(list, in.Limit, func(i *kakehashi.Introduction) int64 { return i.ID })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-introduction", Method: http.MethodGet, Path: "/introductions/{id}", Tags: []string{"pipeline"},
		Summary: "Get an introduction",
	}, func(ctx context.Context, in *idPath) (*introOutput, error) {
		u, intro, err := s.visibleIntro(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		out, err := s.showIntro(ctx, u, intro)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &introOutput{Body: out}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "transition-introduction", Method: http.MethodPost, Path: "/introductions/{id}/transitions", Tags: []string{"pipeline"},
		Summary: "Move an introduction to its next stage, or close it",
		Description: "interest → introduced (the owner accepts) → meeting → nda → agreement (with the agreement) → closed (won, or lost with a reason). " +
			"Closing an interest declines it and needs a reason: too_early, benefit_unclear, commercial_route_unclear, not_a_fit, no_capacity or other.",
		MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body kakehashi.Transition
	}) (*introOutput, error) {
		u, _, err := s.visibleIntro(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		intro, err := s.store.Transition(ctx, in.ID, in.Body, u)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		out, err := s.showIntro(ctx, u, intro)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &introOutput{Body: out}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "assign-coordinator", Method: http.MethodPut, Path: "/introductions/{id}/coordinator", Tags: []string{"pipeline"},
		Summary: "Assign a coordinator to follow an introduction", Description: "Platform staff only.",
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			CoordinatorID int64 `json:"coordinator_id" minimum:"1"`
		}
	}) (*introOutput, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		if !u.IsStaff() {
			// Only its parties learn that an introduction exists.
			if intro, err := s.store.Introduction(ctx, in.ID); err != nil || !kakehashi.CanSeeIntroduction(u, intro) {
				return nil, huma.Error404NotFound("introduction " + itoa(in.ID) + " not found")
			}
			return nil, huma.Error403Forbidden("only coordinators and admins assign coordinators")
		}
		if err := s.store.AssignCoordinator(ctx, in.ID, in.Body.CoordinatorID, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		intro, err := s.store.Introduction(ctx, in.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		out, err := s.showIntro(ctx, u, intro)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &introOutput{Body: out}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-introduction-events", Method: http.MethodGet, Path: "/introductions/{id}/events", Tags: []string{"pipeline"},
		Summary: "An introduction's stage history",
	}, func(ctx context.Context, in *idPath) (*struct{ Body []*kakehashi.StageEvent }, error) {
		u, stored, err := s.visibleIntro(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		shown, err := s.showIntro(ctx, u, stored)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		events, err := s.store.StageEvents(ctx, in.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		person := s.people(ctx)
		for i, ev := range events {
			if ev.ActorID == 0 {
				continue
			}
			actor, err := person(ev.ActorID)
			if err != nil {
				return nil, s.apiError(ctx, err)
			}
			events[i] = kakehashi.RedactStageEvent(stored, shown, ev, actor)
		}
		return &struct{ Body []*kakehashi.StageEvent }{Body: events}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-messages", Method: http.MethodGet, Path: "/introductions/{id}/messages", Tags: []string{"pipeline"},
		Summary: "An introduction's message thread",
	}, func(ctx context.Context, in *idPath) (*struct{ Body []*kakehashi.Message }, error) {
		u, stored, err := s.visibleIntro(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		shown, err := s.showIntro(ctx, u, stored)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		msgs, err := s.store.Messages(ctx, in.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		person := s.people(ctx)
		for i, m := range msgs {
			if m.AuthorID == 0 {
				continue
			}
			author, err := person(m.AuthorID)
			if err != nil {
				return nil, s.apiError(ctx, err)
			}
			msgs[i] = kakehashi.RedactMessage(stored, shown, m, author)
		}
		return &struct{ Body []*kakehashi.Message }{Body: msgs}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "post-message", Method: http.MethodPost, Path: "/introductions/{id}/messages", Tags: []string{"pipeline"},
		Summary: "Post to an introduction's thread", Description: "Its parties and coordinators.", DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Body string `json:"body" minLength:"1" maxLength:"10000"`
		}
	}) (*struct{ Body *kakehashi.Message }, error) {
		u, _, err := s.visibleIntro(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		m := &kakehashi.Message{IntroductionID: in.ID, Body: in.Body.Body}
		if err := s.store.PostMessage(ctx, m, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *kakehashi.Message }{Body: m}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-my-notifications", Method: http.MethodGet, Path: "/me/notifications", Tags: []string{"me"},
		Summary: "My inbox", Description: "Newest first.",
	}, func(ctx context.Context, in *struct {
		Unread bool `query:"unread"`
		Limit  int  `query:"limit" minimum:"1" maximum:"200" default:"50"`
	}) (*struct{ Body []*kakehashi.Notification }, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		list, err := s.store.Notifications(ctx, u.ID, in.Unread, in.Limit)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body []*kakehashi.Notification }{Body: list}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "read-my-notifications", Method: http.MethodPost, Path: "/me/notifications/read", Tags: []string{"me"},
		Summary: "Mark notifications read", Description: "Without ids, all of them.", DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *struct {
		Body struct {
			IDs []int64 `json:"ids,omitempty" maxItems:"1000"`
		}
	}) (*struct{}, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		if err := s.store.MarkNotificationsRead(ctx, u.ID, in.Body.IDs); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{}{}, nil
	})
}
