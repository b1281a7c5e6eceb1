package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kakehashi/kakehashi"
)

// Webhooks is the storage of organizations' outgoing webhooks.
type Webhooks interface {
	CreateWebhook(ctx context.Context, w *kakehashi.Webhook, actor *kakehashi.User) error
	Webhooks(ctx context.Context, orgID int64) ([]*kakehashi.Webhook, error)
	Webhook(ctx context.Context, orgID, id int64) (*kakehashi.Webhook, error)
	DeleteWebhook(ctx context.Context, orgID, id int64, actor *kakehashi.User) error
	Deliveries(ctx context.Context, outboxID, webhookID int64, limit int) ([]*kakehashi.Delivery, error)
	// Saved alerts on needs.
	CreateAlert(ctx context.Context, a *kakehashi.Alert, actor *kakehashi.User) error
	Alerts(ctx context.Context, userID int64) ([]*kakehashi.Alert, error)
	DeleteAlert(ctx context.Context, id int64, actor *kakehashi.User) error
}

// canManageWebhooks reports whether u may manage organization orgID's
// webhooks: its org admins and platform admins. Coordinators curate
// listings but do not wire an organization's systems to the platform.
func canManageWebhooks(u *kakehashi.User, orgID int64) bool {
	return u.IsAdmin() || u.IsOrgAdmin(orgID)
}

// webhookOrg checks that the caller may manage the webhooks of organization
// id, which must exist.
func (s *Server) webhookOrg(ctx context.Context, id int64) (*kakehashi.User, error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.Organization(ctx, id); err != nil {
		return nil, s.apiError(ctx, err)
	}
	if !canManageWebhooks(u, id) {
		return nil, huma.Error403Forbidden("only this organization's admins and platform admins manage its webhooks")
	}
	return u, nil
}

type hookPath struct {
	ID   int64 `path:"id" minimum:"1" doc:"Organization id"`
	Hook int64 `path:"hook" minimum:"1" doc:"Webhook id"`
}

func (s *Server) registerWebhooks(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "create-webhook", Method: http.MethodPost, Path: "/organizations/{id}/webhooks", Tags: []string{"webhooks"},
		Summary: "Add a webhook",
		Description: "The organization's admins and platform admins. Each subscribed event is POSTed to the URL as JSON with the headers " +
			"X-Kakehashi-Event, X-Kakehashi-Delivery (unique per message: use it to drop duplicates) and " +
			"X-Kakehashi-Signature: sha256=<hex HMAC-SHA256 of the body keyed with the secret>. A 2xx answer is a delivery; " +
			"anything else is retried with exponential back-off. The secret is returned only in this response.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: 16 << 10,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			URL    string   `json:"url" maxLength:"2000" doc:"An http or https URL of a public address (loopback, private and link-local addresses are refused)" example:"https://example.com/kakehashi"`
			Events []string `json:"events" minItems:"1" maxItems:"10" uniqueItems:"true" enum:"introduction.created,introduction.transition,message.created"`
		}
	}) (*struct{ Body *kakehashi.Webhook }, error) {
		u, err := s.webhookOrg(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		w := &kakehashi.Webhook{OrgID: in.ID, URL: strings.TrimSpace(in.Body.URL), Events: in.Body.Events}
		if err := w.ValidateFor(s.hookAddrs); err != nil {
			return nil, s.apiError(ctx, err)
		}
		if err := s.store.CreateWebhook(ctx, w, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *kakehashi.Webhook }{Body: w}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-webhooks", Method: http.MethodGet, Path: "/organizations/{id}/webhooks", Tags: []string{"webhooks"},
		Summary: "List an organization's webhooks", Description: "Without their secrets.",
	}, func(ctx context.Context, in *idPath) (*struct {
		Body struct {
			Items []*kakehashi.Webhook `json:"items"`
		}
	}, error) {
		if _, err := s.webhookOrg(ctx, in.ID); err != nil {
			return nil, err
		}
		list, err := s.store.Webhooks(ctx, in.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		out := &struct {
			Body struct {
				Items []*kakehashi.Webhook `json:"items"`
			}
		}{}
		out.Body.Items = list
		return out, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "delete-webhook", Method: http.MethodDelete, Path: "/organizations/{id}/webhooks/{hook}", Tags: []string{"webhooks"},
		Summary: "Remove a webhook", Description: "Its undelivered calls are dropped; its delivery log is kept.",
		DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *hookPath) (*struct{}, error) {
		u, err := s.webhookOrg(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		if err := s.store.DeleteWebhook(ctx, in.ID, in.Hook, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return nil, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-webhook-deliveries", Method: http.MethodGet, Path: "/organizations/{id}/webhooks/{hook}/deliveries", Tags: []string{"webhooks"},
		Summary: "A webhook's delivery log", Description: "Every attempt, newest first: when, whether it was delivered, the HTTP status and the error.",
	}, func(ctx context.Context, in *struct {
		ID    int64 `path:"id" minimum:"1" doc:"Organization id"`
		Hook  int64 `path:"hook" minimum:"1" doc:"Webhook id"`
		Limit int   `query:"limit" minimum:"1" maximum:"200" default:"50"`
	}) (*struct {
		Body struct {
			Items []*kakehashi.Delivery `json:"items"`
		}
	}, error) {
		if _, err := s.webhookOrg(ctx, in.ID); err != nil {
			return nil, err
		}
		if _, err := s.store.Webhook(ctx, in.ID, in.Hook); err != nil {
			return nil, s.apiError(ctx, err)
		}
		list, err := s.store.Deliveries(ctx, 0, in.Hook, in.Limit)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		out := &struct {
			Body struct {
				Items []*kakehashi.Delivery `json:"items"`
			}
		}{}
		out.Body.Items = list
		return out, nil
	})
}

func (s *Server) registerAlerts(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "create-alert", Method: http.MethodPost, Path: "/me/alerts", Tags: []string{"notifications"},
		Summary:       "Save an alert on a need",
		Description:   "Seeds published from now on that rank among the need's best matches are announced in the inbox and by e-mail.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: 4 << 10,
	}, func(ctx context.Context, in *struct {
		Body struct {
			ListingID int64 `json:"listing_id" minimum:"1" doc:"A need the caller may see"`
		}
	}) (*struct{ Body *kakehashi.Alert }, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		a := &kakehashi.Alert{ListingID: in.Body.ListingID}
		if err := s.store.CreateAlert(ctx, a, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *kakehashi.Alert }{Body: a}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-alerts", Method: http.MethodGet, Path: "/me/alerts", Tags: []string{"notifications"},
		Summary: "List the caller's alerts",
	}, func(ctx context.Context, in *struct{}) (*struct {
		Body struct {
			Items []*kakehashi.Alert `json:"items"`
		}
	}, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		list, err := s.store.Alerts(ctx, u.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		out := &struct {
			Body struct {
				Items []*kakehashi.Alert `json:"items"`
			}
		}{}
		out.Body.Items = list
		return out, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "delete-alert", Method: http.MethodDelete, Path: "/me/alerts/{id}", Tags: []string{"notifications"},
		Summary: "Remove one of the caller's alerts", DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *idPath) (*struct{}, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		if err := s.store.DeleteAlert(ctx, in.ID, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return nil, nil
	})
}
