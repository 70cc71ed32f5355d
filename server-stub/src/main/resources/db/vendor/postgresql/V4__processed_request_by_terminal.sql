-- A stored answer is found by the terminal that asked as well: a terminal replaying another's requestId
-- gets nothing of the other's answer.
ALTER TABLE processed_request DROP CONSTRAINT processed_request_pkey;
ALTER TABLE processed_request ADD PRIMARY KEY (terminal_id, imsi, request_id, kind);
