/**
 * One schema for PGlite and PostgreSQL, applied on every start (idempotent DDL under an
 * advisory lock, so several services starting at once do not race).
 *
 * Ordering of $all: `rl_append` takes the single row of rl_log_head FOR UPDATE before it assigns
 * positions, and holds it until its transaction commits. Appends therefore commit in position
 * order and positions have no holes, so a reader that saw position P has already seen every
 * position below P: a catch-up subscriber can never skip an event that commits late.
 */
export const MIGRATION_LOCK_KEY = 7_310_442_001;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS rl_log_head (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  position bigint NOT NULL
);
INSERT INTO rl_log_head (id, position) VALUES (true, -1) ON CONFLICT (id) DO NOTHING;

CREATE TABLE IF NOT EXISTS rl_events (
  position bigint PRIMARY KEY,
  id uuid NOT NULL UNIQUE,
  stream text NOT NULL,
  revision bigint NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL,
  recorded_at timestamptz NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  UNIQUE (stream, revision)
);

-- A cache beside the log, never evidence (libs/event-store/src/stream-states.ts): a stream's state
-- as one decider's code folded it, so a cold start reads only the events after it.
CREATE TABLE IF NOT EXISTS rl_snapshots (
  stream text NOT NULL,
  key text NOT NULL,
  revision bigint NOT NULL,
  position bigint NOT NULL,
  state jsonb NOT NULL,
  saved_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (stream, key)
);

CREATE TABLE IF NOT EXISTS rl_checkpoints (
  name text PRIMARY KEY,
  position bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Appends p_events (a JSON array of rows whose revision, prev_hash and hash the caller computed
-- from the stream head it assumed) in one statement, so one round trip per append.
-- Outcomes: appended | wrong_expected_version | stale_head (the caller's assumed head is old: it
-- recomputes the hashes from actual_revision/actual_hash and calls again). A retry of an append
-- that already happened either fails the expectation or the unique event id; the caller then
-- asks rl_find_append whether the same ids are in the stream.
CREATE OR REPLACE FUNCTION rl_append(p_stream text, p_expected text, p_events jsonb)
RETURNS TABLE (outcome text, actual_revision bigint, actual_hash text, last_position bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_count int := jsonb_array_length(p_events);
  v_head bigint;
  v_current bigint := -1;
  v_current_hash text;
BEGIN
  -- Takes the log lock (held to commit) and reserves the positions in one statement.
  UPDATE rl_log_head SET position = position + v_count WHERE id RETURNING position - v_count INTO v_head;

  SELECT e.revision, e.hash INTO v_current, v_current_hash
    FROM rl_events e WHERE e.stream = p_stream ORDER BY e.revision DESC LIMIT 1;
  IF NOT FOUND THEN
    v_current := -1;
  END IF;

  IF (p_expected = 'no_stream' AND v_current <> -1)
     OR (p_expected = 'stream_exists' AND v_current = -1)
     OR (p_expected NOT IN ('any', 'no_stream', 'stream_exists') AND p_expected::bigint <> v_current) THEN
    UPDATE rl_log_head SET position = v_head WHERE id;
    RETURN QUERY SELECT 'wrong_expected_version'::text, v_current, v_current_hash, NULL::bigint;
    RETURN;
  END IF;

  IF (p_events->0->>'revision')::bigint <> v_current + 1
     OR (p_events->0->>'prev_hash') IS DISTINCT FROM coalesce(v_current_hash, repeat('0', 64)) THEN
    UPDATE rl_log_head SET position = v_head WHERE id;
    RETURN QUERY SELECT 'stale_head'::text, v_current, v_current_hash, NULL::bigint;
    RETURN;
  END IF;

  INSERT INTO rl_events (position, id, stream, revision, type, data, metadata, recorded_at, prev_hash, hash)
  SELECT v_head + x.ord, (x.ev->>'id')::uuid, p_stream, (x.ev->>'revision')::bigint, x.ev->>'type',
         x.ev->'data', x.ev->'metadata', (x.ev->>'recorded_at')::timestamptz, x.ev->>'prev_hash', x.ev->>'hash'
    FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(ev, ord);

  -- Delivered at commit: subscribers in other processes wake at once instead of at their next poll.
  -- rl.notify = off where no other process can read the log (PGlite): the queue write is then waste.
  IF current_setting('rl.notify', true) IS DISTINCT FROM 'off' THEN
    PERFORM pg_notify('rl_appended', (v_head + v_count)::text);
  END IF;

  RETURN QUERY SELECT 'appended'::text, v_current + v_count, p_events->(v_count - 1)->>'hash', v_head + v_count;
END
$fn$;

-- Group commit: several appends (each {stream, expected, events} as rl_append takes them) under
-- one log lock and one transaction, so one WAL flush serves them all. One outcome row per append,
-- in order (idx from 1); a later append to the same stream sees the earlier ones.
CREATE OR REPLACE FUNCTION rl_append_many(p_appends jsonb)
RETURNS TABLE (idx int, outcome text, actual_revision bigint, actual_hash text, last_position bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_start bigint;
  v_next bigint;
  v_item jsonb;
  v_idx int;
  v_stream text;
  v_expected text;
  v_events jsonb;
  v_count int;
  v_current bigint;
  v_current_hash text;
BEGIN
  SELECT h.position INTO v_start FROM rl_log_head h WHERE h.id FOR UPDATE;
  v_next := v_start;
  FOR v_item, v_idx IN SELECT x.item, x.ord FROM jsonb_array_elements(p_appends) WITH ORDINALITY AS x(item, ord) LOOP
    v_stream := v_item->>'stream';
    v_expected := v_item->>'expected';
    v_events := v_item->'events';
    v_count := jsonb_array_length(v_events);
    SELECT e.revision, e.hash INTO v_current, v_current_hash
      FROM rl_events e WHERE e.stream = v_stream ORDER BY e.revision DESC LIMIT 1;
    IF NOT FOUND THEN
      v_current := -1;
      v_current_hash := NULL;
    END IF;
    IF (v_expected = 'no_stream' AND v_current <> -1)
       OR (v_expected = 'stream_exists' AND v_current = -1)
       OR (v_expected NOT IN ('any', 'no_stream', 'stream_exists') AND v_expected::bigint <> v_current) THEN
      RETURN QUERY SELECT v_idx, 'wrong_expected_version'::text, v_current, v_current_hash, NULL::bigint;
    ELSIF (v_events->0->>'revision')::bigint <> v_current + 1
       OR (v_events->0->>'prev_hash') IS DISTINCT FROM coalesce(v_current_hash, repeat('0', 64)) THEN
      RETURN QUERY SELECT v_idx, 'stale_head'::text, v_current, v_current_hash, NULL::bigint;
    ELSE
      INSERT INTO rl_events (position, id, stream, revision, type, data, metadata, recorded_at, prev_hash, hash)
      SELECT v_next + x.ord, (x.ev->>'id')::uuid, v_stream, (x.ev->>'revision')::bigint, x.ev->>'type',
             x.ev->'data', x.ev->'metadata', (x.ev->>'recorded_at')::timestamptz, x.ev->>'prev_hash', x.ev->>'hash'
        FROM jsonb_array_elements(v_events) WITH ORDINALITY AS x(ev, ord);
      v_next := v_next + v_count;
      RETURN QUERY SELECT v_idx, 'appended'::text, v_current + v_count, v_events->(v_count - 1)->>'hash', v_next;
    END IF;
  END LOOP;
  IF v_next > v_start THEN
    UPDATE rl_log_head SET position = v_next WHERE id;
    IF current_setting('rl.notify', true) IS DISTINCT FROM 'off' THEN
      PERFORM pg_notify('rl_appended', v_next::text);
    END IF;
  END IF;
END
$fn$;

-- Whether p_ids already stand in p_stream, in order, at consecutive revisions (an append being
-- retried): their first and last revision and the last position, or no row.
CREATE OR REPLACE FUNCTION rl_find_append(p_stream text, p_ids uuid[])
RETURNS TABLE (first_revision bigint, last_revision bigint, last_position bigint)
LANGUAGE sql STABLE AS $fn$
  WITH found AS (
    SELECT e.revision, e.position, i.ord
      FROM rl_events e JOIN unnest(p_ids) WITH ORDINALITY AS i(id, ord) ON e.id = i.id
     WHERE e.stream = p_stream)
  SELECT min(revision), max(revision), max(position) FROM found
  HAVING count(*) = cardinality(p_ids) AND count(DISTINCT revision - ord) = 1
$fn$;
`;
