-- vinbind server schema, version 26 (PostgreSQL only): heartbeats update presence rows in place.
--
-- Every heartbeat moves presence.last_seen. An index on last_seen makes each such update a new row version with
-- a new entry in every index of the table (PostgreSQL can make a heap-only tuple, HOT, only when no indexed
-- column changes and the page has room: PostgreSQL manual, "Heap-Only Tuples"). At 100,000 terminals every 60 s
-- that is 1,700 index insertions a second, and index bloat the sweeper then reads through. Without it the
-- sweeper and the "online now" list read the table sequentially and sort the few rows they keep (a 100,000-row
-- scan every sweep period, at most 30 s), and a heartbeat's update touches one heap page only. H2 keeps the index:
-- it has no HOT updates to gain.
DROP INDEX presence_online_seen;

-- Room on every page for the next versions of its rows, so that the updates stay HOT (the manual's advice for
-- heavily updated tables). The counts per window are updated the same way, a row per terminal per window.
ALTER TABLE presence SET (fillfactor = 70);
ALTER TABLE presence_window SET (fillfactor = 80);
