package httpapi

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/auth"
)

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Link    []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
}

type atomEntry struct {
	Title   string   `xml:"title"`
	ID      string   `xml:"id"`
	Updated string   `xml:"updated"`
	Link    atomLink `xml:"link"`
	Summary string   `xml:"summary"`
}

// feedOutput is the address of the caller's feed.
type feedOutput struct {
	Body struct {
		URL string `json:"url" doc:"Path of the Atom feed; the token in it is the credential"`
	}
}

// feedURL returns the address of user userID's feed in its current
// generation.
func (s *Server) feedURL(ctx context.Context, userID int64) (*feedOutput, error) {
	secret, err := s.store.Secret(ctx, auth.FeedSecretName)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	gen, err := s.store.FeedGeneration(ctx, userID)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	out := &feedOutput{}
	out.Body.URL = "/api/v1/feeds/" + auth.FeedToken(secret, userID, gen) + ".atom"
	return out, nil
}

func (s *Server) registerFeeds(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "get-my-feed", Method: http.MethodGet, Path: "/me/feed", Tags: []string{"me"},
		Summary: "The address of my Atom feed", Description: "Subscribe a feed reader to it: it lists my notifications, saved-alert matches included. Keep it private.",
	}, func(ctx context.Context, _ *struct{}) (*feedOutput, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		return s.feedURL(ctx, u.ID)
	})

	huma.Register(api, huma.Operation{
		OperationID: "rotate-my-feed", Method: http.MethodPost, Path: "/me/feed/rotate", Tags: []string{"me"},
		Summary:     "Give my Atom feed a new address",
		Description: "The previous address stops working at once (404); subscribe feed readers to the new one in the answer.",
	}, func(ctx context.Context, _ *struct{}) (*feedOutput, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		if _, err := s.store.RotateFeed(ctx, u.ID, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return s.feedURL(ctx, u.ID)
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-feed", Method: http.MethodGet, Path: "/feeds/{token}", Tags: []string{"me"},
		Summary: "A user's Atom feed of notifications", Description: "The token in the address is the credential; see GET /me/feed.",
	}, func(ctx context.Context, in *struct {
		Token string `path:"token" maxLength:"100"`
	}) (*struct {
		ContentType string `header:"Content-Type"`
		Body        []byte
	}, error) {
		secret, err := s.store.Secret(ctx, auth.FeedSecretName)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		userID, ok := auth.FeedTokenUser(in.Token)
		if !ok {
			return nil, huma.Error404NotFound("no such feed")
		}
		u, err := s.store.User(ctx, userID)
		if kakehashi.ErrorCode(err) == kakehashi.ENOTFOUND {
			return nil, huma.Error404NotFound("no such feed")
		}
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		gen, err := s.store.FeedGeneration(ctx, userID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		if u.Disabled || !auth.CheckFeedToken(secret, in.Token, userID, gen) {
			return nil, huma.Error404NotFound("no such feed")
		}
		list, err := s.store.Notifications(ctx, userID, false, 50)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		updated := s.now().UTC()
		if len(list) > 0 {
			updated = list[0].CreatedAt
		}
		f := atomFeed{Title: "Kakehashi: notifications for " + u.Name, ID: "urn:kakehashi:feed:" + strconv.FormatInt(userID, 10),
			Updated: updated.Format(time.RFC3339), Link: []atomLink{{Href: "/inbox", Rel: "alternate"}}}
		for _, n := range list {
			f.Entries = append(f.Entries, atomEntry{Title: n.Subject, ID: "urn:kakehashi:notification:" + strconv.FormatInt(n.ID, 10),
				Updated: n.CreatedAt.Format(time.RFC3339), Link: atomLink{Href: n.Link, Rel: "alternate"}, Summary: n.Subject})
		}
		var b bytes.Buffer
		b.WriteString(xml.Header)
		if err := xml.NewEncoder(&b).Encode(f); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct {
			ContentType string `header:"Content-Type"`
			Body        []byte
		}{ContentType: "application/atom+xml; charset=utf-8", Body: b.Bytes()}, nil
	})
}
