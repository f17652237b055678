package models

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"

	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/models/followerimport"
)

// This file imports followers from a CSV file (an NGO's donor list): the
// file is read and checked as a whole, stored, previewed row by row against
// the account's current followers, and applied in one transaction.
// followerimport reads and judges the rows; this file adds the storage,
// the permissions, the lifecycle and the bulk SQL.

// maxImportFilename bounds the stored name of an uploaded file.
const maxImportFilename = 200

// Import statuses.
const (
	ImportPending   = "pending"
	ImportApplied   = "applied"
	ImportCancelled = "cancelled"
)

// Import is an uploaded CSV file of followers for one account.
type Import struct {
	ID        int64
	AccountID int64
	UserID    *int64
	Filename  string
	// Content is the file while the import is pending; nil once it is
	// applied or cancelled, and not loaded by ImportByID or ListImports.
	Content   []byte
	RowCount  int
	Status    string
	Summary   string
	CreatedAt time.Time
	AppliedAt *time.Time
	// UserEmail is who uploaded it; filled by ImportByID and ListImports.
	UserEmail string `gorm:"->;-:migration"`
}

// Counts decodes the summary: the counts of the preview at upload time, or
// what applying did.
func (i *Import) Counts() followerimport.Counts {
	var c followerimport.Counts
	_ = json.Unmarshal([]byte(i.Summary), &c)
	return c
}

// ErrImportClosed means the import was already applied or cancelled.
var ErrImportClosed = errors.New("import already applied or cancelled")

// ImportPreview is what applying an import would do, row by row. Rows is
// empty once the import is applied or cancelled; Counts then is what it
// did.
type ImportPreview struct {
	Import *Import
	Rows   []followerimport.Result
	Counts followerimport.Counts
}

// Filter lists the rows with one outcome, or every row for "".
func (p *ImportPreview) Filter(outcome string) []followerimport.Result {
	if outcome == "" {
		return p.Rows
	}
	var out []followerimport.Result
	for _, r := range p.Rows {
		if r.Outcome == outcome {
			out = append(out, r)
		}
	}
	return out
}

// existingFollowers loads the account's e-mail followers whose addresses
// are among addrs, with their tags, keyed by address. Only those addresses
// are looked up, so time and memory follow the file, not the account: ten
// rows against a million followers read at most ten followers. The tags
// come in the same statements.
func (s *Store) existingFollowers(ctx context.Context, accountID int64, addrs []string) (map[string]*followerimport.Follower, error) {
	out := map[string]*followerimport.Follower{}
	if len(addrs) == 0 {
		return out, nil
	}
	if s.dialect == database.Postgres {
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
			pgx.QueryExecModeExec, accountID, ChannelEmail, addrs)
		if err != nil {
			return nil, err
		}
	} else {
		head := `SELECT f.id, f.address, f.name, f.language, f.status, t.tag
			FROM followers f LEFT JOIN follower_tags t ON t.follower_id = f.id
			WHERE f.account_id = ` + strconv.FormatInt(accountID, 10) + ` AND f.channel = '` + ChannelEmail + `' AND f.address IN (?`
		args := make([]any, 0, min(len(addrs), sqliteLookupBatch))
		for start := 0; start < len(addrs); start += sqliteLookupBatch {
			batch := addrs[start:min(start+sqliteLookupBatch, len(addrs))]
			args = args[:0]
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
func (s *Store) readExisting(ctx context.Context, out map[string]*followerimport.Follower, query string, args ...any) error {
	rows, err := s.db.Statement.ConnPool.QueryContext(ctx, query, args...)
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

// plan reads an import's file and classifies its rows against the
// account's followers as they are now; only the followers the file names
// are loaded, and only for rows that are not rejected on their own.
func (s *Store) plan(ctx context.Context, accountID int64, content []byte) ([]followerimport.Result, followerimport.Counts, error) {
	rows, err := followerimport.Parse(bytes.NewReader(content))
	if err != nil {
		return nil, followerimport.Counts{}, err
	}
	// A row with no reason of its own has an address no earlier row has,
	// so the list holds each address once.
	var addrs []string
	for i := range rows {
		if rows[i].Reason == "" {
			addrs = append(addrs, rows[i].Address)
		}
	}
	existing, err := s.existingFollowers(ctx, accountID, addrs)
	if err != nil {
		return nil, followerimport.Counts{}, err
	}
	results, counts := followerimport.Classify(rows, existing, s.Now())
	return results, counts, nil
}

func cleanFilename(name string) string {
	name = strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, `\`, "/")))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." || name == "/" {
		return "followers.csv"
	}
	if r := []rune(name); len(r) > maxImportFilename {
		name = string(r[:maxImportFilename])
	}
	return name
}

func summaryJSON(c followerimport.Counts) string {
	b, _ := json.Marshal(c)
	return string(b)
}

// CreateImport checks an uploaded file and stores it as a pending import
// of the account, returning its preview. A file that cannot be read is a
// *CSVError and nothing is stored.
func (s *Store) CreateImport(ctx context.Context, m *Member, a *Account, filename string, content []byte) (*ImportPreview, error) {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	results, counts, err := s.plan(ctx, a.ID, content)
	if err != nil {
		return nil, err
	}
	userID := m.User.ID
	imp := &Import{AccountID: a.ID, UserID: &userID, Filename: cleanFilename(filename), Content: content,
		RowCount: counts.Total, Status: ImportPending, Summary: summaryJSON(counts), CreatedAt: s.Now(), UserEmail: m.User.Email}
	if err := s.conn(ctx).Create(imp).Error; err != nil {
		return nil, fmt.Errorf("store import: %w", err)
	}
	imp.Content = nil
	return &ImportPreview{Import: imp, Rows: results, Counts: counts}, nil
}

// importColumns are the columns of imports loaded for pages: everything
// but the file.
const importColumns = "imports.id, imports.account_id, imports.user_id, imports.filename, imports.row_count, " +
	"imports.status, imports.summary, imports.created_at, imports.applied_at, COALESCE(users.email, '') AS user_email"

// ImportByID loads an import of the account, without its file.
func (s *Store) ImportByID(ctx context.Context, m *Member, a *Account, id int64) (*Import, error) {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	var imp Import
	err := s.conn(ctx).Table("imports").Select(importColumns).Joins("LEFT JOIN users ON users.id = imports.user_id").
		Where("imports.id = ? AND imports.account_id = ?", id, a.ID).Take(&imp).Error
	if err != nil {
		return nil, notFound(err, "import")
	}
	return &imp, nil
}

// ListImports lists the account's latest imports, newest first.
func (s *Store) ListImports(ctx context.Context, m *Member, a *Account, limit int) ([]Import, error) {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	var out []Import
	err := s.conn(ctx).Table("imports").Select(importColumns).Joins("LEFT JOIN users ON users.id = imports.user_id").
		Where("imports.account_id = ?", a.ID).Order("imports.id DESC").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list imports: %w", err)
	}
	return out, nil
}

func (s *Store) importContent(ctx context.Context, id int64) ([]byte, error) {
	var content []byte
	if err := s.conn(ctx).Raw("SELECT content FROM imports WHERE id = ?", id).Row().Scan(&content); err != nil {
		return nil, fmt.Errorf("import file: %w", err)
	}
	return content, nil
}

// PreviewImport recomputes what applying a pending import would do from
// its stored file and the account's followers as they are now. For an
// applied or cancelled import it returns the stored counts and no rows.
func (s *Store) PreviewImport(ctx context.Context, m *Member, a *Account, imp *Import) (*ImportPreview, error) {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	if imp.AccountID != a.ID {
		return nil, fmt.Errorf("import: %w", ErrNotFound)
	}
	if imp.Status != ImportPending {
		return &ImportPreview{Import: imp, Counts: imp.Counts()}, nil
	}
	content, err := s.importContent(ctx, imp.ID)
	if err != nil {
		return nil, err
	}
	if content == nil {
		// Applied or cancelled since imp was loaded.
		cur, err := s.ImportByID(ctx, m, a, imp.ID)
		if err != nil {
			return nil, err
		}
		*imp = *cur
		return &ImportPreview{Import: imp, Counts: imp.Counts()}, nil
	}
	results, counts, err := s.plan(ctx, a.ID, content)
	if err != nil {
		return nil, err
	}
	return &ImportPreview{Import: imp, Rows: results, Counts: counts}, nil
}

// ImportKeep is how long an import left pending keeps its file: a list of
// people's addresses should not lie in the database because someone never
// pressed Apply or Cancel.
const ImportKeep = 7 * 24 * time.Hour

// CancelStaleImports cancels the imports pending for longer than
// ImportKeep and drops their files, as CancelImport would; their counts
// stay in the list of imports.
func (s *Store) CancelStaleImports(ctx context.Context) (int64, error) {
	res := s.conn(ctx).Exec("UPDATE imports SET status = ?, content = NULL WHERE status = ? AND created_at < ?",
		ImportCancelled, ImportPending, s.Now().Add(-ImportKeep))
	if res.Error != nil {
		return 0, fmt.Errorf("cancel stale imports: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// CancelImport drops a pending import and its file. Cancelling twice is
// harmless; cancelling an applied import is ErrImportClosed.
func (s *Store) CancelImport(ctx context.Context, m *Member, a *Account, imp *Import) error {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return err
	}
	res := s.conn(ctx).Exec("UPDATE imports SET status = ?, content = NULL WHERE id = ? AND account_id = ? AND status = ?",
		ImportCancelled, imp.ID, a.ID, ImportPending)
	if res.Error != nil {
		return fmt.Errorf("cancel import: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		cur, err := s.ImportByID(ctx, m, a, imp.ID)
		if err != nil {
			return err
		}
		if cur.Status != ImportCancelled {
			return ErrImportClosed
		}
	}
	imp.Status = ImportCancelled
	return nil
}

// ApplyImport writes a pending import in one transaction: new followers
// (active, source "import", consent from the file, a follow event each),
// the changed names, languages and tags of existing ones, an audit entry,
// and the import marked applied with what it did. The rows are classified
// again inside the transaction, so followers who changed since the preview
// are judged as they are now. If anything fails nothing is written; an
// import that was already applied or cancelled is ErrImportClosed.
func (s *Store) ApplyImport(ctx context.Context, m *Member, a *Account, imp *Import) (followerimport.Counts, error) {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return followerimport.Counts{}, err
	}
	var counts followerimport.Counts
	err := s.Tx(ctx, func(tx *Store) error {
		now := tx.Now()
		// Claiming the import first makes a second, concurrent apply wait
		// for this one and then find nothing to claim.
		res := tx.conn(ctx).Exec("UPDATE imports SET status = ?, applied_at = ? WHERE id = ? AND account_id = ? AND status = ?",
			ImportApplied, now, imp.ID, a.ID, ImportPending)
		if res.Error != nil {
			return fmt.Errorf("claim import: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			if _, err := tx.ImportByID(ctx, m, a, imp.ID); err != nil {
				return err
			}
			return ErrImportClosed
		}
		content, err := tx.importContent(ctx, imp.ID)
		if err != nil {
			return err
		}
		results, planned, err := tx.plan(ctx, a.ID, content)
		if err != nil {
			return err
		}
		counts = planned
		if err := tx.writeImport(ctx, a.ID, results, now, &counts); err != nil {
			return err
		}
		err = tx.conn(ctx).Exec("UPDATE imports SET content = NULL, summary = ?, row_count = ? WHERE id = ?",
			summaryJSON(counts), counts.Total, imp.ID).Error
		if err != nil {
			return fmt.Errorf("finish import: %w", err)
		}
		detail := fmt.Sprintf("%s: %d new, %d updated, %d unchanged, %d rejected",
			imp.Filename, counts.New, counts.Update, counts.Unchanged, counts.Rejected)
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "followers.import", "@"+a.Handle, detail)
	})
	if err != nil {
		return followerimport.Counts{}, err
	}
	imp.Status, imp.Summary, imp.RowCount = ImportApplied, summaryJSON(counts), counts.Total
	return counts, nil
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
func (s *Store) writeImport(ctx context.Context, accountID int64, results []followerimport.Result, now time.Time, counts *followerimport.Counts) error {
	var todo []*followerimport.Result
	for i := range results {
		if o := results[i].Outcome; o == followerimport.OutcomeNew || o == followerimport.OutcomeUpdate {
			todo = append(todo, &results[i])
		}
	}
	size := sqliteImportBatch
	if s.dialect == database.Postgres {
		size = postgresImportBatch
	}
	for start := 0; start < len(todo); start += size {
		if err := s.writeBatch(ctx, accountID, todo[start:min(start+size, len(todo))], now, counts); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) writeBatch(ctx context.Context, accountID int64, batch []*followerimport.Result, now time.Time, counts *followerimport.Counts) error {
	var (
		written []imported
		err     error
	)
	if s.dialect == database.Postgres {
		written, err = s.upsertPostgres(ctx, accountID, batch, now)
	} else {
		written, err = s.upsertSQLite(ctx, accountID, batch, now)
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
		if s.dialect != database.Postgres {
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
	if s.dialect == database.Postgres {
		err = s.tagsAndEventsPostgres(ctx, accountID, updated, newTags, oldTags, inserted, now)
	} else {
		err = s.tagsAndEventsSQLite(ctx, accountID, updated, newTags, oldTags, inserted, now)
	}
	if err != nil {
		return fmt.Errorf("import tags and follows: %w", err)
	}
	return nil
}

// exec and query run plain SQL on the store's connection or transaction,
// bypassing gorm's rewriting of arguments (it would expand the
// PostgreSQL arrays into lists).
func (s *Store) exec(ctx context.Context, query string, args ...any) error {
	_, err := s.db.Statement.ConnPool.ExecContext(ctx, query, args...)
	return err
}

func (s *Store) readImported(ctx context.Context, query string, withInserted bool, args ...any) ([]imported, error) {
	rows, err := s.db.Statement.ConnPool.QueryContext(ctx, query, args...)
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
	WHERE followers.status IN ('` + StatusActive + `', '` + StatusPending + `')
	RETURNING id, address`

// postgresImportBatch rows go to PostgreSQL as a handful of arrays, so the
// statement is planned once whatever its size and stays clear of the
// 65,535 bind parameter limit.
const postgresImportBatch = 5000

func (s *Store) upsertPostgres(ctx context.Context, accountID int64, batch []*followerimport.Result, now time.Time) ([]imported, error) {
	addrs, names, langs := make([]string, len(batch)), make([]string, len(batch)), make([]string, len(batch))
	consents := make([]time.Time, len(batch))
	for i, r := range batch {
		addrs[i], names[i], langs[i], consents[i] = r.Address, r.Name, r.Language, r.Consent
	}
	// xmax is 0 for a row this statement inserted rather than updated.
	return s.readImported(ctx, `INSERT INTO followers
		(account_id, channel, address, name, language, status, source, consent_at, created_at, updated_at)
		SELECT $1, '`+ChannelEmail+`', u.address, u.name, u.language, '`+StatusActive+`', 'import', u.consent_at, $2, $2
		FROM unnest($3::text[], $4::text[], $5::text[], $6::timestamptz[]) AS u (address, name, language, consent_at)`+
		upsertWhere+`, xmax = 0`, true, accountID, now, addrs, names, langs, consents)
}

func (s *Store) tagsAndEventsPostgres(ctx context.Context, accountID int64, updated []int64, newTags, oldTags importTags, inserted []int64, now time.Time) error {
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
			SELECT $1, '`+ChannelEmail+`', 'follow', unnest($2::bigint[]), $3`, accountID, inserted, now)
	}
	return nil
}

// sqliteImportBatch keeps SQLite statements to a few hundred parameters:
// the SQLite driver binds each parameter by searching all of them, so the
// cost of a statement grows with the square of its parameters (and more
// steeply still for numbered ones, ?NNN). Ids are written into the
// statements as numbers.
const sqliteImportBatch = 100

func (s *Store) upsertSQLite(ctx context.Context, accountID int64, batch []*followerimport.Result, now time.Time) ([]imported, error) {
	var sb strings.Builder
	sb.WriteString(`INSERT INTO followers
		(account_id, channel, address, name, language, status, source, consent_at, created_at, updated_at) VALUES `)
	args := make([]any, 0, len(batch)*6)
	row := "(" + strconv.FormatInt(accountID, 10) + ", '" + ChannelEmail + "', ?, ?, ?, '" + StatusActive + "', 'import', ?, ?, ?)"
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

func (s *Store) tagsAndEventsSQLite(ctx context.Context, accountID int64, updated []int64, newTags, oldTags importTags, inserted []int64, now time.Time) error {
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
		fmt.Fprintf(&sb, "(%d, '%s', 'follow', %d, ?)", accountID, ChannelEmail, id)
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
