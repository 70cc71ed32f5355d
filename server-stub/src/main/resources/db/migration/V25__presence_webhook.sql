-- vinbind server schema: online/offline events delivered to a back end's webhook (issue 15 item 2). Portable SQL:
-- H2 (2.x) and PostgreSQL (12+).

-- When an event was taken by the webhook (its 2xx answer); NULL: not yet. Delivery looks for NULLs, not past a
-- cursor: an event whose transaction commits after a later one's is still found.
ALTER TABLE presence_event ADD COLUMN delivered_at TIMESTAMP WITH TIME ZONE;
CREATE INDEX presence_event_undelivered ON presence_event (delivered_at, id);

-- Who delivers: one instance at a time holds the lease (a conditional update, as provisioning jobs' leases), so
-- that events go out in order and once while that instance lives.
CREATE TABLE delivery_lease (
    name        VARCHAR(64)  PRIMARY KEY,
    lease_owner VARCHAR(128),
    lease_until TIMESTAMP WITH TIME ZONE
);
INSERT INTO delivery_lease (name) VALUES ('presence-webhook');
