package httpapi

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/app"
	"github.com/kakehashi/kakehashi/search"
)

// Suggestion is another participant worth meeting, by how well their
// linked listings answer the caller's.
type Suggestion struct {
	Participant app.ParticipantView `json:"participant"`
	Score       float64             `json:"score"`
	// Listings are the participant's listings that matched, best first.
	Listings []int64 `json:"listings"`
}

// registerMeetingRequests registers the routes for meeting requests between participants:
// sending, listing and deciding them, and the suggestions of whom to ask.
func (s *Server) registerMeetingRequests(api huma.API, tags []string) {
	huma.Register(api, huma.Operation{
		OperationID: "send-meeting-request", Method: http.MethodPost, Path: "/events/{id}/requests", Tags: tags,
		Summary:       "Ask another participant for a meeting",
		Description:   "From the caller's registration, with the reason for the meeting. The recipient accepts or declines.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			ToID   int64  `json:"to_id" minimum:"1" doc:"The other participant's registration id"`
			Reason string `json:"reason" maxLength:"2000"`
		}
	}) (*struct{ Body app.RequestView }, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		_, e, err := s.visibleEvent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		ps, err := s.store.Participants(ctx, e.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		me := app.ParticipantOf(u, ps)
		if me == nil {
			return nil, huma.Error409Conflict("register for event " + itoa(e.ID) + " before asking for meetings")
		}
		i := slices.IndexFunc(ps, func(p *kakehashi.Participant) bool { return p.ID == in.Body.ToID })
		if i < 0 {
			return nil, huma.Error422UnprocessableEntity("invalid meeting request", &huma.ErrorDetail{Location: "body.to_id", Message: "is not a participant of this event", Value: in.Body.ToID})
		}
		to := ps[i]
		r := &kakehashi.MeetingRequest{FromID: me.ID, ToID: to.ID, Reason: strings.TrimSpace(in.Body.Reason)}
		if err := s.store.CreateMeetingRequest(ctx, r, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body app.RequestView }{Body: app.RequestView{MeetingRequest: *r, FromName: me.Name, ToName: to.Name, Mine: "sent"}}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-meeting-requests", Method: http.MethodGet, Path: "/events/{id}/requests", Tags: tags,
		Summary: "Meeting requests", Description: "Those the caller sent or received; organizers see all of the event's.",
	}, func(ctx context.Context, in *idPath) (*struct{ Body []app.RequestView }, error) {
		if _, err := requireUser(ctx); err != nil {
			return nil, err
		}
		u, e, err := s.visibleEvent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		out, err := s.requestViews(ctx, u, e)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body []app.RequestView }{Body: out}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "decide-meeting-request", Method: http.MethodPost, Path: "/meeting-requests/{id}/decision", Tags: tags,
		Summary: "Accept or decline a meeting request", Description: "The recipient decides (or staff).", MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Accept bool `json:"accept"`
		}
	}) (*struct{ Body *kakehashi.MeetingRequest }, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		r, err := s.store.DecideMeetingRequest(ctx, in.ID, in.Body.Accept, u)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *kakehashi.MeetingRequest }{Body: r}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "suggest-meetings", Method: http.MethodGet, Path: "/events/{id}/suggestions", Tags: tags,
		Summary: "Whom to meet",
		Description: "The other participants ranked by how well their linked listings answer the caller's (text relevance of the search engine), " +
			"then in registration order. The caller must be registered. 503 without a search engine.",
	}, func(ctx context.Context, in *struct {
		ID    int64 `path:"id" minimum:"1"`
		Limit int   `query:"limit" minimum:"1" maximum:"200" default:"20"`
	}) (*struct{ Body []Suggestion }, error) {
		if _, err := requireUser(ctx); err != nil {
			return nil, err
		}
		u, e, err := s.visibleEvent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		out, err := s.suggestions(ctx, u, e, in.Limit)
		if err != nil {
			return nil, err
		}
		return &struct{ Body []Suggestion }{Body: out}, nil
	})
}

// requestViews lists the requests u sent or received at e, all of them for
// an organizer.
func (s *Server) requestViews(ctx context.Context, u *kakehashi.User, e *kakehashi.Event) ([]app.RequestView, error) {
	ps, err := s.store.Participants(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	rs, err := s.store.MeetingRequests(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	return app.RequestViews(u, e, ps, rs), nil
}

// suggestions ranks the other participants of e for u's registration.
func (s *Server) suggestions(ctx context.Context, u *kakehashi.User, e *kakehashi.Event, limit int) ([]Suggestion, error) {
	ranker, ok := s.search.(listingRanker)
	if s.search == nil || !ok {
		return nil, huma.Error503ServiceUnavailable("suggestions need the search engine, which this server runs without")
	}
	ps, err := app.LoadParticipants(ctx, s.store, u, e)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	me := app.ParticipantOf(u, ps)
	if me == nil {
		return nil, huma.Error409Conflict("register for event " + itoa(e.ID) + " to get suggestions")
	}
	var mine []*kakehashi.Listing
	for _, id := range me.ListingIDs {
		l, err := s.store.Listing(ctx, id)
		if err != nil {
			if kakehashi.ErrorCode(err) == kakehashi.ENOTFOUND {
				continue
			}
			return nil, s.apiError(ctx, err)
		}
		mine = append(mine, l)
	}
	out := rankParticipants(ranker, u, e, me, ps, mine)
	return out[:min(len(out), limit)], nil
}

// rankParticipants orders the participants other than me by the summed text
// relevance of their linked listings to my listings, then by registration
// order: deterministic for a given index.
func rankParticipants(r listingRanker, u *kakehashi.User, e *kakehashi.Event, me *kakehashi.Participant, ps []*kakehashi.Participant, mine []*kakehashi.Listing) []Suggestion {
	score := map[int64]float64{}
	for _, l := range mine {
		for _, hit := range r.RankListing(l, 500, search.Filter{}, u) {
			score[hit.ID] += hit.Score
		}
	}
	out := []Suggestion{}
	for _, p := range ps {
		if p.ID == me.ID {
			continue
		}
		sg := Suggestion{Participant: app.NewParticipantView(u, e, p), Listings: []int64{}}
		for _, id := range p.ListingIDs {
			if sc, ok := score[id]; ok {
				sg.Score += sc
				sg.Listings = append(sg.Listings, id)
			}
		}
		slices.SortStableFunc(sg.Listings, func(a, b int64) int { return cmp.Compare(score[b], score[a]) })
		out = append(out, sg)
	}
	slices.SortStableFunc(out, func(a, b Suggestion) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Participant.ID, b.Participant.ID))
	})
	return out
}
