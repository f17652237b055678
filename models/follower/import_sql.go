package follower

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/followerimport"
)

// This file is the SQL of imports, written per dialect: looking up the
// followers a file names and writing its rows in bulk. PostgreSQL takes
// each batch as arrays; SQLite takes small batches of literal rows.

// existingFollowers loads the account's followers on channel whose
// addresses are among addrs, with their tags, keyed by address. Only those addresses
// are looked up, so time and memory follow the file, not the account: ten
// rows against a million followers read at most ten followers. The tags
// come in the same statements.
func (s *Service) existingFollowers(ctx context.Context, accountID int64, channel string, addrs []string) (map[string]*followerimport.Follower, error) {
	out := map[string]*followerimport.Follower{}
	if len(addrs) == 0 {
		return out, nil
	}
	if s.core.Dialect() == database.Postgres {
		// One statement with the addresses as an array, sent as an
		// unnamed statement (pgx.QueryExecModeExec) so that PostgreSQL
		// plans it for these addresses each time. A cached generic plan
		// knows neither the account nor the array: one made before the
		// statistics counted an account's new followers read all of them
		// for every address (a minute for the benchmark's re-import of
		// 100,000 rows). A plan made for the array hashes it, so even on
		// stale statistics it is one pass over the account's followers,
		// and with current ones a small file is a few index lookups.
		err := s.readExisting(ctx, out, `SELECT f.id, f.address, f.name, f.language, f.status, t.tag
			FROM followers f LEFT JOIN follower_tags t ON t.follower_id = f.id
			WHERE f.account_id = $1 AND f.channel = $2 AND f.address = ANY($3::text[])`,
			pgx.QueryExecModeExec, accountID, channel, addrs)
		if err != nil {
			return nil, err
		}
	} else {
		head := `SELECT f.id, f.address, f.name, f.language, f.status, t.tag
			FROM followers f LEFT JOIN follower_tags t ON t.follower_id = f.id
			WHERE f.account_id = ` + strconv.FormatInt(accountID, 10) + ` AND f.channel = ? AND f.address IN (?`
		args := make([]any, 0, 1+min(len(addrs), sqliteLookupBatch))
		for start := 0; start < len(addrs); start += sqliteLookupBatch {
			batch := addrs[start:min(start+sqliteLookupBatch, len(addrs))]
			args = append(args[:0], channel)
			for _, a := range batch {
				args = append(args, a)
			}
			if err := s.readExisting(ctx, out, head+strings.Repeat(",?", len(batch)-1)+")", args...); err != nil {
				return nil, err
			}
		}
	}
	for _, f := range out {
		slices.Sort(f.Tags)
	}
	return out, nil
}

// sqliteLookupBatch is how many addresses one SQLite statement looks up,
// few enough for the driver's binding of parameters to stay cheap (see
// sqliteImportBatch).
const sqliteLookupBatch = 500

// readExisting adds the followers and tags a query of existingFollowers
// returns to out. It runs the SQL as written, so that gorm does not expand
// the PostgreSQL array into a list.
func (s *Service) readExisting(ctx context.Context, out map[string]*followerimport.Follower, query string, args ...any) error {
	rows, err := s.core.Conn(ctx).Statement.ConnPool.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("load followers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id                           int64
			addr, name, language, status string
			tag                          *string
		)
		if err := rows.Scan(&id, &addr, &name, &language, &status, &tag); err != nil {
			return fmt.Errorf("read follower: %w", err)
		}
		f := out[addr]
		if f == nil {
			f = &followerimport.Follower{ID: id, Name: name, Language: language, Status: status}
			out[addr] = f
		}
		if tag != nil {
			f.Tags = append(f.Tags, *tag)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load followers: %w", err)
	}
	return nil
}

// importTags are rows of follower_tags to insert.
type importTags struct {
	ids  []int64
	tags []string
}

// imported is a follower an import statement wrote.
type imported struct {
	id       int64
	address  string
	inserted bool
}

// writeImport upserts the new and changed rows in batches, replaces their
// tags and records a follow for each new follower. An existing follower is
// only updated while active or pending, so someone who unsubscribed since
// the rows were classified is never touched; counts is corrected for rows
// that turned out otherwise than planned.
func (s *Service) writeImport(ctx context.Context, accountID int64, channel string, results []followerimport.Result, now time.Time, counts *followerimport.Counts) error {
	// The channel is written into the statements: only the two an import
	// takes.
	if channel != models.ChannelEmail && channel != models.ChannelSMS {
		return fmt.Errorf("import followers: channel %q", channel)
	}
	var todo []*followerimport.Result
	for i := range results {
		if o := results[i].Outcome; o == followerimport.OutcomeNew || o == followerimport.OutcomeUpdate {
			todo = append(todo, &results[i])
		}
	}
	size := sqliteImportBatch
	if s.core.Dialect() == database.Postgres {
		size = postgresImportBatch
	}
	for start := 0; start < len(todo); start += size {
		if err := s.writeBatch(ctx, accountID, channel, todo[start:min(start+size, len(todo))], now, counts); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) writeBatch(ctx context.Context, accountID int64, channel string, batch []*followerimport.Result, now time.Time, counts *followerimport.Counts) error {
	var (
		written []imported
		err     error
	)
	if s.core.Dialect() == database.Postgres {
		written, err = s.upsertPostgres(ctx, accountID, channel, batch, now)
	} else {
		written, err = s.upsertSQLite(ctx, accountID, channel, batch, now)
	}
	if err != nil {
		return fmt.Errorf("import followers: %w", err)
	}
	byAddr := make(map[string]*followerimport.Result, len(batch))
	for _, r := range batch {
		byAddr[r.Address] = r
	}
	var inserted, updated []int64
	// Tags of new and of updated followers: only the latter can meet tags
	// written meanwhile by someone else.
	var newTags, oldTags importTags
	for _, w := range written {
		r := byAddr[w.address]
		if r == nil {
			continue
		}
		delete(byAddr, w.address)
		if s.core.Dialect() != database.Postgres {
			// A SQLite transaction holds the write lock from its start, so
			// nothing changed since the rows were classified.
			w.inserted = r.Outcome == followerimport.OutcomeNew
		}
		switch {
		case w.inserted && r.Outcome != followerimport.OutcomeNew:
			// The follower was erased since the classification.
			counts.Move(r.Outcome, followerimport.OutcomeNew)
		case !w.inserted && r.Outcome == followerimport.OutcomeNew:
			// The person followed on the web since the classification.
			counts.Move(r.Outcome, followerimport.OutcomeUpdate)
		}
		if w.inserted {
			inserted = append(inserted, w.id)
		} else {
			updated = append(updated, w.id)
		}
		tags := &oldTags
		if w.inserted {
			tags = &newTags
		}
		for _, t := range r.Tags {
			tags.ids, tags.tags = append(tags.ids, w.id), append(tags.tags, t)
		}
	}
	// Rows the upsert skipped: followers who stopped following meanwhile.
	for _, r := range byAddr {
		counts.Move(r.Outcome, followerimport.OutcomeRejected)
	}
	if s.core.Dialect() == database.Postgres {
		err = s.tagsAndEventsPostgres(ctx, accountID, channel, updated, newTags, oldTags, inserted, now)
	} else {
		err = s.tagsAndEventsSQLite(ctx, accountID, channel, updated, newTags, oldTags, inserted, now)
	}
	if err != nil {
		return fmt.Errorf("import tags and follows: %w", err)
	}
	return nil
}

// exec and query run plain SQL on the store's connection or transaction,
// bypassing gorm's rewriting of arguments (it would expand the
// PostgreSQL arrays into lists).
func (s *Service) exec(ctx context.Context, query string, args ...any) error {
	_, err := s.core.Conn(ctx).Statement.ConnPool.ExecContext(ctx, query, args...)
	return err
}

func (s *Service) readImported(ctx context.Context, query string, withInserted bool, args ...any) ([]imported, error) {
	rows, err := s.core.Conn(ctx).Statement.ConnPool.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []imported
	for rows.Next() {
		var w imported
		if withInserted {
			err = rows.Scan(&w.id, &w.address, &w.inserted)
		} else {
			err = rows.Scan(&w.id, &w.address)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// upsertWhere is the end of both upserts: an existing follower gets the
// file's name and language only while active or pending.
const upsertWhere = ` ON CONFLICT (account_id, channel, address) DO UPDATE
	SET name = excluded.name, language = excluded.language, updated_at = excluded.updated_at
	WHERE followers.status IN ('` + models.StatusActive + `', '` + models.StatusPending + `')
	RETURNING id, address`

// postgresImportBatch rows go to PostgreSQL as a handful of arrays, so the
// statement is planned once whatever its size and stays clear of the
// 65,535 bind parameter limit.
const postgresImportBatch = 5000

func (s *Service) upsertPostgres(ctx context.Context, accountID int64, channel string, batch []*followerimport.Result, now time.Time) ([]imported, error) {
	addrs, names, langs := make([]string, len(batch)), make([]string, len(batch)), make([]string, len(batch))
	consents := make([]time.Time, len(batch))
	for i, r := range batch {
		addrs[i], names[i], langs[i], consents[i] = r.Address, r.Name, r.Language, r.Consent
	}
	// xmax is 0 for a row this statement inserted rather than updated.
	return s.readImported(ctx, `INSERT INTO followers
		(account_id, channel, address, name, language, status, source, consent_at, created_at, updated_at)
		SELECT $1, '`+channel+`', u.address, u.name, u.language, '`+models.StatusActive+`', 'import', u.consent_at, $2, $2
		FROM unnest($3::text[], $4::text[], $5::text[], $6::timestamptz[]) AS u (address, name, language, consent_at)`+
		upsertWhere+`, xmax = 0`, true, accountID, now, addrs, names, langs, consents)
}

func (s *Service) tagsAndEventsPostgres(ctx context.Context, accountID int64, channel string, updated []int64, newTags, oldTags importTags, inserted []int64, now time.Time) error {
	if len(updated) > 0 {
		if err := s.exec(ctx, `DELETE FROM follower_tags WHERE follower_id = ANY($1::bigint[])`, updated); err != nil {
			return err
		}
	}
	for _, t := range []struct {
		importTags
		tail string
	}{{newTags, ""}, {oldTags, " ON CONFLICT DO NOTHING"}} {
		if len(t.tags) == 0 {
			continue
		}
		err := s.exec(ctx, `INSERT INTO follower_tags (follower_id, tag) SELECT * FROM unnest($1::bigint[], $2::text[])`+t.tail, t.ids, t.tags)
		if err != nil {
			return err
		}
	}
	if len(inserted) > 0 {
		return s.exec(ctx, `INSERT INTO follow_events (account_id, channel, kind, follower_id, created_at)
			SELECT $1, '`+channel+`', 'follow', unnest($2::bigint[]), $3`, accountID, inserted, now)
	}
	return nil
}

// sqliteImportBatch keeps SQLite statements to a few hundred parameters:
// the SQLite driver binds each parameter by searching all of them, so the
// cost of a statement grows with the square of its parameters (and more
// steeply still for numbered ones, ?NNN). Ids are written into the
// statements as numbers.
const sqliteImportBatch = 100

func (s *Service) upsertSQLite(ctx context.Context, accountID int64, channel string, batch []*followerimport.Result, now time.Time) ([]imported, error) {
	var sb strings.Builder
	sb.WriteString(`INSERT INTO followers
		(account_id, channel, address, name, language, status, source, consent_at, created_at, updated_at) VALUES `)
	args := make([]any, 0, len(batch)*6)
	row := "(" + strconv.FormatInt(accountID, 10) + ", '" + channel + "', ?, ?, ?, '" + models.StatusActive + "', 'import', ?, ?, ?)"
	for i, r := range batch {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(row)
		args = append(args, r.Address, r.Name, r.Language, r.Consent, now, now)
	}
	sb.WriteString(upsertWhere)
	return s.readImported(ctx, sb.String(), false, args...)
}

func (s *Service) tagsAndEventsSQLite(ctx context.Context, accountID int64, channel string, updated []int64, newTags, oldTags importTags, inserted []int64, now time.Time) error {
	if len(updated) > 0 {
		if err := s.exec(ctx, "DELETE FROM follower_tags WHERE follower_id IN ("+joinIDs(updated)+")"); err != nil {
			return err
		}
	}
	// The write lock held since the transaction began keeps other writers
	// out, so no tag can be there already.
	tags := importTags{ids: append(newTags.ids, oldTags.ids...), tags: append(newTags.tags, oldTags.tags...)}
	const perStatement = 500
	for start := 0; start < len(tags.tags); start += perStatement {
		end := min(start+perStatement, len(tags.tags))
		var sb strings.Builder
		sb.WriteString("INSERT INTO follower_tags (follower_id, tag) VALUES ")
		args := make([]any, 0, end-start)
		for i := start; i < end; i++ {
			if i > start {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "(%d, ?)", tags.ids[i])
			args = append(args, tags.tags[i])
		}
		if err := s.exec(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	if len(inserted) == 0 {
		return nil
	}
	var sb strings.Builder
	sb.WriteString("INSERT INTO follow_events (account_id, channel, kind, follower_id, created_at) VALUES ")
	args := make([]any, len(inserted))
	for i, id := range inserted {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, "(%d, '%s', 'follow', %d, ?)", accountID, channel, id)
		args[i] = now
	}
	return s.exec(ctx, sb.String(), args...)
}

func joinIDs(ids []int64) string {
	var sb strings.Builder
	for i, id := range ids {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.FormatInt(id, 10))
	}
	return sb.String()
}
