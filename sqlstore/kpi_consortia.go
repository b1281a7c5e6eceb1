package sqlstore

import (
	"context"

	"github.com/kakehashi/kakehashi"
)

// consortiumKPIs computes the consortium activity of the KPI dashboard over
// f's range: consortia created (and by the lead's country), organizations
// that joined one (the lead not counted), and the tasks created, by status.
// The organization filters (country, kind, region) apply to the lead
// organization, the field filter to the consortium's fields.
func (db *DB) consortiumKPIs(ctx context.Context, f kakehashi.KPIFilter) (kakehashi.ConsortiumKPIs, error) {
	var out kakehashi.ConsortiumKPIs
	scope := func(q *query) {
		if f.Country != "" {
			q.where("o.country = ?", f.Country)
		}
		if f.OrgKind != "" {
			q.where("o.kind = ?", string(f.OrgKind))
		}
		if f.Region != "" {
			q.where("o.region = ?", f.Region)
		}
		if f.Field != "" {
			q.where("c.fields LIKE ?", `%"`+f.Field+`"%`)
		}
	}
	inRange := func(q *query, col string) {
		if !f.From.IsZero() {
			q.where(col+" >= ?", f.From.UTC())
		}
		if !f.To.IsZero() {
			q.where(col+" < ?", f.To.UTC())
		}
	}
	base := ` FROM consortia c JOIN organizations o ON o.id = c.lead_org_id`

	byCountry := map[string]int{}
	q := newQuery(`SELECT o.country, COUNT(*)` + base + ` WHERE 1 = 1`)
	scope(q)
	inRange(q, "c.created_at")
	if err := db.kpiCounts(ctx, byCountry, q, " GROUP BY o.country"); err != nil {
		return out, err
	}
	for _, n := range byCountry {
		out.Created += n
	}
	out.ByLeadCountry = sortedCounts(byCountry)

	joined := map[string]int{}
	q = newQuery(`SELECT m.role, COUNT(*)` + base + ` JOIN consortium_members m ON m.consortium_id = c.id WHERE m.status = 'active' AND m.role <> 'lead'`)
	scope(q)
	inRange(q, "m.joined_at")
	if err := db.kpiCounts(ctx, joined, q, " GROUP BY m.role"); err != nil {
		return out, err
	}
	for _, n := range joined {
		out.MembersJoined += n
	}

	tasks := map[string]int{}
	q = newQuery(`SELECT t.status, COUNT(*)` + base + ` JOIN consortium_tasks t ON t.consortium_id = c.id WHERE 1 = 1`)
	scope(q)
	inRange(q, "t.created_at")
	if err := db.kpiCounts(ctx, tasks, q, " GROUP BY t.status"); err != nil {
		return out, err
	}
	out.TasksByStatus = []kakehashi.KPICount{}
	for _, s := range kakehashi.TaskStatuses {
		out.TasksByStatus = append(out.TasksByStatus, kakehashi.KPICount{Key: string(s), Count: tasks[string(s)]})
	}
	return out, nil
}

// consortiumFactBook fills the consortium figures of organization orgID's
// fact book: the consortia viewer may see that it leads or is another
// active member of, and its tasks in them by status.
func (db *DB) consortiumFactBook(ctx context.Context, fb *kakehashi.FactBook, orgID int64, viewer *kakehashi.User) error {
	roles := map[string]int{}
	q := newQuery(`SELECT m.role, COUNT(*) FROM consortium_members m JOIN consortia c ON c.id = m.consortium_id
		WHERE m.org_id = $1 AND m.status = 'active'`, orgID)
	visibleConsortia(q, viewer)
	if err := db.kpiCounts(ctx, roles, q, " GROUP BY m.role"); err != nil {
		return err
	}
	fb.ConsortiaLed = roles[string(kakehashi.MemberLead)]
	fb.ConsortiaJoined = roles[string(kakehashi.MemberMember)] + roles[string(kakehashi.MemberObserver)]
	tasks := map[string]int{}
	q = newQuery(`SELECT t.status, COUNT(*) FROM consortium_tasks t JOIN consortia c ON c.id = t.consortium_id WHERE t.owner_org_id = $1`, orgID)
	visibleConsortia(q, viewer)
	if err := db.kpiCounts(ctx, tasks, q, " GROUP BY t.status"); err != nil {
		return err
	}
	if len(tasks) == 0 {
		return nil // no tasks: the list stays out of the fact book
	}
	fb.ConsortiumTasks = []kakehashi.KPICount{}
	for _, s := range kakehashi.TaskStatuses {
		fb.ConsortiumTasks = append(fb.ConsortiumTasks, kakehashi.KPICount{Key: string(s), Count: tasks[string(s)]})
	}
	return nil
}

// visibleConsortia keeps the consortia (alias c) viewer may see: public
// ones, those of the viewer's organization, and all for staff.
func visibleConsortia(q *query, viewer *kakehashi.User) {
	switch {
	case viewer.IsStaff():
	case viewer != nil && viewer.OrgID != 0:
		q.where(`(c.public OR EXISTS (SELECT 1 FROM consortium_members v WHERE v.consortium_id = c.id AND v.org_id = ? AND v.status = 'active'))`, viewer.OrgID)
	default:
		q.where("c.public")
	}
}

// ConsortiumKPIs is the consortium activity of the KPI dashboard on its
// own, for callers (and tests) that need only that part of KPIs.
func (db *DB) ConsortiumKPIs(ctx context.Context, f kakehashi.KPIFilter) (kakehashi.ConsortiumKPIs, error) {
	return db.consortiumKPIs(ctx, f)
}
