package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/kakehashi/kakehashi"
)

var _ kakehashi.ConsortiumService = (*DB)(nil)

const consortiumColumns = `c.id, c.lead_org_id, c.title, c.title_ja, c.description, c.description_ja, c.fields, c.keywords,
	c.start_date, c.end_date, c.public, COALESCE(c.created_by, 0), c.created_at, c.updated_at`

func scanConsortium(s scanner) (*kakehashi.Consortium, error) {
	var c kakehashi.Consortium
	var fields, keywords string
	if err := s.Scan(&c.ID, &c.LeadOrgID, &c.Title, &c.TitleJA, &c.Description, &c.DescriptionJA, &fields, &keywords,
		&c.Start, &c.End, &c.Public, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(fields), &c.Fields); err != nil {
		return nil, fmt.Errorf("consortium %d: decode fields: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(keywords), &c.Keywords); err != nil {
		return nil, fmt.Errorf("consortium %d: decode keywords: %w", c.ID, err)
	}
	c.Start, c.End, c.CreatedAt, c.UpdatedAt = c.Start.UTC(), c.End.UTC(), c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

func consortiumLink(id int64) string { return "/consortia/" + strconv.FormatInt(id, 10) }

// Consortium returns the consortium with the given id.
func (db *DB) Consortium(ctx context.Context, id int64) (*kakehashi.Consortium, error) {
	return db.consortiumTx(ctx, db.db, id, "")
}

func (db *DB) consortiumTx(ctx context.Context, q rowQuerier, id int64, lock string) (*kakehashi.Consortium, error) {
	c, err := scanConsortium(q.QueryRowContext(ctx, `SELECT `+consortiumColumns+` FROM consortia c WHERE c.id = $1`+lock, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("consortium", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read consortium %d: %w", id, err)
	}
	return c, nil
}

// Consortia lists consortia in id order: those f.Viewer may see, and of
// those the ones organization f.OrgID is an active member of.
func (db *DB) Consortia(ctx context.Context, f kakehashi.ConsortiumFilter) ([]*kakehashi.Consortium, error) {
	q := newQuery(`SELECT `+consortiumColumns+` FROM consortia c WHERE c.id > $1`, f.After)
	member := `EXISTS (SELECT 1 FROM consortium_members m WHERE m.consortium_id = c.id AND m.org_id = ? AND m.status = 'active')`
	if f.OrgID != 0 {
		q.where(member, f.OrgID)
	}
	switch {
	case f.Viewer.IsStaff():
	case f.Viewer != nil && f.Viewer.OrgID != 0:
		q.where("(c.public OR "+member+")", f.Viewer.OrgID)
	default:
		q.where("c.public")
	}
	q.sql += fmt.Sprintf(" ORDER BY c.id LIMIT %d", limit(f.Limit))
	return list(ctx, db, q, "consortia", scanConsortium)
}

// CreateConsortium validates c and stores it with its lead organization as
// its first, active member.
func (db *DB) CreateConsortium(ctx context.Context, c *kakehashi.Consortium, actor *kakehashi.User) error {
	c.Normalize()
	if err := c.Validate(); err != nil {
		return err
	}
	if !kakehashi.CanCreateConsortiumFor(actor, c.LeadOrgID) {
		return kakehashi.Errorf(kakehashi.EFORBIDDEN, "only admins of organization %d and platform staff start consortia it leads", c.LeadOrgID)
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.orgName(ctx, tx, c.LeadOrgID, "lead_org_id"); err != nil {
			return err
		}
		now := db.now()
		c.CreatedAt, c.UpdatedAt = now, now
		if actor != nil {
			c.CreatedBy = actor.ID
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO consortia (lead_org_id, title, title_ja, description, description_ja, fields, keywords,
			start_date, end_date, public, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
			c.LeadOrgID, c.Title, c.TitleJA, c.Description, c.DescriptionJA, jsonText(c.Fields), jsonText(c.Keywords),
			c.Start, c.End, c.Public, nullID(c.CreatedBy), now, now).Scan(&c.ID)
		if err != nil {
			return fmt.Errorf("create consortium: %w", mapError(err))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO consortium_members (consortium_id, org_id, role, status, requested_by, decided_by, requested_at, joined_at)
			VALUES ($1, $2, $3, $4, $5, $5, $6, $6)`, c.ID, c.LeadOrgID, kakehashi.MemberLead, kakehashi.MembershipActive, nullID(c.CreatedBy), now); err != nil {
			return fmt.Errorf("add lead member: %w", mapError(err))
		}
		return db.audit(ctx, tx, actor, "consortium.create", "consortium", c.ID, map[string]any{"title": c.Title, "lead_org_id": c.LeadOrgID})
	})
}

// UpdateConsortium replaces consortium c.ID's content; the lead and creator
// stay. The term cannot shrink past a task's dates.
func (db *DB) UpdateConsortium(ctx context.Context, c *kakehashi.Consortium, actor *kakehashi.User) error {
	c.Normalize()
	return db.inTx(ctx, func(tx *sql.Tx) error {
		stored, err := db.consortiumTx(ctx, tx, c.ID, db.forUpdate())
		if err != nil {
			return err
		}
		if !kakehashi.CanManageConsortium(actor, stored) {
			return kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the lead organization's admins and platform staff change the consortium")
		}
		c.LeadOrgID, c.CreatedBy, c.CreatedAt = stored.LeadOrgID, stored.CreatedBy, stored.CreatedAt
		if err := c.Validate(); err != nil {
			return err
		}
		var p kakehashi.Problems
		var before, after int
		if err := tx.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM consortium_tasks WHERE consortium_id = $1 AND start_date < $2),
			(SELECT COUNT(*) FROM consortium_tasks WHERE consortium_id = $1 AND due_date > $3)`, c.ID, c.Start, c.End).Scan(&before, &after); err != nil {
			return fmt.Errorf("check task dates: %w", err)
		}
		if before > 0 {
			p.Add("start", "%d tasks start before it", before)
		}
		if after > 0 {
			p.Add("end", "%d tasks are due after it", after)
		}
		if err := p.Err("consortium"); err != nil {
			return err
		}
		now := db.now()
		c.UpdatedAt = now
		if _, err := tx.ExecContext(ctx, `UPDATE consortia SET title = $1, title_ja = $2, description = $3, description_ja = $4, fields = $5,
			keywords = $6, start_date = $7, end_date = $8, public = $9, updated_at = $10 WHERE id = $11`,
			c.Title, c.TitleJA, c.Description, c.DescriptionJA, jsonText(c.Fields), jsonText(c.Keywords), c.Start, c.End, c.Public, now, c.ID); err != nil {
			return fmt.Errorf("update consortium %d: %w", c.ID, mapError(err))
		}
		return db.audit(ctx, tx, actor, "consortium.update", "consortium", c.ID, map[string]any{"title": c.Title})
	})
}

// orgName returns the name of organization id, or an invalid-field error
// naming field when there is none.
func (db *DB) orgName(ctx context.Context, q rowQuerier, id int64, field string) (string, error) {
	var name string
	err := q.QueryRowContext(ctx, `SELECT name FROM organizations WHERE id = $1`, id).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", &kakehashi.Error{Code: kakehashi.EINVALID, Message: "no such organization",
			Fields: []kakehashi.FieldError{{Field: field, Message: fmt.Sprintf("organization %d does not exist", id)}}}
	}
	if err != nil {
		return "", fmt.Errorf("read organization %d: %w", id, err)
	}
	return name, nil
}

const memberColumns = `consortium_id, org_id, role, status, message, COALESCE(requested_by, 0), COALESCE(decided_by, 0), requested_at, joined_at`

func scanMember(s scanner) (*kakehashi.Membership, error) {
	var m kakehashi.Membership
	var joined sql.NullTime
	if err := s.Scan(&m.ConsortiumID, &m.OrgID, &m.Role, &m.Status, &m.Message, &m.RequestedBy, &m.DecidedBy, &m.RequestedAt, &joined); err != nil {
		return nil, err
	}
	m.RequestedAt = m.RequestedAt.UTC()
	if joined.Valid {
		t := joined.Time.UTC()
		m.JoinedAt = &t
	}
	return &m, nil
}

// Members lists every membership of a consortium (any status), the lead
// first, then in the order they were requested.
func (db *DB) Members(ctx context.Context, consortiumID int64) ([]*kakehashi.Membership, error) {
	return db.membersTx(ctx, db.db, consortiumID)
}

func (db *DB) membersTx(ctx context.Context, q querier, consortiumID int64) ([]*kakehashi.Membership, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+memberColumns+` FROM consortium_members WHERE consortium_id = $1
		ORDER BY CASE role WHEN 'lead' THEN 0 ELSE 1 END, requested_at, org_id`, consortiumID)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.Membership{}
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("list members: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// memberOf returns organization orgID's membership of a consortium, nil if
// it has none.
func (db *DB) memberOf(ctx context.Context, tx *sql.Tx, consortiumID, orgID int64) (*kakehashi.Membership, error) {
	m, err := scanMember(tx.QueryRowContext(ctx, `SELECT `+memberColumns+` FROM consortium_members WHERE consortium_id = $1 AND org_id = $2`+db.forUpdate(),
		consortiumID, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read membership: %w", err)
	}
	return m, nil
}

// memberConflict is the error for an organization that is a member, or
// has asked to be one, already.
func memberConflict(name string, m *kakehashi.Membership) error {
	msg := fmt.Sprintf("organization %q is already a member of the consortium (%s)", name, m.Role)
	if m.Status == kakehashi.MembershipPending {
		msg = fmt.Sprintf("organization %q has already asked to join the consortium; the request is pending", name)
	}
	return &kakehashi.Error{Code: kakehashi.ECONFLICT, Message: msg,
		Fields: []kakehashi.FieldError{{Field: "org_id", Message: name + " is already listed"}}}
}

// putMember inserts or (over a declined request) replaces a membership.
func (db *DB) putMember(ctx context.Context, tx *sql.Tx, m *kakehashi.Membership, prev *kakehashi.Membership) error {
	var err error
	if prev == nil {
		_, err = tx.ExecContext(ctx, `INSERT INTO consortium_members (consortium_id, org_id, role, status, message, requested_by, decided_by, requested_at, joined_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, m.ConsortiumID, m.OrgID, m.Role, m.Status, m.Message, nullID(m.RequestedBy), nullID(m.DecidedBy), m.RequestedAt, m.JoinedAt)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE consortium_members SET role = $1, status = $2, message = $3, requested_by = $4, decided_by = $5, requested_at = $6, joined_at = $7
			WHERE consortium_id = $8 AND org_id = $9`, m.Role, m.Status, m.Message, nullID(m.RequestedBy), nullID(m.DecidedBy), m.RequestedAt, m.JoinedAt, m.ConsortiumID, m.OrgID)
	}
	if err != nil {
		return fmt.Errorf("store membership: %w", mapError(err))
	}
	return nil
}

// AddMember makes organization m.OrgID an active member at once, by the
// lead's admins or staff. An organization already a member (or with a
// pending request) is a conflict that names it.
func (db *DB) AddMember(ctx context.Context, m *kakehashi.Membership, actor *kakehashi.User) error {
	if err := m.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		c, err := db.consortiumTx(ctx, tx, m.ConsortiumID, db.forUpdate())
		if err != nil {
			return err
		}
		if !kakehashi.CanManageConsortium(actor, c) {
			return kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the lead organization's admins and platform staff add members")
		}
		name, err := db.orgName(ctx, tx, m.OrgID, "org_id")
		if err != nil {
			return err
		}
		prev, err := db.memberOf(ctx, tx, c.ID, m.OrgID)
		if err != nil {
			return err
		}
		if prev != nil && prev.Status != kakehashi.MembershipDeclined {
			return memberConflict(name, prev)
		}
		now := db.now()
		m.Status, m.RequestedAt, m.JoinedAt = kakehashi.MembershipActive, now, &now
		if actor != nil {
			m.RequestedBy, m.DecidedBy = actor.ID, actor.ID
		}
		if err := db.putMember(ctx, tx, m, prev); err != nil {
			return err
		}
		if err := db.notifyUsers(ctx, tx, "consortium", "Your organization was added to the consortium "+c.Title, consortiumLink(c.ID), now,
			`org_id = $5 AND org_role = 'org_admin'`, m.OrgID); err != nil {
			return err
		}
		return db.audit(ctx, tx, actor, "consortium.member.add", "consortium", c.ID, map[string]any{"org_id": m.OrgID, "role": m.Role})
	})
}

// RequestMembership records organization m.OrgID's request to join, by
// its admins (or staff), and tells the lead's admins. The consortium must
// be one the actor may see; a member, or a pending request, is a conflict.
func (db *DB) RequestMembership(ctx context.Context, m *kakehashi.Membership, actor *kakehashi.User) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if !kakehashi.CanRequestMembership(actor, m.OrgID) {
		return kakehashi.Errorf(kakehashi.EFORBIDDEN, "only admins of organization %d ask for it to join a consortium", m.OrgID)
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		c, err := db.consortiumTx(ctx, tx, m.ConsortiumID, db.forUpdate())
		if err != nil {
			return err
		}
		members, err := db.membersTx(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		if !kakehashi.CanSeeConsortium(actor, c, members) {
			return notFound("consortium", c.ID)
		}
		name, err := db.orgName(ctx, tx, m.OrgID, "org_id")
		if err != nil {
			return err
		}
		prev, err := db.memberOf(ctx, tx, c.ID, m.OrgID)
		if err != nil {
			return err
		}
		if prev != nil && prev.Status != kakehashi.MembershipDeclined {
			return memberConflict(name, prev)
		}
		now := db.now()
		m.Status, m.RequestedAt, m.JoinedAt, m.DecidedBy = kakehashi.MembershipPending, now, nil, 0
		if actor != nil {
			m.RequestedBy = actor.ID
		}
		if err := db.putMember(ctx, tx, m, prev); err != nil {
			return err
		}
		if err := db.notifyUsers(ctx, tx, "consortium", name+" asks to join the consortium "+c.Title, consortiumLink(c.ID), now,
			`org_id = $5 AND org_role = 'org_admin'`, c.LeadOrgID); err != nil {
			return err
		}
		return db.audit(ctx, tx, actor, "consortium.member.request", "consortium", c.ID, map[string]any{"org_id": m.OrgID, "role": m.Role})
	})
}

// DecideMembership approves or declines organization orgID's pending
// request, by the lead's admins or staff, and tells the organization's
// admins.
func (db *DB) DecideMembership(ctx context.Context, consortiumID, orgID int64, approve bool, actor *kakehashi.User) (*kakehashi.Membership, error) {
	var out *kakehashi.Membership
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		c, err := db.consortiumTx(ctx, tx, consortiumID, db.forUpdate())
		if err != nil {
			return err
		}
		if !kakehashi.CanManageConsortium(actor, c) {
			return kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the lead organization's admins and platform staff decide membership requests")
		}
		m, err := db.memberOf(ctx, tx, c.ID, orgID)
		if err != nil {
			return err
		}
		if m == nil {
			return kakehashi.Errorf(kakehashi.ENOTFOUND, "organization %d has not asked to join consortium %d", orgID, c.ID)
		}
		if m.Status != kakehashi.MembershipPending {
			return kakehashi.Errorf(kakehashi.ECONFLICT, "the request of organization %d was decided already (%s)", orgID, m.Status)
		}
		now := db.now()
		verb := "declined"
		m.Status = kakehashi.MembershipDeclined
		if approve {
			verb, m.Status, m.JoinedAt = "approved", kakehashi.MembershipActive, &now
		}
		if actor != nil {
			m.DecidedBy = actor.ID
		}
		if err := db.putMember(ctx, tx, m, m); err != nil {
			return err
		}
		if err := db.notifyUsers(ctx, tx, "consortium", "Your request to join the consortium "+c.Title+" was "+verb, consortiumLink(c.ID), now,
			`org_id = $5 AND org_role = 'org_admin'`, orgID); err != nil {
			return err
		}
		out = m
		return db.audit(ctx, tx, actor, "consortium.member."+verb, "consortium", c.ID, map[string]any{"org_id": orgID})
	})
	return out, err
}

// SharedListings returns the ids of the listings a consortium shares, in
// the order they were added.
func (db *DB) SharedListings(ctx context.Context, consortiumID int64) ([]int64, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT listing_id FROM consortium_listings WHERE consortium_id = $1 ORDER BY added_at, listing_id`, consortiumID)
	if err != nil {
		return nil, fmt.Errorf("list shared listings: %w", err)
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ShareListing links a listing of an active member as the consortium's
// own, by the lead's admins or staff. Drafts are not shared.
func (db *DB) ShareListing(ctx context.Context, consortiumID, listingID int64, actor *kakehashi.User) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		c, err := db.consortiumTx(ctx, tx, consortiumID, db.forUpdate())
		if err != nil {
			return err
		}
		if !kakehashi.CanManageConsortium(actor, c) {
			return kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the lead organization's admins and platform staff share listings")
		}
		var orgID int64
		var status, visibility string
		err = tx.QueryRowContext(ctx, `SELECT org_id, status, visibility FROM listings WHERE id = $1`, listingID).Scan(&orgID, &status, &visibility)
		// A listing whose owner the actor may not know answers as one that
		// does not exist: saying whether its owner is a member would tell.
		if err == nil && !kakehashi.SeesFullListing(actor, &kakehashi.Listing{ID: listingID, OrgID: orgID,
			Status: kakehashi.Status(status), Visibility: kakehashi.Visibility(visibility)}) {
			err = sql.ErrNoRows
		}
		if errors.Is(err, sql.ErrNoRows) {
			return &kakehashi.Error{Code: kakehashi.EINVALID, Message: "no such listing",
				Fields: []kakehashi.FieldError{{Field: "listing_id", Message: fmt.Sprintf("listing %d does not exist", listingID)}}}
		}
		if err != nil {
			return fmt.Errorf("read listing %d: %w", listingID, err)
		}
		var p kakehashi.Problems
		members, err := db.membersTx(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		if !kakehashi.IsActiveMember(members, orgID) {
			p.Add("listing_id", "listing %d belongs to an organization that is not a member of the consortium", listingID)
		} else if kakehashi.Status(status) == kakehashi.StatusDraft {
			p.Add("listing_id", "listing %d is a draft", listingID)
		}
		if err := p.Err("shared listing"); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM consortium_listings WHERE consortium_id = $1 AND listing_id = $2`, c.ID, listingID).Scan(&n); err != nil {
			return fmt.Errorf("read shared listing: %w", err)
		}
		if n > 0 {
			return &kakehashi.Error{Code: kakehashi.ECONFLICT, Message: fmt.Sprintf("listing %d is shared already", listingID),
				Fields: []kakehashi.FieldError{{Field: "listing_id", Message: "shared already"}}}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO consortium_listings (consortium_id, listing_id, added_by, added_at) VALUES ($1, $2, $3, $4)`,
			c.ID, listingID, nullID(actorID(actor)), db.now()); err != nil {
			return fmt.Errorf("share listing: %w", mapError(err))
		}
		return db.audit(ctx, tx, actor, "consortium.listing.share", "consortium", c.ID, map[string]any{"listing_id": listingID})
	})
}

// UnshareListing removes a shared listing, by the lead's admins or staff.
func (db *DB) UnshareListing(ctx context.Context, consortiumID, listingID int64, actor *kakehashi.User) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		c, err := db.consortiumTx(ctx, tx, consortiumID, db.forUpdate())
		if err != nil {
			return err
		}
		if !kakehashi.CanManageConsortium(actor, c) {
			return kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the lead organization's admins and platform staff share listings")
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM consortium_listings WHERE consortium_id = $1 AND listing_id = $2`, c.ID, listingID)
		if err != nil {
			return fmt.Errorf("unshare listing: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kakehashi.Errorf(kakehashi.ENOTFOUND, "listing %d is not shared by consortium %d", listingID, c.ID)
		}
		return db.audit(ctx, tx, actor, "consortium.listing.unshare", "consortium", c.ID, map[string]any{"listing_id": listingID})
	})
}

func actorID(u *kakehashi.User) int64 {
	if u == nil {
		return 0
	}
	return u.ID
}

const taskColumns = `t.id, t.consortium_id, t.title, t.description, t.owner_org_id, t.status, t.start_date, t.due_date, t.created_at, t.updated_at`

func scanTask(s scanner) (*kakehashi.Task, error) {
	var t kakehashi.Task
	if err := s.Scan(&t.ID, &t.ConsortiumID, &t.Title, &t.Description, &t.OwnerOrgID, &t.Status, &t.Start, &t.Due, &t.CreatedAt, &t.UpdatedAt); err != nil {
		return nil, err
	}
	t.Start, t.Due, t.CreatedAt, t.UpdatedAt = t.Start.UTC(), t.Due.UTC(), t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return &t, nil
}

// Tasks lists a consortium's tasks by start date.
func (db *DB) Tasks(ctx context.Context, consortiumID int64) ([]*kakehashi.Task, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+taskColumns+` FROM consortium_tasks t WHERE t.consortium_id = $1 ORDER BY t.start_date, t.id`, consortiumID)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.Task{}
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, fmt.Errorf("list tasks: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Task returns the task with the given id.
func (db *DB) Task(ctx context.Context, id int64) (*kakehashi.Task, error) {
	t, err := scanTask(db.db.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM consortium_tasks t WHERE t.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("task", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read task %d: %w", id, err)
	}
	return t, nil
}

// managedTaskContext loads and locks consortium id for a task write by a
// manager, with its memberships.
func (db *DB) managedTaskContext(ctx context.Context, tx *sql.Tx, id int64, actor *kakehashi.User) (*kakehashi.Consortium, []*kakehashi.Membership, error) {
	c, err := db.consortiumTx(ctx, tx, id, db.forUpdate())
	if err != nil {
		return nil, nil, err
	}
	if !kakehashi.CanManageConsortium(actor, c) {
		return nil, nil, kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the lead organization's admins and platform staff plan tasks")
	}
	members, err := db.membersTx(ctx, tx, c.ID)
	return c, members, err
}

// CreateTask validates t against its consortium and stores it, telling the
// owner organization's admins.
func (db *DB) CreateTask(ctx context.Context, t *kakehashi.Task, actor *kakehashi.User) error {
	t.Normalize()
	return db.inTx(ctx, func(tx *sql.Tx) error {
		c, members, err := db.managedTaskContext(ctx, tx, t.ConsortiumID, actor)
		if err != nil {
			return err
		}
		if err := t.Validate(c, members); err != nil {
			return err
		}
		now := db.now()
		t.CreatedAt, t.UpdatedAt = now, now
		if err := tx.QueryRowContext(ctx, `INSERT INTO consortium_tasks (consortium_id, title, description, owner_org_id, status, start_date, due_date, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, t.ConsortiumID, t.Title, t.Description, t.OwnerOrgID, t.Status, t.Start, t.Due, now, now).Scan(&t.ID); err != nil {
			return fmt.Errorf("create task: %w", mapError(err))
		}
		if err := db.notifyUsers(ctx, tx, "consortium", "New task for your organization in "+c.Title+": "+t.Title, consortiumLink(c.ID), now,
			`org_id = $5 AND org_role = 'org_admin'`, t.OwnerOrgID); err != nil {
			return err
		}
		return db.audit(ctx, tx, actor, "consortium.task.create", "consortium_task", t.ID, map[string]any{"consortium_id": c.ID, "title": t.Title})
	})
}

// UpdateTask replaces task t.ID's content (its consortium stays).
func (db *DB) UpdateTask(ctx context.Context, t *kakehashi.Task, actor *kakehashi.User) error {
	t.Normalize()
	stored, err := db.Task(ctx, t.ID)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		c, members, err := db.managedTaskContext(ctx, tx, stored.ConsortiumID, actor)
		if err != nil {
			return err
		}
		t.ConsortiumID, t.CreatedAt = stored.ConsortiumID, stored.CreatedAt
		if err := t.Validate(c, members); err != nil {
			return err
		}
		now := db.now()
		t.UpdatedAt = now
		if _, err := tx.ExecContext(ctx, `UPDATE consortium_tasks SET title = $1, description = $2, owner_org_id = $3, status = $4, start_date = $5,
			due_date = $6, updated_at = $7 WHERE id = $8`, t.Title, t.Description, t.OwnerOrgID, t.Status, t.Start, t.Due, now, t.ID); err != nil {
			return fmt.Errorf("update task %d: %w", t.ID, mapError(err))
		}
		return db.audit(ctx, tx, actor, "consortium.task.update", "consortium_task", t.ID, map[string]any{"status": t.Status})
	})
}
