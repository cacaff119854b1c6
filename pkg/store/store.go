package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// ErrSchemaTooNew is returned by Open for a database written by a newer version of the plugin.
var ErrSchemaTooNew = errors.New("database schema is newer than this plugin supports")

// Options tune Open. The zero value is a sensible default.
type Options struct {
	// BusyTimeout is how long a statement waits for a lock held by another
	// connection (another process, or a reader during a checkpoint) before
	// failing with "database is locked". 0 means 5s.
	BusyTimeout time.Duration
	// ReadConns is the size of the read-only connection pool. 0 means 4.
	ReadConns int
}

// Store keeps captures in one SQLite file.
//
// It holds two pools on the same file. SQLite allows one writer at a time no
// matter how many connections try, so writes go through a pool of exactly one
// connection: concurrent writers queue inside database/sql (honouring their
// contexts) instead of spinning on SQLITE_BUSY, and no transaction can fail
// with "database is locked" because another of our own connections holds the
// write lock. Reads use a separate pool of read-only connections: in WAL mode
// readers never block the writer nor wait for it, so lists and detail views
// stay fast while a large capture or a prune is being written.
type Store struct {
	path  string
	write *sql.DB // exactly one connection
	read  *sql.DB // query_only connections
}

// Open opens (creating it and its directory if needed) the database at path and
// brings its schema up to date.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("open store: empty database path")
	}
	if strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") || path == ":memory:" {
		// The driver splits the DSN at '?', and two pools on ":memory:" would be two databases.
		return nil, fmt.Errorf("open store: unsupported database path %q: use a plain file path without '?' or '#'", path)
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 5 * time.Second
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = 4
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("open store: create directory %s: %w", dir, err)
		}
	}

	busy := strconv.FormatInt(opts.BusyTimeout.Milliseconds(), 10)
	// Pragmas go in the DSN so that every connection the pools open gets them,
	// not only the first one. auto_vacuum must be in place before the first
	// table is created (the driver applies it before journal_mode); on an
	// existing file it is a no-op. _txlock=immediate makes BEGIN take the write
	// lock up front, so a transaction never fails mid-way upgrading a read lock
	// when another process holds the write lock: it waits busy_timeout at BEGIN.
	writeQ := url.Values{}
	writeQ.Set("_busy_timeout", busy)
	writeQ.Set("_auto_vacuum", "INCREMENTAL")
	writeQ.Set("_journal_mode", "WAL")
	writeQ.Set("_synchronous", "NORMAL")
	writeQ.Set("_foreign_keys", "1")
	writeQ.Set("_txlock", "immediate")
	write, err := sql.Open("sqlite", path+"?"+writeQ.Encode())
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)

	s := &Store{path: path, write: write}
	if err := s.migrate(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("open store %s: %w", path, err), write.Close())
	}

	readQ := url.Values{}
	readQ.Set("_busy_timeout", busy)
	readQ.Set("_foreign_keys", "1")
	readQ.Set("_query_only", "1")
	read, err := sql.Open("sqlite", path+"?"+readQ.Encode())
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open store %s: %w", path, err), write.Close())
	}
	read.SetMaxOpenConns(opts.ReadConns)
	read.SetMaxIdleConns(opts.ReadConns)
	if err := read.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("open store %s: read pool: %w", path, err), read.Close(), write.Close())
	}
	s.read = read
	return s, nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close closes both pools. A final checkpoint folds the WAL back into the file.
func (s *Store) Close() error {
	rerr := s.read.Close()
	werr := s.write.Close()
	if err := errors.Join(rerr, werr); err != nil {
		return fmt.Errorf("close store %s: %w", s.path, err)
	}
	return nil
}

// migrations are applied in order; migrations()[i] brings the schema to
// version i+1 (PRAGMA user_version). Never edit a released migration: append a
// new one and raise SchemaVersion.
func migrations() []string {
	return []string{schemaV1, schemaV2, schemaV3, schemaV4, schemaV5}
}

// SchemaVersion is the schema version this package writes: len(migrations()).
const SchemaVersion = 5

// schemaV5 lets a capture's top function be a heap answer: what fills the heap of a memory
// capture (a JVM's top class, a Go function's in-use bytes), in bytes where a CPU answer has
// its share. A row with top_function_bytes set is a heap answer; captures from before it
// hold CPU answers only, which is what they were.
const schemaV5 = `
ALTER TABLE captures ADD COLUMN top_function_bytes INTEGER; -- heap answer: bytes in use; NULL for a CPU answer
`

// schemaV3 gives captures kinds of evidence besides the JVM threads (see pkg/evidence): one
// evidence row per piece, and on the capture what lists show of them without reading a
// piece: the focus the alert asked for, the kinds it holds and its hottest Go function.
// Captures from before it were all CPU captures of JVM threads: their focus reads "cpu" and
// those with a thread list jvm-threads as their kind.
const schemaV3 = `
ALTER TABLE captures ADD COLUMN focus          TEXT NOT NULL DEFAULT 'cpu'; -- evidence.Focus the capture took
ALTER TABLE captures ADD COLUMN evidence_kinds TEXT NOT NULL DEFAULT '';    -- comma list of the kinds it holds, for lists
ALTER TABLE captures ADD COLUMN top_function           TEXT; -- hottest Go function (go-cpu), like top_thread_*
ALTER TABLE captures ADD COLUMN top_function_container TEXT;
ALTER TABLE captures ADD COLUMN top_function_share     REAL; -- flat CPU share of the window, 1 = one core
ALTER TABLE captures ADD COLUMN evidence_count INTEGER NOT NULL DEFAULT 0; -- rows in evidence: Get skips the read when 0
UPDATE captures SET evidence_kinds = 'jvm-threads' WHERE top_thread_name IS NOT NULL;
CREATE TABLE evidence (
	id              INTEGER PRIMARY KEY AUTOINCREMENT, -- served in raw URLs: never reused
	capture_id      INTEGER NOT NULL REFERENCES captures (id) ON DELETE CASCADE,
	seq             INTEGER NOT NULL,           -- position among the capture's pieces
	kind            TEXT    NOT NULL,
	container       TEXT    NOT NULL DEFAULT '',
	source          TEXT    NOT NULL DEFAULT '',
	path            TEXT    NOT NULL DEFAULT '',
	started_at      INTEGER,                    -- unix ms
	took_ms         INTEGER NOT NULL DEFAULT 0,
	truncated       INTEGER NOT NULL DEFAULT 0,
	failure_reason  TEXT,                       -- NULL: taken
	failure_message TEXT,
	summary         TEXT,                       -- the kind's summary JSON
	raw             BLOB,                       -- NULL: no raw evidence kept
	raw_gz          INTEGER NOT NULL DEFAULT 0, -- 1: raw is gzipped here and inflated on read
	raw_name        TEXT    NOT NULL DEFAULT '',
	raw_type        TEXT    NOT NULL DEFAULT '',
	raw_bytes       INTEGER NOT NULL DEFAULT 0  -- length of the raw evidence as downloaded
);
CREATE INDEX evidence_capture ON evidence (capture_id, seq);
`

// schemaV2 keeps organisations apart and captures from getting stuck. Rows written before it
// belong to org 1 (Grafana's Main Org, the only org of most installs); they have no owner and
// no deadline, so the first start after the upgrade treats any left queued or running as
// orphans of a dead process.
const schemaV2 = `
ALTER TABLE captures ADD COLUMN org_id      INTEGER NOT NULL DEFAULT 1; -- Grafana org the capture belongs to
ALTER TABLE captures ADD COLUMN cluster     TEXT    NOT NULL DEFAULT ''; -- server-configured cluster name
ALTER TABLE captures ADD COLUMN owner       TEXT    NOT NULL DEFAULT ''; -- process that runs it (host/pid/start)
ALTER TABLE captures ADD COLUMN deadline_at INTEGER;                     -- unix ms: queued/running past it is stuck
CREATE INDEX captures_org ON captures (org_id, created_at);
CREATE INDEX captures_org_status ON captures (org_id, status, created_at);
`

// schemaV1 is the initial schema.
const schemaV1 = `
CREATE TABLE captures (
	id              INTEGER PRIMARY KEY AUTOINCREMENT, -- never reuse ids of pruned captures: links stay unambiguous
	status          TEXT    NOT NULL CHECK (status IN ('queued','running','done','failed','skipped')),
	trigger         TEXT    NOT NULL,
	requested_by    TEXT    NOT NULL DEFAULT '',
	namespace       TEXT    NOT NULL,
	pod             TEXT    NOT NULL,
	container       TEXT    NOT NULL DEFAULT '',
	node            TEXT    NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,  -- unix ms UTC, like every time column
	started_at      INTEGER,           -- NULL while not started
	finished_at     INTEGER,
	next_allowed_at INTEGER,
	error           TEXT    NOT NULL DEFAULT '',
	truncated       INTEGER NOT NULL DEFAULT 0,
	window_ms       INTEGER NOT NULL DEFAULT 0,
	process_count   INTEGER NOT NULL DEFAULT 0,
	top_thread_name TEXT,              -- busiest thread, denormalized so lists never decode processes
	top_thread_nid  INTEGER,
	top_thread_cpu  REAL,
	blob_bytes      INTEGER NOT NULL DEFAULT 0, -- compressed processes + raw dumps, for Prune's batch sizing
	alertname       TEXT    NOT NULL DEFAULT '',
	rule_uid        TEXT    NOT NULL DEFAULT '',
	fingerprint     TEXT    NOT NULL DEFAULT '',
	dashboard_uid   TEXT    NOT NULL DEFAULT '',
	panel_id        INTEGER NOT NULL DEFAULT 0,
	alert_json      TEXT               -- the whole alert; NULL for manual captures
);
-- Every index ends, implicitly, with the rowid (id): an equality on the leading
-- columns followed by ORDER BY created_at DESC, id DESC walks the index backwards
-- with no sort, and the keyset condition (created_at, id) < (?, ?) is a range on it.
CREATE INDEX captures_created     ON captures (created_at);
CREATE INDEX captures_namespace   ON captures (namespace, created_at);
CREATE INDEX captures_pod         ON captures (pod, created_at);
CREATE INDEX captures_container   ON captures (container, created_at);
CREATE INDEX captures_node        ON captures (node, created_at);
CREATE INDEX captures_status      ON captures (status, created_at);
CREATE INDEX captures_panel       ON captures (dashboard_uid, panel_id, created_at);
CREATE INDEX captures_target      ON captures (namespace, pod, container, created_at);

-- Blobs live outside captures so that list scans touch only small rows.
CREATE TABLE capture_processes (
	capture_id    INTEGER PRIMARY KEY REFERENCES captures (id) ON DELETE CASCADE,
	processes_gz  BLOB    NOT NULL   -- gzip of the JSON of []jvm.Process
);
CREATE TABLE raw_dumps (
	capture_id  INTEGER NOT NULL REFERENCES captures (id) ON DELETE CASCADE,
	seq         INTEGER NOT NULL,    -- position of the process in the capture
	pid         INTEGER NOT NULL,
	container   TEXT    NOT NULL DEFAULT '',
	raw_bytes   INTEGER NOT NULL,    -- length of the uncompressed text
	text_gz     BLOB    NOT NULL,
	PRIMARY KEY (capture_id, seq)
);
CREATE TABLE health_probe (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	at  INTEGER NOT NULL
);
`

// migrate applies the missing migrations, each in its own transaction together
// with the user_version bump, so a crash leaves the schema at a whole version.
func (s *Store) migrate(ctx context.Context) error {
	for {
		done, err := s.migrateOne(ctx)
		if err != nil {
			return err
		}
		if done {
			break
		}
	}
	return nil
}

// migrateOne applies the next missing migration. It re-reads the version inside
// the (immediate, hence exclusive) transaction so two processes opening the same
// file at once cannot both apply it.
func (s *Store) migrateOne(ctx context.Context) (done bool, err error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin migration: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return false, fmt.Errorf("read schema version: %w", err)
	}
	switch {
	case version > SchemaVersion:
		return false, fmt.Errorf("%w: file has version %d, this plugin knows up to %d; upgrade the plugin or point it at another database file",
			ErrSchemaTooNew, version, SchemaVersion)
	case version == SchemaVersion:
		return true, nil
	}
	all := migrations()
	if len(all) != SchemaVersion {
		return false, fmt.Errorf("internal error: %d migrations for schema version %d", len(all), SchemaVersion)
	}
	if _, err := tx.ExecContext(ctx, all[version]); err != nil {
		return false, fmt.Errorf("apply migration %d: %w", version+1, err)
	}
	// PRAGMA does not take bind parameters; the value is our own integer.
	if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(version+1)); err != nil {
		return false, fmt.Errorf("set schema version %d: %w", version+1, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit migration %d: %w", version+1, err)
	}
	return false, nil
}
