package kakehashi

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// OrgRole is a user's role inside their organization.
type OrgRole string

// Organization roles.
const (
	RoleMember   OrgRole = "member"
	RoleOrgAdmin OrgRole = "org_admin"
)

// OrgRoles lists the organization roles.
var OrgRoles = []OrgRole{RoleMember, RoleOrgAdmin}

// PlatformRole is a platform-wide role; most users have none.
type PlatformRole string

// Platform roles. Coordinators broker introductions and curate content;
// admins also manage users and read the audit log.
const (
	PlatformNone        PlatformRole = ""
	PlatformCoordinator PlatformRole = "coordinator"
	PlatformAdmin       PlatformRole = "admin"
)

// PlatformRoles lists the platform roles, including none.
var PlatformRoles = []PlatformRole{PlatformNone, PlatformCoordinator, PlatformAdmin}

// User is a person who signs in. A user belongs to at most one organization.
type User struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	// OrgID is zero for users without an organization.
	OrgID        int64        `json:"org_id,omitempty"`
	OrgRole      OrgRole      `json:"org_role,omitempty"`
	PlatformRole PlatformRole `json:"platform_role,omitempty"`
	Disabled     bool         `json:"disabled"`
	// PasswordHash is the encoded argon2id hash; it never leaves the server.
	PasswordHash string `json:"-"`
	// Revealed lists the confidential listings whose owners accepted an
	// introduction with this user's side: they see those in full. The store
	// fills it in when it authenticates the user.
	Revealed  []int64   `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Normalize trims the name and lower-cases the e-mail address, which is the
// sign-in name and compared case-insensitively.
func (u *User) Normalize() {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	u.Name = strings.TrimSpace(u.Name)
}

// Validate reports every invalid field of u.
func (u *User) Validate() error {
	var p Problems
	if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email || len(u.Email) > 254 {
		p.Add("email", "%q is not a valid e-mail address", u.Email)
	}
	checkText(&p, "name", u.Name, 1, 200)
	if u.OrgID < 0 {
		p.Add("org_id", "must be a positive id")
	}
	switch {
	case u.OrgID == 0 && u.OrgRole != "":
		p.Add("org_role", "a user without an organization has no organization role")
	case u.OrgID != 0 && !oneOf(u.OrgRole, OrgRoles):
		p.Add("org_role", "must be one of %s", names(OrgRoles))
	}
	if !oneOf(u.PlatformRole, PlatformRoles) {
		p.Add("platform_role", "must be empty, coordinator or admin")
	}
	return p.Err("user")
}

// IsAdmin reports whether u is a platform admin.
func (u *User) IsAdmin() bool { return u != nil && u.PlatformRole == PlatformAdmin }

// IsStaff reports whether u is a coordinator or an admin: platform staff who
// see every listing in full.
func (u *User) IsStaff() bool {
	return u != nil && (u.PlatformRole == PlatformAdmin || u.PlatformRole == PlatformCoordinator)
}

// InOrg reports whether u belongs to organization orgID.
func (u *User) InOrg(orgID int64) bool { return u != nil && orgID != 0 && u.OrgID == orgID }

// IsOrgAdmin reports whether u administers organization orgID.
func (u *User) IsOrgAdmin(orgID int64) bool { return u.InOrg(orgID) && u.OrgRole == RoleOrgAdmin }

// UserFilter selects users in a list.
type UserFilter struct {
	OrgID int64
	After int64
	Limit int
}

// APIToken is a personal token for scripts. Only its hash is stored; the
// secret is shown once, when it is created.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// Validate reports every invalid field of a new API token.
func (t *APIToken) Validate() error {
	var p Problems
	if t.Name == "" || len(t.Name) > 100 {
		p.Add("name", "is required, at most 100 characters")
	} else {
		checkNoNUL(&p, "name", t.Name)
	}
	return p.Err("API token")
}

// Session is a signed-in browser session, found by the hash of its cookie.
type Session struct {
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// UserService stores users, their credentials and sessions.
type UserService interface {
	User(ctx context.Context, id int64) (*User, error)
	UserByEmail(ctx context.Context, email string) (*User, error)
	Users(ctx context.Context, f UserFilter) ([]*User, error)
	CreateUser(ctx context.Context, u *User, actor *User) error
	UpdateUser(ctx context.Context, u *User, actor *User) error

	CreateSession(ctx context.Context, tokenHash []byte, s Session) error
	SessionUser(ctx context.Context, tokenHash []byte, now time.Time) (*User, error)
	DeleteSession(ctx context.Context, tokenHash []byte) error

	CreateAPIToken(ctx context.Context, t *APIToken, tokenHash []byte, actor *User) error
	APITokens(ctx context.Context, userID int64) ([]*APIToken, error)
	DeleteAPIToken(ctx context.Context, userID, tokenID int64, actor *User) error
	TokenUser(ctx context.Context, tokenHash []byte, now time.Time) (*User, error)
}
