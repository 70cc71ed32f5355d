-- vinbind server schema: confirmation codes (SGP.22 §3.1.2) for orders on platforms that ask for them (issue 14
-- part 4). The server places the order and runs the LPA, so it makes the code itself at confirmOrder; it keeps only
-- SHA-256 of the code (hex), which is what the LPA's Hashed Confirmation Code is computed from (§3.1.3.2). NULL: the
-- order carries no code. Portable SQL: H2 (2.x) and PostgreSQL (12+).
ALTER TABLE operator_order ADD COLUMN cc_hash VARCHAR(64);

-- A profile switch withdrawn because its provisioning ended before the profile reached the card (a failed or
-- cancelled job): closed (completed_at set, so a login with that IMSI is no longer PROFILE_SWITCHED) and marked as
-- withdrawn rather than done.
ALTER TABLE profile_switch ADD COLUMN withdrawn_at TIMESTAMP WITH TIME ZONE;
