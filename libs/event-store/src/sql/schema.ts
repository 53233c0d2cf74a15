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

CREATE TABLE IF NOT EXISTS rl_streams (
  stream text PRIMARY KEY,
  revision bigint NOT NULL,
  hash text NOT NULL
);

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
CREATE INDEX IF NOT EXISTS rl_events_type_position ON rl_events (type, position);

CREATE TABLE IF NOT EXISTS rl_checkpoints (
  name text PRIMARY KEY,
  position bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Appends p_events (a JSON array of rows whose revision, prev_hash and hash the caller computed
-- from the stream head it assumed) in one statement, so one round trip per append.
-- Outcomes: appended | idempotent | wrong_expected_version | stale_head (the caller's assumed
-- head is old: it recomputes the hashes from actual_revision/actual_hash and calls again).
CREATE OR REPLACE FUNCTION rl_append(p_stream text, p_expected text, p_events jsonb)
RETURNS TABLE (outcome text, actual_revision bigint, actual_hash text, last_position bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_head bigint;
  v_current bigint;
  v_current_hash text;
  v_count int := jsonb_array_length(p_events);
  v_first_revision bigint;
  v_matching int;
BEGIN
  SELECT h.position INTO v_head FROM rl_log_head h WHERE h.id FOR UPDATE;

  SELECT s.revision, s.hash INTO v_current, v_current_hash FROM rl_streams s WHERE s.stream = p_stream;
  IF NOT FOUND THEN
    v_current := -1;
    v_current_hash := NULL;
  END IF;

  -- A retry of an append that already happened: same ids, in order, from the same revision.
  SELECT e.revision INTO v_first_revision FROM rl_events e
   WHERE e.id = (p_events->0->>'id')::uuid AND e.stream = p_stream;
  IF FOUND THEN
    SELECT count(*) INTO v_matching
      FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(ev, ord)
      JOIN rl_events e ON e.id = (x.ev->>'id')::uuid
     WHERE e.stream = p_stream AND e.revision = v_first_revision + x.ord - 1;
    IF v_matching = v_count AND (
         p_expected IN ('any', 'stream_exists')
         OR (p_expected = 'no_stream' AND v_first_revision = 0)
         OR p_expected = (v_first_revision - 1)::text) THEN
      RETURN QUERY SELECT 'idempotent'::text, v_first_revision + v_count - 1, NULL::text,
        (SELECT e.position FROM rl_events e WHERE e.stream = p_stream AND e.revision = v_first_revision + v_count - 1);
      RETURN;
    END IF;
  END IF;

  IF (p_expected = 'no_stream' AND v_current <> -1)
     OR (p_expected = 'stream_exists' AND v_current = -1)
     OR (p_expected NOT IN ('any', 'no_stream', 'stream_exists') AND p_expected::bigint <> v_current) THEN
    RETURN QUERY SELECT 'wrong_expected_version'::text, v_current, v_current_hash, NULL::bigint;
    RETURN;
  END IF;

  IF (p_events->0->>'revision')::bigint <> v_current + 1
     OR (p_events->0->>'prev_hash') IS DISTINCT FROM coalesce(v_current_hash, repeat('0', 64)) THEN
    RETURN QUERY SELECT 'stale_head'::text, v_current, v_current_hash, NULL::bigint;
    RETURN;
  END IF;

  INSERT INTO rl_events (position, id, stream, revision, type, data, metadata, recorded_at, prev_hash, hash)
  SELECT v_head + x.ord, (x.ev->>'id')::uuid, p_stream, (x.ev->>'revision')::bigint, x.ev->>'type',
         x.ev->'data', x.ev->'metadata', (x.ev->>'recorded_at')::timestamptz, x.ev->>'prev_hash', x.ev->>'hash'
    FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(ev, ord);

  UPDATE rl_log_head SET position = v_head + v_count WHERE id;

  INSERT INTO rl_streams (stream, revision, hash)
  VALUES (p_stream, v_current + v_count, p_events->(v_count - 1)->>'hash')
  ON CONFLICT (stream) DO UPDATE SET revision = EXCLUDED.revision, hash = EXCLUDED.hash;

  RETURN QUERY SELECT 'appended'::text, v_current + v_count, p_events->(v_count - 1)->>'hash', v_head + v_count;
END
$fn$;
`;
