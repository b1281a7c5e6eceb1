package kakehashi

import (
	"context"
	"slices"
	"strings"
	"time"
)

// A consortium is a group of organizations around a shared, usually
// non-competitive research theme, led by one of them. Organizations join by
// request (an org admin asks, the lead's admins or platform staff approve or
// decline) or are added by the lead; the consortium links needs and seeds of
// its members as its own, and plans its work as tasks (work packages), each
// owned by a member and dated within the consortium's term.

// MemberRole is an organization's role in a consortium.
type MemberRole string

// Member roles. There is exactly one lead: the consortium's LeadOrgID.
const (
	MemberLead     MemberRole = "lead"
	MemberMember   MemberRole = "member"
	MemberObserver MemberRole = "observer"
)

// MemberRoles lists every member role.
var MemberRoles = []MemberRole{MemberLead, MemberMember, MemberObserver}

// MembershipStatus is where a membership stands.
type MembershipStatus string

// Membership statuses: a request is pending until the lead approves it
// (active) or declines it.
const (
	MembershipPending  MembershipStatus = "pending"
	MembershipActive   MembershipStatus = "active"
	MembershipDeclined MembershipStatus = "declined"
)

// TaskStatus is where a consortium task stands.
type TaskStatus string

// Task statuses.
const (
	TaskPlanned   TaskStatus = "planned"
	TaskActive    TaskStatus = "active"
	TaskDone      TaskStatus = "done"
	TaskCancelled TaskStatus = "cancelled"
)

// TaskStatuses lists every task status in order.
var TaskStatuses = []TaskStatus{TaskPlanned, TaskActive, TaskDone, TaskCancelled}

// Consortium is a multi-party collaboration.
type Consortium struct {
	ID            int64  `json:"id"`
	LeadOrgID     int64  `json:"lead_org_id"`
	Title         string `json:"title"`
	TitleJA       string `json:"title_ja"`
	Description   string `json:"description"`
	DescriptionJA string `json:"description_ja"`
	// Fields are OECD Fields of Science codes of the theme; Keywords free
	// terms. Both feed funding matches.
	Fields   []string `json:"fields"`
	Keywords []string `json:"keywords"`
	// Start and End are the consortium's term, as dates (midnight UTC).
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Public consortia are seen by anyone; others by their members and
	// platform staff.
	Public    bool      `json:"public"`
	CreatedBy int64     `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Day truncates t to its date at midnight UTC.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Normalize trims text, cleans the lists and keeps only the dates.
func (c *Consortium) Normalize() {
	c.Title = strings.TrimSpace(c.Title)
	c.TitleJA = strings.TrimSpace(c.TitleJA)
	c.Description = strings.TrimSpace(c.Description)
	c.DescriptionJA = strings.TrimSpace(c.DescriptionJA)
	c.Fields = cleanList(c.Fields)
	c.Keywords = cleanList(c.Keywords)
	if !c.Start.IsZero() {
		c.Start = Day(c.Start)
	}
	if !c.End.IsZero() {
		c.End = Day(c.End)
	}
}

// Validate reports every invalid field of c.
func (c *Consortium) Validate() error {
	var p Problems
	if c.LeadOrgID <= 0 {
		p.Add("lead_org_id", "is required")
	}
	checkText(&p, "title", c.Title, 1, 300)
	checkText(&p, "title_ja", c.TitleJA, 0, 300)
	checkText(&p, "description", c.Description, 1, 10000)
	checkText(&p, "description_ja", c.DescriptionJA, 0, 10000)
	validList(&p, "fields", c.Fields, 10, isField, "an OECD Fields of Science code such as 2.5")
	validList(&p, "keywords", c.Keywords, 30, func(s string) bool { return len([]rune(s)) <= 100 }, "a keyword of at most 100 characters")
	checkYear(&p, "start", c.Start)
	checkYear(&p, "end", c.End)
	if !c.Start.IsZero() && !c.End.IsZero() && c.End.Before(c.Start) {
		p.Add("end", "must not be before start (%s)", c.Start.Format(time.DateOnly))
	}
	return p.Err("consortium")
}

// checkYear requires a date between the years 2000 and 2100.
func checkYear(p *Problems, field string, t time.Time) {
	switch {
	case t.IsZero():
		p.Add(field, "is required (a date such as 2027-04-01)")
	case t.Year() < 2000 || t.Year() > 2100:
		p.Add(field, "must be between the years 2000 and 2100")
	}
}

// Membership is an organization's place in a consortium.
type Membership struct {
	ConsortiumID int64            `json:"consortium_id"`
	OrgID        int64            `json:"org_id"`
	Role         MemberRole       `json:"role"`
	Status       MembershipStatus `json:"status"`
	// Message is what the request said, for the lead.
	Message     string     `json:"message,omitempty"`
	RequestedBy int64      `json:"requested_by,omitempty"`
	DecidedBy   int64      `json:"decided_by,omitempty"`
	RequestedAt time.Time  `json:"requested_at"`
	JoinedAt    *time.Time `json:"joined_at,omitempty"`
}

// Validate checks the role and message of a membership request or addition:
// the lead role belongs to the lead organization alone.
func (m *Membership) Validate() error {
	var p Problems
	if m.OrgID <= 0 {
		p.Add("org_id", "is required")
	}
	if m.Role != MemberMember && m.Role != MemberObserver {
		p.Add("role", "must be member or observer (the lead is the consortium's lead organization)")
	}
	m.Message = strings.TrimSpace(m.Message)
	checkText(&p, "message", m.Message, 0, 2000)
	return p.Err("membership")
}

// Task is one R&D work package of a consortium.
type Task struct {
	ID           int64      `json:"id"`
	ConsortiumID int64      `json:"consortium_id"`
	Title        string     `json:"title"`
	Description  string     `json:"description"`
	OwnerOrgID   int64      `json:"owner_org_id"`
	Status       TaskStatus `json:"status"`
	Start        time.Time  `json:"start"`
	Due          time.Time  `json:"due"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// Normalize trims text, keeps only the dates and defaults the status.
func (t *Task) Normalize() {
	t.Title = strings.TrimSpace(t.Title)
	t.Description = strings.TrimSpace(t.Description)
	if t.Status == "" {
		t.Status = TaskPlanned
	}
	if !t.Start.IsZero() {
		t.Start = Day(t.Start)
	}
	if !t.Due.IsZero() {
		t.Due = Day(t.Due)
	}
}

// Validate reports every invalid field of t on its own and against its
// consortium c and c's active members: the owner must be one (a lead or
// member; observers own no tasks), and the dates must lie within c's term.
func (t *Task) Validate(c *Consortium, members []*Membership) error {
	var p Problems
	checkText(&p, "title", t.Title, 1, 300)
	checkText(&p, "description", t.Description, 0, 5000)
	if !oneOf(t.Status, TaskStatuses) {
		p.Add("status", "must be one of %s", names(TaskStatuses))
	}
	switch {
	case t.OwnerOrgID <= 0:
		p.Add("owner_org_id", "is required")
	case !IsActiveMember(members, t.OwnerOrgID):
		p.Add("owner_org_id", "organization %d is not a member of the consortium", t.OwnerOrgID)
	case slices.ContainsFunc(members, func(m *Membership) bool { return m.OrgID == t.OwnerOrgID && m.Role == MemberObserver }):
		p.Add("owner_org_id", "organization %d is an observer: observers own no tasks", t.OwnerOrgID)
	}
	checkYear(&p, "start", t.Start)
	checkYear(&p, "due", t.Due)
	if !t.Start.IsZero() && t.Start.Before(c.Start) {
		p.Add("start", "must not be before the consortium's start (%s)", c.Start.Format(time.DateOnly))
	}
	if !t.Start.IsZero() && t.Start.After(c.End) {
		p.Add("start", "must not be after the consortium's end (%s)", c.End.Format(time.DateOnly))
	}
	if !t.Due.IsZero() && t.Due.After(c.End) {
		p.Add("due", "must not be after the consortium's end (%s)", c.End.Format(time.DateOnly))
	}
	if !t.Start.IsZero() && !t.Due.IsZero() && t.Due.Before(t.Start) {
		p.Add("due", "must not be before start (%s)", t.Start.Format(time.DateOnly))
	}
	return p.Err("task")
}

// IsActiveMember reports whether orgID is an active member (any role) in
// members.
func IsActiveMember(members []*Membership, orgID int64) bool {
	for _, m := range members {
		if m.OrgID == orgID && m.Status == MembershipActive {
			return true
		}
	}
	return false
}

// ConsortiumFilter selects consortia in a list.
type ConsortiumFilter struct {
	// OrgID keeps consortia this organization is an active member of.
	OrgID int64
	// Viewer keeps only the consortia they may see (nil: public ones).
	Viewer *User
	After  int64
	Limit  int
}

// ConsortiumService stores consortia, their members, shared listings and
// tasks. Writes check the actor's rights themselves, inside their
// transaction.
type ConsortiumService interface {
	Consortium(ctx context.Context, id int64) (*Consortium, error)
	Consortia(ctx context.Context, f ConsortiumFilter) ([]*Consortium, error)
	CreateConsortium(ctx context.Context, c *Consortium, actor *User) error
	UpdateConsortium(ctx context.Context, c *Consortium, actor *User) error

	Members(ctx context.Context, consortiumID int64) ([]*Membership, error)
	// AddMember adds an organization directly, by the lead: active at once.
	AddMember(ctx context.Context, m *Membership, actor *User) error
	// RequestMembership asks to join on behalf of m.OrgID: pending.
	RequestMembership(ctx context.Context, m *Membership, actor *User) error
	// DecideMembership approves or declines a pending request.
	DecideMembership(ctx context.Context, consortiumID, orgID int64, approve bool, actor *User) (*Membership, error)

	SharedListings(ctx context.Context, consortiumID int64) ([]int64, error)
	ShareListing(ctx context.Context, consortiumID, listingID int64, actor *User) error
	UnshareListing(ctx context.Context, consortiumID, listingID int64, actor *User) error

	Tasks(ctx context.Context, consortiumID int64) ([]*Task, error)
	Task(ctx context.Context, id int64) (*Task, error)
	CreateTask(ctx context.Context, t *Task, actor *User) error
	UpdateTask(ctx context.Context, t *Task, actor *User) error
}

// CanSeeConsortium reports whether u may see consortium c whose
// memberships are members: anyone when it is public, else its active
// members and platform staff.
func CanSeeConsortium(u *User, c *Consortium, members []*Membership) bool {
	return c.Public || u.IsStaff() || u != nil && IsActiveMember(members, u.OrgID)
}

// CanManageConsortium reports whether u manages consortium c: admins of its
// lead organization and platform staff.
func CanManageConsortium(u *User, c *Consortium) bool {
	return u.IsStaff() || u.IsOrgAdmin(c.LeadOrgID)
}

// CanCreateConsortiumFor reports whether u may start a consortium led by
// organization orgID: its admins and platform staff.
func CanCreateConsortiumFor(u *User, orgID int64) bool {
	return u.IsStaff() || u.IsOrgAdmin(orgID)
}

// CanRequestMembership reports whether u may ask for organization orgID to
// join a consortium: its admins and platform staff.
func CanRequestMembership(u *User, orgID int64) bool {
	return u.IsStaff() || u.IsOrgAdmin(orgID)
}

// ConsortiumKPIs is the consortium activity of the KPI dashboard: consortia
// created in the range (by the lead's country), organizations that joined
// one in the range, and the tasks of those consortia by status.
type ConsortiumKPIs struct {
	Created       int        `json:"created"`
	MembersJoined int        `json:"members_joined"`
	TasksByStatus []KPICount `json:"tasks_by_status"`
	ByLeadCountry []KPICount `json:"by_lead_country"`
}
