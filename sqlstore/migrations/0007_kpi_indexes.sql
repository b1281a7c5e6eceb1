-- Indexes for the KPI dashboard and the fact book: date-range scans of
-- listings, interests and stage changes, and an organization's
-- introductions on either side.

CREATE INDEX listings_created ON listings (created_at);
CREATE INDEX introductions_created ON introductions (created_at);
CREATE INDEX introductions_owner_stage ON introductions (owner_org_id, stage);
CREATE INDEX introductions_requester_org ON introductions (requester_org_id, stage);
CREATE INDEX stage_events_to_stage ON stage_events (to_stage, at);
