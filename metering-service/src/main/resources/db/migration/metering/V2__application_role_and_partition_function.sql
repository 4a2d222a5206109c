-- The service connects as its application role, which may read and write rows but owns nothing: only the owner
-- role that runs these migrations can alter or drop a table, a constraint or a trigger, so the triggers that keep
-- history immutable cannot be disabled by the application. ${app_role} is the datasource user (the same role where a
-- deployment has only one, and then this grants nothing new).
GRANT USAGE ON SCHEMA public TO "${app_role}";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "${app_role}";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "${app_role}";
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "${app_role}";
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "${app_role}";

-- Monthly partitions of usage_event are made as events for a new month arrive. The application may not create tables,
-- so it asks this function, which runs as the owner (SECURITY DEFINER): the partition is the owner's, like its parent,
-- and inherits the parent's append-only trigger. Concurrent consumers take turns on an advisory lock; IF NOT EXISTS
-- makes the loser a no-op.
CREATE FUNCTION create_usage_event_partition(month_start date) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF month_start <> date_trunc('month', month_start)::date THEN
        RAISE EXCEPTION 'not the first day of a month: %', month_start;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('usage_event_partitions'));
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF usage_event FOR VALUES FROM (%L) TO (%L)',
                   'usage_event_y' || to_char(month_start, 'YYYY') || 'm' || to_char(month_start, 'MM'),
                   month_start::text || ' 00:00:00+00', (month_start + interval '1 month')::date::text || ' 00:00:00+00');
END $$;
REVOKE ALL ON FUNCTION create_usage_event_partition(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION create_usage_event_partition(date) TO "${app_role}";
