-- Index entries every write paid for and nothing reads (decision 109). Every POST/PUT/PATCH/DELETE writes an audit
-- line and every order change an event; the server only inserts audit lines and reads events by position (the
-- subscribers, partial indexes of V88) or by idempotency id and event id (unique, kept).
-- audit_event: two B-trees (time; client and time) that no code queries. One BRIN on time keeps an operator's
-- "what happened between" cheap: lines arrive in time order, so a block range's summary is tight, and a BRIN costs an
-- insert nearly nothing (new ranges are summarised later, by VACUUM).
DROP INDEX audit_event_time_idx;
DROP INDEX audit_event_client_idx;
CREATE INDEX audit_event_time_brin ON audit_event USING brin (occurred_at);
-- domain_event: events by order are read by nothing in the server (tests count them on small databases).
DROP INDEX domain_event_order_idx;
