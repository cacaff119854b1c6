package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrBadCursor is returned by List for a cursor it did not produce.
var ErrBadCursor = errors.New("malformed cursor")

// ErrBadFilter is returned by List for a filter that cannot be applied.
var ErrBadFilter = errors.New("bad filter")

// Page sizes of List.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// cursorVersion prefixes cursors so their format can change without old ones
// being misread.
const cursorVersion = "1"

// encodeCursor makes the opaque cursor for the position after the row
// (createdMs, id): base64url of "1.<created ms>.<id>".
func encodeCursor(createdMs, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorVersion + "." + strconv.FormatInt(createdMs, 10) + "." + strconv.FormatInt(id, 10)))
}

func decodeCursor(cur string) (createdMs, id int64, err error) {
	raw, err := base64.RawURLEncoding.DecodeString(cur)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: not base64url", ErrBadCursor)
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) != 3 || parts[0] != cursorVersion {
		return 0, 0, fmt.Errorf("%w: unknown format", ErrBadCursor)
	}
	if createdMs, err = strconv.ParseInt(parts[1], 10, 64); err != nil {
		return 0, 0, fmt.Errorf("%w: bad time", ErrBadCursor)
	}
	if id, err = strconv.ParseInt(parts[2], 10, 64); err != nil || id <= 0 {
		return 0, 0, fmt.Errorf("%w: bad id", ErrBadCursor)
	}
	return createdMs, id, nil
}

// List returns captures matching f, newest first (created_at, then id, both
// descending), one page at a time: pass Page.Next as the next Filter.Cursor.
// Keyset pagination keeps pages stable while captures are inserted: a row is
// never shown twice nor skipped. From and To are inclusive, compared in unix
// milliseconds. List never reads processes, raw dumps or the stored alert (Alert is nil;
// AlertName, DashboardUID and PanelID are set); TopThread carries the busiest thread's name,
// native id and CPU only.
func (s *Store) List(ctx context.Context, f Filter) (Page, error) {
	q, args, limit, err := buildList(f)
	if err != nil {
		return Page{}, fmt.Errorf("list captures: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return Page{}, fmt.Errorf("list captures: %w", err)
	}
	defer func() { _ = rows.Close() }() // read-only: nothing to report
	page := Page{Captures: make([]Capture, 0, min(limit, 64))}
	more := false
	for rows.Next() {
		if len(page.Captures) == limit {
			more = true
			break
		}
		c, err := scanSummary(rows)
		if err != nil {
			return Page{}, fmt.Errorf("list captures: %w", err)
		}
		page.Captures = append(page.Captures, c)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("list captures: %w", err)
	}
	if more {
		last := page.Captures[len(page.Captures)-1]
		page.Next = encodeCursor(last.CreatedAt.UnixMilli(), last.ID)
	}
	return page, nil
}

// buildList turns a filter into List's statement, its arguments and the page size.
func buildList(f Filter) (q string, args []any, limit int, err error) {
	limit = f.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 1 || limit > MaxLimit {
		return "", nil, 0, fmt.Errorf("%w: limit %d out of range 1..%d", ErrBadFilter, f.Limit, MaxLimit)
	}
	if f.Status != "" && !f.Status.Valid() {
		return "", nil, 0, fmt.Errorf("%w: unknown status %q", ErrBadFilter, f.Status)
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.From.UnixMilli() > f.To.UnixMilli() {
		return "", nil, 0, fmt.Errorf("%w: from %s is after to %s", ErrBadFilter, f.From, f.To)
	}

	var where []string
	if f.OrgID < 0 {
		return "", nil, 0, fmt.Errorf("%w: org %d", ErrBadFilter, f.OrgID)
	}
	if f.OrgID > 0 {
		where = append(where, "c.org_id = ?")
		args = append(args, f.OrgID)
	}
	eq := func(col, v string) {
		if v != "" {
			where = append(where, "c."+col+" = ?")
			args = append(args, v)
		}
	}
	eq("cluster", f.Cluster)
	eq("namespace", f.Namespace)
	eq("pod", f.Pod)
	eq("container", f.Container)
	eq("node", f.Node)
	eq("status", string(f.Status))
	eq("dashboard_uid", f.DashboardUID)
	if f.PanelID != 0 {
		where = append(where, "c.panel_id = ?")
		args = append(args, f.PanelID)
	}
	if !f.From.IsZero() {
		where = append(where, "c.created_at >= ?")
		args = append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		where = append(where, "c.created_at <= ?")
		args = append(args, f.To.UnixMilli())
	}
	if f.Cursor != "" {
		ms, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return "", nil, 0, err
		}
		where = append(where, "(c.created_at, c.id) < (?, ?)")
		args = append(args, ms, id)
	}
	q = "SELECT " + summaryCols + " FROM captures c"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	// One row more than the page tells whether there is a next page.
	q += " ORDER BY c.created_at DESC, c.id DESC LIMIT ?"
	args = append(args, limit+1)
	return q, args, limit, nil
}
