-- history is append-only: the database refuses UPDATE and DELETE, whatever the application does.
CREATE TRIGGER history_append_only BEFORE UPDATE, DELETE ON history
    FOR EACH ROW CALL 'io.vinbind.server.store.AppendOnlyTrigger';
