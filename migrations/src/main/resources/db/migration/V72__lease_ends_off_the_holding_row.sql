-- Lease ends no longer queue on the partner's holding row (decision 82). Every lease that opened or ended updated the
-- partner's one row last in its transaction and held it to the commit, so a partner's creates, commits, releases and
-- lapses passed one at a time. Now the holding row counts what was taken (only creates raise it, within the limits,
-- under its lock); ends add what they give back to one of 16 return stripes of the partner, picked at random, which no
-- create waits for. What a partner holds is taken minus the sum of its stripes: a create checks the limits against the
-- returns committed when its statement began, never more than were, so the limits hold exactly as before.
ALTER TABLE partner_lease_holding RENAME COLUMN units_held TO units_taken;
ALTER TABLE partner_lease_holding RENAME COLUMN open_leases TO leases_taken;
-- Counts that only grow: a partner's leases over the years pass an int.
ALTER TABLE partner_lease_holding ALTER COLUMN leases_taken TYPE bigint;

CREATE TABLE partner_lease_return (
    partner_id        uuid        NOT NULL,
    stripe            smallint    NOT NULL CHECK (stripe BETWEEN 0 AND 15),
    units_returned    bigint      NOT NULL CHECK (units_returned >= 0),
    leases_returned   bigint      NOT NULL CHECK (leases_returned >= 0),
    PRIMARY KEY (partner_id, stripe)
);
