package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/app"
)

// registrationBody is a registration as a participant writes it.
type registrationBody struct {
	Name       string  `json:"name,omitempty" maxLength:"300" doc:"Defaults to the caller's name"`
	Profile    string  `json:"profile,omitempty" maxLength:"5000" doc:"Who you are and whom you want to meet"`
	ListingIDs []int64 `json:"listing_ids,omitempty" maxItems:"20" doc:"Your organization's listings you want to talk about (in a fair: exhibit)"`
	Available  []int   `json:"available,omitempty" maxItems:"2000" doc:"Slot indexes you can meet in; left out means every slot"`
}

// registerEventParticipants registers the routes for registering with an event and for the
// participants of one: listing them, registering, and updating a registration.
func (s *Server) registerEventParticipants(api huma.API, tags []string) {
	huma.Register(api, huma.Operation{
		OperationID: "list-event-participants", Method: http.MethodGet, Path: "/events/{id}/participants", Tags: tags,
		Summary: "An event's participants", Description: "Signed-in callers who may see the event. Availability only for one's own registration, and for organizers.",
	}, func(ctx context.Context, in *idPath) (*struct{ Body []app.ParticipantView }, error) {
		if _, err := requireUser(ctx); err != nil {
			return nil, err
		}
		u, e, err := s.visibleEvent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		ps, err := app.LoadParticipants(ctx, s.store, u, e)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		out := make([]app.ParticipantView, len(ps))
		for i, p := range ps {
			out[i] = app.NewParticipantView(u, e, p)
		}
		return &struct{ Body []app.ParticipantView }{Body: out}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "register-for-event", Method: http.MethodPost, Path: "/events/{id}/participants", Tags: tags,
		Summary:       "Register for an open event",
		Description:   "For the caller's organization, with its listings to talk about and the slots the caller can meet in.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body registrationBody
	}) (*struct{ Body app.ParticipantView }, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		_, e, err := s.visibleEvent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		p := &kakehashi.Participant{EventID: e.ID, Name: strings.TrimSpace(in.Body.Name), Profile: strings.TrimSpace(in.Body.Profile),
			ListingIDs: in.Body.ListingIDs, Available: in.Body.Available}
		if err := s.store.Register(ctx, p, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body app.ParticipantView }{Body: app.NewParticipantView(u, e, p)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "update-participant", Method: http.MethodPatch, Path: "/participants/{id}", Tags: tags,
		Summary:      "Change a registration: profile, listings, availability",
		Description:  "The participant themselves, or staff. available replaces the slots; null or left out keeps them, [] means none.",
		MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Name       *string `json:"name,omitempty" maxLength:"300"`
			Profile    *string `json:"profile,omitempty" maxLength:"5000"`
			ListingIDs []int64 `json:"listing_ids,omitempty" maxItems:"20"`
			Available  *[]int  `json:"available,omitempty" maxItems:"2000"`
			AllSlots   bool    `json:"all_slots,omitempty" doc:"Available in every slot (clears available)"`
		}
	}) (*struct{ Body app.ParticipantView }, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		p, err := s.store.Participant(ctx, in.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		if !kakehashi.ActsFor(u, p) {
			return nil, huma.Error403Forbidden("only the participant may change registration " + itoa(in.ID))
		}
		e, err := s.store.Event(ctx, p.EventID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		set(&p.Name, in.Body.Name)
		set(&p.Profile, in.Body.Profile)
		if in.Body.ListingIDs != nil {
			p.ListingIDs = in.Body.ListingIDs
		}
		if in.Body.Available != nil {
			p.Available = *in.Body.Available
			if p.Available == nil {
				p.Available = []int{}
			}
		}
		if in.Body.AllSlots {
			p.Available = nil
		}
		if err := s.store.UpdateParticipant(ctx, p, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body app.ParticipantView }{Body: app.NewParticipantView(u, e, p)}, nil
	})
}
