package httpapi

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// feedSecretName names the server secret that feed tokens are derived from.
const feedSecretName = "atom-feed"

// feedToken derives a user's feed token: a feed reader has no cookie, so
// the URL itself is the credential. Derived rather than stored, so that
// rotating the secret revokes every feed at once.
func feedToken(secret []byte, userID int64) string {
	id := strconv.FormatInt(userID, 10)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("feed:" + id))
	return id + "-" + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:18])
}

// feedUser checks a feed token and returns the user id it stands for.
func feedUser(secret []byte, token string) (int64, bool) {
	token = strings.TrimSuffix(token, ".atom")
	id, _, ok := strings.Cut(token, "-")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n <= 0 {
		return 0, false
	}
	return n, hmac.Equal([]byte(feedToken(secret, n)), []byte(token))
}

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

func (s *Server) registerFeeds(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "get-my-feed", Method: http.MethodGet, Path: "/me/feed", Tags: []string{"me"},
		Summary: "The address of my Atom feed", Description: "Subscribe a feed reader to it: it lists my notifications, saved-alert matches included. Keep it private.",
	}, func(ctx context.Context, _ *struct{}) (*struct {
		Body struct {
			URL string `json:"url"`
		}
	}, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		secret, err := s.store.Secret(ctx, feedSecretName)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		out := &struct {
			Body struct {
				URL string `json:"url"`
			}
		}{}
		out.Body.URL = "/api/v1/feeds/" + feedToken(secret, u.ID) + ".atom"
		return out, nil
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
		secret, err := s.store.Secret(ctx, feedSecretName)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		userID, ok := feedUser(secret, in.Token)
		if !ok {
			return nil, huma.Error404NotFound("no such feed")
		}
		u, err := s.store.User(ctx, userID)
		if err != nil || u.Disabled {
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
