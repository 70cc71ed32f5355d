-- vinbind server schema, version 27 (PostgreSQL only): history's optional columns indexed only where they are set.
--
-- A history row names a previous IMSI, VIN or terminal only when something changed hands (a rebind, a
-- replacement), and a login's row names no VIN at all; yet a B-tree indexes NULLs too, so every row cost seven
-- index insertions, most of them NULL entries no lookup reads (a lookup is "imsi = ? OR previous_imsi = ?" and
-- the like). Partial indexes skip them: a bind's row now costs four insertions, a login's three. A lookup
-- `previous_imsi = ?` still uses its index: an equality is strict, so it implies IS NOT NULL (PostgreSQL manual,
-- "Partial Indexes"). H2 has no partial indexes and keeps the full ones. On a database with a long history the
-- six indexes are rebuilt over the whole table at the first start of this version, before the server serves.
DROP INDEX history_imsi;
CREATE INDEX history_imsi ON history (imsi) WHERE imsi IS NOT NULL;
DROP INDEX history_vin;
CREATE INDEX history_vin ON history (vin) WHERE vin IS NOT NULL;
DROP INDEX history_previous_imsi;
CREATE INDEX history_previous_imsi ON history (previous_imsi) WHERE previous_imsi IS NOT NULL;
DROP INDEX history_previous_vin;
CREATE INDEX history_previous_vin ON history (previous_vin) WHERE previous_vin IS NOT NULL;
DROP INDEX history_previous_terminal;
CREATE INDEX history_previous_terminal ON history (previous_terminal_id) WHERE previous_terminal_id IS NOT NULL;
DROP INDEX history_terminal;
CREATE INDEX history_terminal ON history (terminal_id) WHERE terminal_id IS NOT NULL;
