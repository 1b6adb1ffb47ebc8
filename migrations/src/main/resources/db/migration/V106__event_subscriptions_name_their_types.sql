-- A subscriber's cursor moves only when an event of its types is settled past it (decision 124): polls with none
-- pending no longer lock and move it past other types' events. "Caught up" is then "no settled event of its types
-- past its cursor", which needs its types: each node writes its subscribers' types when it subscribes them, so the
-- poll's cheap read and anyone reading the database (tests, an operator) ask the same question of the same row.
ALTER TABLE event_subscription ADD COLUMN types text[] NOT NULL DEFAULT '{}';
