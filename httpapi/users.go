package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/auth"
)

type userOutput struct{ Body *kakehashi.User }

type loginInput struct {
	Body struct {
		Email    string `json:"email" maxLength:"254"`
		Password string `json:"password" maxLength:"1024"`
	}
}

type loginOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      *kakehashi.User
}

func (s *Server) registerAuth(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "login", Method: http.MethodPost, Path: "/auth/login", Tags: []string{"auth"},
		Summary:     "Sign in with e-mail and password",
		Description: "Starts a browser session (an HttpOnly cookie). Repeated failures from one address or for one account are refused with 429 for a while.",
	}, func(ctx context.Context, in *loginInput) (*loginOutput, error) {
		return s.login(ctx, in.Body.Email, in.Body.Password)
	})

	huma.Register(api, huma.Operation{
		OperationID: "logout", Method: http.MethodPost, Path: "/auth/logout", Tags: []string{"auth"},
		Summary: "Sign out", DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *struct {
		Session string `cookie:"kakehashi_session"`
	}) (*struct {
		SetCookie http.Cookie `header:"Set-Cookie"`
	}, error) {
		if in.Session != "" {
			if err := s.store.DeleteSession(ctx, auth.HashToken(in.Session)); err != nil {
				return nil, s.apiError(ctx, err)
			}
		}
		return &struct {
			SetCookie http.Cookie `header:"Set-Cookie"`
		}{SetCookie: *s.sessionCookie("", -1)}, nil
	})
}

// TooManyError refuses a sign-in after too many failures; Wait says when
// to try again.
type TooManyError struct{ Wait time.Duration }

// RetryAfter says how long to wait before trying again.
func (e *TooManyError) RetryAfter() time.Duration { return e.Wait }

func (e *TooManyError) Error() string {
	return fmt.Sprintf("too many failed sign-in attempts; try again in %d seconds", int(e.Wait.Seconds())+1)
}

// Sign-in limits: failures per client address and per account within a
// window. An address is shared by everyone behind one NAT, hence its higher
// limit.
const (
	signInWindow     = 15 * time.Minute
	maxFailsPerIP    = 20
	maxFailsPerEmail = 10
)

// SignIn checks an e-mail address and password under the sign-in rate
// limits and starts a session. It returns the user and the session cookie to
// set; a wrong password is an EUNAUTHORIZED error, a rate-limited attempt a
// *TooManyError. The web pages sign in through it too.
//
// Each attempt is counted before its password is checked, atomically in the
// store, so that concurrent attempts (on any replica) cannot all pass the
// limit together; an attempt that succeeds is given back to the address and
// clears the account's count.
func (s *Server) SignIn(ctx context.Context, email, password string) (*kakehashi.User, *http.Cookie, error) {
	ip := "ip:" + requestIP(ctx)
	account := "email:" + strings.ToLower(strings.TrimSpace(email))
	ok, wait, err := s.limiter.TakeAttempt(ctx, ip, maxFailsPerIP, signInWindow)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, &TooManyError{Wait: wait}
	}
	if ok, wait, err = s.limiter.TakeAttempt(ctx, account, maxFailsPerEmail, signInWindow); err != nil || !ok {
		// The address's attempt was not checked: it is not its failure.
		if rerr := s.limiter.RefundAttempt(ctx, ip); err == nil {
			err = rerr
		}
		if err != nil {
			return nil, nil, err
		}
		return nil, nil, &TooManyError{Wait: wait}
	}
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil && kakehashi.ErrorCode(err) != kakehashi.ENOTFOUND {
		return nil, nil, err
	}
	// Exactly one check, of the same cost, whether the account exists, is
	// unknown, disabled or without a password: response times must not
	// tell them apart.
	hash := s.dummyHash
	if u != nil && u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	wrong := s.verify(password, hash) != nil
	if u == nil || u.Disabled || u.PasswordHash == "" || wrong {
		return nil, nil, kakehashi.Errorf(kakehashi.EUNAUTHORIZED, "wrong e-mail address or password")
	}
	if err := s.limiter.RefundAttempt(ctx, ip); err != nil {
		return nil, nil, err
	}
	if err := s.limiter.ResetAttempts(ctx, account); err != nil {
		return nil, nil, err
	}
	cookie, err := s.newSession(ctx, u.ID)
	if err != nil {
		return nil, nil, err
	}
	return u, cookie, nil
}

// newSession starts a session for user userID and returns its cookie.
func (s *Server) newSession(ctx context.Context, userID int64) (*http.Cookie, error) {
	now := s.now()
	token, err := auth.NewToken("kks_")
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateSession(ctx, auth.HashToken(token), kakehashi.Session{UserID: userID, CreatedAt: now, ExpiresAt: now.Add(s.sessionTTL)}); err != nil {
		return nil, err
	}
	return s.sessionCookie(token, int(s.sessionTTL.Seconds())), nil
}

// SignOut ends the session named by the request's cookie, if any, and
// returns the cookie that clears it in the browser.
func (s *Server) SignOut(ctx context.Context, r *http.Request) (*http.Cookie, error) {
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if err := s.store.DeleteSession(ctx, auth.HashToken(c.Value)); err != nil {
			return nil, err
		}
	}
	return s.sessionCookie("", -1), nil
}

// login is the API's sign-in.
func (s *Server) login(ctx context.Context, email, password string) (*loginOutput, error) {
	u, cookie, err := s.SignIn(ctx, email, password)
	var tm *TooManyError
	switch {
	case errors.As(err, &tm):
		return nil, errTooMany(tm.Wait)
	case err != nil:
		return nil, s.apiError(ctx, err)
	}
	return &loginOutput{SetCookie: *cookie, Body: u}, nil
}

type meUpdateInput struct {
	Body struct {
		Name            *string `json:"name,omitempty" maxLength:"200"`
		Password        *string `json:"password,omitempty" maxLength:"1024" doc:"New password: at least 10 characters, not a common or predictable one, not built on your name or e-mail address"`
		CurrentPassword string  `json:"current_password,omitempty" maxLength:"1024" doc:"Required to change the password"`
	}
}

type meUpdateOutput struct {
	// SetCookie carries the caller's new session after a password change.
	SetCookie string `header:"Set-Cookie"`
	Body      *kakehashi.User
}

type tokenCreated struct {
	kakehashi.APIToken
	// Token is the secret. It is shown only once.
	Token string `json:"token"`
}

func (s *Server) registerUsers(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "get-me", Method: http.MethodGet, Path: "/me", Tags: []string{"me"}, Summary: "The signed-in user",
	}, func(ctx context.Context, _ *struct{}) (*userOutput, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		return &userOutput{Body: u}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "update-me", Method: http.MethodPatch, Path: "/me", Tags: []string{"me"},
		Summary: "Change my name or password",
		Description: "Changing the password ends every session and revokes every API token of the account. " +
			"A caller signed in with the session cookie gets a new session in the answer's Set-Cookie.",
	}, func(ctx context.Context, in *meUpdateInput) (*meUpdateOutput, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		next := *u
		set(&next.Name, in.Body.Name)
		if in.Body.Password != nil {
			if auth.VerifyPassword(in.Body.CurrentPassword, u.PasswordHash) != nil {
				return nil, s.apiError(ctx, invalidField("user", "current_password", "does not match your current password"))
			}
			if p := auth.CheckPassword(*in.Body.Password, next.Email, next.Name); p != "" {
				return nil, s.apiError(ctx, invalidField("user", "password", p.Message()))
			}
			if next.PasswordHash, err = auth.HashPassword(*in.Body.Password, s.passwords); err != nil {
				return nil, s.apiError(ctx, err)
			}
		}
		if err := s.store.UpdateUser(ctx, &next, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		out := &meUpdateOutput{Body: &next}
		if next.PasswordHash != u.PasswordHash && authenticatedVia(ctx) == viaSession {
			// Every session ended with the change: the caller's own
			// continues under a new token.
			c, err := s.newSession(ctx, u.ID)
			if err != nil {
				return nil, s.apiError(ctx, err)
			}
			out.SetCookie = c.String()
		}
		return out, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-my-tokens", Method: http.MethodGet, Path: "/me/tokens", Tags: []string{"me"}, Summary: "My API tokens",
	}, func(ctx context.Context, _ *struct{}) (*struct{ Body []*kakehashi.APIToken }, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		list, err := s.store.APITokens(ctx, u.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body []*kakehashi.APIToken }{Body: list}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "create-my-token", Method: http.MethodPost, Path: "/me/tokens", Tags: []string{"me"},
		Summary: "Create a personal API token",
		Description: "The secret is in the response and never shown again. Only a signed-in session (the cookie from POST /auth/login) " +
			"may create tokens: a token cannot create more of itself, so revoking a leaked one is enough.",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *struct {
		Body struct {
			Name string `json:"name" minLength:"1" maxLength:"100"`
		}
	}) (*struct{ Body tokenCreated }, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		if authenticatedVia(ctx) != viaSession {
			return nil, huma.Error403Forbidden("creating an API token needs a signed-in session (the cookie from POST /auth/login), not an API token")
		}
		secret, err := auth.NewToken("kkt_")
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		t := kakehashi.APIToken{UserID: u.ID, Name: in.Body.Name}
		if err := s.store.CreateAPIToken(ctx, &t, auth.HashToken(secret), u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body tokenCreated }{Body: tokenCreated{APIToken: t, Token: secret}}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "delete-my-token", Method: http.MethodDelete, Path: "/me/tokens/{id}", Tags: []string{"me"},
		Summary: "Revoke an API token", DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *idPath) (*struct{}, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		if err := s.store.DeleteAPIToken(ctx, u.ID, in.ID, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{}{}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-users", Method: http.MethodGet, Path: "/users", Tags: []string{"users"},
		Summary: "List user accounts", Description: "Platform staff see everyone; an org admin sees the accounts of their organization.",
	}, func(ctx context.Context, in *struct {
		Org int64 `query:"org" doc:"Organization id"`
		PageParams
	}) (*struct{ Body Page[*kakehashi.User] }, error) {
		viewer, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		org := in.Org
		if org == 0 && !viewer.IsStaff() {
			org = viewer.OrgID
		}
		if !kakehashi.CanListUsers(viewer, org) {
			return nil, huma.Error403Forbidden("only platform staff and organization admins may list accounts")
		}
		after, err := decodeCursor(in.Cursor)
		if err != nil {
			return nil, err
		}
		list, err := s.store.Users(ctx, kakehashi.UserFilter{OrgID: org, After: after, Limit: in.Limit + 1})
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body Page[*kakehashi.User] }{Body: page(list, in.Limit, func(u *kakehashi.User) int64 { return u.ID })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-user", Method: http.MethodGet, Path: "/users/{id}", Tags: []string{"users"}, Summary: "Get a user account",
	}, func(ctx context.Context, in *idPath) (*userOutput, error) {
		u, err := s.visibleUser(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &userOutput{Body: u}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "create-user", Method: http.MethodPost, Path: "/users", Tags: []string{"users"},
		Summary:       "Create a user account",
		Description:   "Admins create any account; an org admin creates accounts in their own organization.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct{ Body UserInput }) (*userOutput, error) {
		actor, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		u := &kakehashi.User{}
		if in.Body.Password == nil {
			return nil, s.apiError(ctx, invalidField("user", "password", "is required"))
		}
		if err := s.applyUserInput(u, &in.Body); err != nil {
			return nil, s.apiError(ctx, err)
		}
		if u.OrgID != 0 && u.OrgRole == "" {
			u.OrgRole = kakehashi.RoleMember
		}
		if !kakehashi.CanWriteUser(actor, nil, u) {
			return nil, huma.Error403Forbidden("you may not create this account")
		}
		if err := s.store.CreateUser(ctx, u, actor); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &userOutput{Body: u}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "update-user", Method: http.MethodPatch, Path: "/users/{id}", Tags: []string{"users"},
		Summary: "Change a user account", MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body UserInput
	}) (*userOutput, error) {
		actor, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		prev, err := s.visibleUser(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		if in.Body.Password != nil && actor.ID == prev.ID {
			return nil, huma.Error403Forbidden("change your own password with PATCH /me, which asks for the current one")
		}
		next := *prev
		if err := s.applyUserInput(&next, &in.Body); err != nil {
			return nil, s.apiError(ctx, err)
		}
		if !kakehashi.CanWriteUser(actor, prev, &next) {
			return nil, huma.Error403Forbidden("you may not make this change to this account")
		}
		if err := s.store.UpdateUser(ctx, &next, actor); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &userOutput{Body: &next}, nil
	})
}

// UserInput carries the writable fields of a user account.
type UserInput struct {
	Email        *string                 `json:"email,omitempty" maxLength:"254"`
	Name         *string                 `json:"name,omitempty" maxLength:"200"`
	OrgID        *int64                  `json:"org_id,omitempty" doc:"0 for no organization"`
	OrgRole      *kakehashi.OrgRole      `json:"org_role,omitempty" enum:"member,org_admin"`
	PlatformRole *kakehashi.PlatformRole `json:"platform_role,omitempty" enum:"coordinator,admin,"`
	Disabled     *bool                   `json:"disabled,omitempty"`
	Password     *string                 `json:"password,omitempty" maxLength:"1024" doc:"At least 10 characters, not a common or predictable one, not built on the account's name or e-mail address"`
}

func (s *Server) applyUserInput(u *kakehashi.User, in *UserInput) error {
	set(&u.Email, in.Email)
	set(&u.Name, in.Name)
	set(&u.OrgID, in.OrgID)
	set(&u.OrgRole, in.OrgRole)
	set(&u.PlatformRole, in.PlatformRole)
	set(&u.Disabled, in.Disabled)
	if u.OrgID == 0 {
		u.OrgRole = ""
	}
	if in.Password != nil {
		if p := auth.CheckPassword(*in.Password, u.Email, u.Name); p != "" {
			return invalidField("user", "password", p.Message())
		}
		h, err := auth.HashPassword(*in.Password, s.passwords)
		if err != nil {
			return err
		}
		u.PasswordHash = h
	}
	return nil
}

// visibleUser loads an account the caller may see; others are not found.
func (s *Server) visibleUser(ctx context.Context, id int64) (*kakehashi.User, error) {
	viewer, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.store.User(ctx, id)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	if !kakehashi.CanSeeUser(viewer, u) {
		return nil, huma.Error404NotFound("user " + itoa(id) + " not found")
	}
	return u, nil
}

func invalidField(what, field, msg string) error {
	return &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid " + what, Fields: []kakehashi.FieldError{{Field: field, Message: msg}}}
}

func (s *Server) registerAudit(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "list-audit-events", Method: http.MethodGet, Path: "/audit", Tags: []string{"audit"},
		Summary: "Read the audit log", Description: "Admins only. Newest first.",
	}, func(ctx context.Context, in *struct {
		RecordType string `query:"record_type" doc:"e.g. listing, organization, user"`
		RecordID   int64  `query:"record_id"`
		Actor      int64  `query:"actor" doc:"Actor user id"`
		PageParams
	}) (*struct{ Body Page[*kakehashi.AuditEvent] }, error) {
		viewer, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		if !kakehashi.CanReadAudit(viewer) {
			return nil, huma.Error403Forbidden("only admins may read the audit log")
		}
		before, err := decodeCursor(in.Cursor)
		if err != nil {
			return nil, err
		}
		list, err := s.store.AuditEvents(ctx, kakehashi.AuditFilter{RecordType: in.RecordType, RecordID: in.RecordID, ActorID: in.Actor, Before: before, Limit: in.Limit + 1})
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body Page[*kakehashi.AuditEvent] }{Body: page(list, in.Limit, func(e *kakehashi.AuditEvent) int64 { return e.ID })}, nil
	})
}

// requestIP returns the client address the server resolved for the request.
func requestIP(ctx context.Context) string { return auth.ClientIPFromContext(ctx) }
