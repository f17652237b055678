package follower

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/followerimport"
	"github.com/plazahq/plaza/sms"
)

// This file imports followers from a CSV file (an NGO's donor list): the
// file is read and checked as a whole, stored, previewed row by row against
// the account's current followers, and applied in one transaction.
// followerimport reads and judges the rows; this file adds the storage,
// the permissions and the lifecycle, and import_sql.go the bulk SQL.

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
	// Channel is the channel of the followers it imports: e-mail, or SMS
	// (the address column then holds phone numbers).
	Channel string
	// Content is the file while the import is pending; nil once it is
	// applied or cancelled, and not loaded by ImportByID or ListImports.
	Content   []byte
	RowCount  int
	Status    string
	Summary   string
	CreatedAt time.Time
	AppliedAt *time.Time
	// UserEmail is who uploaded it; filled by ImportByID and ListImports
	// from the accounts' domain, which keeps the users.
	UserEmail string `gorm:"-"`
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

// ImportChannels are the channels the account can import followers on:
// e-mail always, SMS once its SMS channel is set up and on.
func (s *Service) ImportChannels(ctx context.Context, accountID int64) ([]string, error) {
	out := []string{models.ChannelEmail}
	cs, err := s.channels.Cached(ctx, accountID, models.ChannelSMS)
	switch {
	case err == nil && cs.Enabled:
		out = append(out, models.ChannelSMS)
	case err != nil && !errors.Is(err, models.ErrNotFound):
		return nil, err
	}
	return out, nil
}

// importAddress is how an import on channel reads its address column:
// e-mail addresses, or phone numbers in the account's SMS region, refused
// as a number typed in a form is (err.phone_<reason>).
func (s *Service) importAddress(ctx context.Context, accountID int64, channel string) (followerimport.AddressFunc, error) {
	if channel != models.ChannelSMS {
		return followerimport.EmailAddress, nil
	}
	region, err := s.smsRegion(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return func(cell string) (string, string) {
		n, err := sms.Normalize(cell, region)
		var ne *sms.NumberError
		if errors.As(err, &ne) {
			return strings.TrimSpace(cell), "err.phone_" + ne.Reason
		}
		return n, ""
	}, nil
}

// plan reads an import's file and classifies its rows against the
// account's followers on channel as they are now; only the followers the
// file names are loaded, and only for rows that are not rejected on their
// own.
func (s *Service) plan(ctx context.Context, a *models.Account, channel string, content []byte) ([]followerimport.Result, followerimport.Counts, error) {
	accountID := a.ID
	address, err := s.importAddress(ctx, accountID, channel)
	if err != nil {
		return nil, followerimport.Counts{}, err
	}
	rows, err := followerimport.ParseWith(bytes.NewReader(content), models.AccountLangs(a), address)
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
	existing, err := s.existingFollowers(ctx, accountID, channel, addrs)
	if err != nil {
		return nil, followerimport.Counts{}, err
	}
	results, counts := followerimport.Classify(rows, existing, s.core.Now())
	if channel == models.ChannelSMS {
		// By text message only the person can undo a STOP, by texting
		// START: the preview says so.
		for i := range results {
			if results[i].Reason == "import.reason.unsubscribed" {
				results[i].Reason = "import.reason.sms_stopped"
			}
		}
	}
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
// of the account's e-mail followers, returning its preview. A file that
// cannot be read is a *CSVError and nothing is stored.
func (s *Service) CreateImport(ctx context.Context, m *models.Member, a *models.Account, filename string, content []byte) (*ImportPreview, error) {
	return s.CreateImportOn(ctx, m, a, filename, models.ChannelEmail, content)
}

// CreateImportOn is CreateImport of followers on channel: e-mail, or SMS
// when the account has it (ImportChannels), the file's addresses then
// being phone numbers. A channel the account cannot import on is a
// *CSVError too.
func (s *Service) CreateImportOn(ctx context.Context, m *models.Member, a *models.Account, filename, channel string, content []byte) (*ImportPreview, error) {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	channels, err := s.ImportChannels(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(channels, channel) {
		return nil, &followerimport.CSVError{Key: "import.err.channel"}
	}
	results, counts, err := s.plan(ctx, a, channel, content)
	if err != nil {
		return nil, err
	}
	userID := m.User.ID
	imp := &Import{AccountID: a.ID, UserID: &userID, Filename: cleanFilename(filename), Channel: channel, Content: content,
		RowCount: counts.Total, Status: ImportPending, Summary: summaryJSON(counts), CreatedAt: s.core.Now(), UserEmail: m.User.Email}
	if err := s.core.Conn(ctx).Create(imp).Error; err != nil {
		return nil, fmt.Errorf("store import: %w", err)
	}
	imp.Content = nil
	return &ImportPreview{Import: imp, Rows: results, Counts: counts}, nil
}

// importColumns are the columns of imports loaded for pages: everything
// but the file.
const importColumns = "id, account_id, user_id, filename, channel, row_count, status, summary, created_at, applied_at"

// ImportByID loads an import of the account, without its file.
func (s *Service) ImportByID(ctx context.Context, m *models.Member, a *models.Account, id int64) (*Import, error) {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	var imp Import
	err := s.core.Conn(ctx).Select(importColumns).Where("id = ? AND account_id = ?", id, a.ID).Take(&imp).Error
	if err != nil {
		return nil, models.NotFound(err, "import")
	}
	if err := s.uploaders(ctx, []*Import{&imp}); err != nil {
		return nil, err
	}
	return &imp, nil
}

// ListImports lists the account's latest imports, newest first.
func (s *Service) ListImports(ctx context.Context, m *models.Member, a *models.Account, limit int) ([]Import, error) {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	var out []Import
	err := s.core.Conn(ctx).Select(importColumns).Where("account_id = ?", a.ID).Order("id DESC").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list imports: %w", err)
	}
	imps := make([]*Import, len(out))
	for i := range out {
		imps[i] = &out[i]
	}
	if err := s.uploaders(ctx, imps); err != nil {
		return nil, err
	}
	return out, nil
}

// uploaders fills in who uploaded each import, one lookup per user (a
// page lists a few imports by fewer people). A user since deleted, like
// an import without one, leaves the address empty.
func (s *Service) uploaders(ctx context.Context, imps []*Import) error {
	emails := map[int64]string{}
	for _, imp := range imps {
		if imp.UserID == nil {
			continue
		}
		email, ok := emails[*imp.UserID]
		if !ok {
			u, err := s.accounts.UserByID(ctx, *imp.UserID)
			switch {
			case errors.Is(err, models.ErrNotFound):
			case err != nil:
				return err
			default:
				email = u.Email
			}
			emails[*imp.UserID] = email
		}
		imp.UserEmail = email
	}
	return nil
}

func (s *Service) importContent(ctx context.Context, id int64) ([]byte, error) {
	var content []byte
	if err := s.core.Conn(ctx).Raw("SELECT content FROM imports WHERE id = ?", id).Row().Scan(&content); err != nil {
		return nil, fmt.Errorf("import file: %w", err)
	}
	return content, nil
}

// PreviewImport recomputes what applying a pending import would do from
// its stored file and the account's followers as they are now. For an
// applied or cancelled import it returns the stored counts and no rows.
func (s *Service) PreviewImport(ctx context.Context, m *models.Member, a *models.Account, imp *Import) (*ImportPreview, error) {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	if imp.AccountID != a.ID {
		return nil, fmt.Errorf("import: %w", models.ErrNotFound)
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
	results, counts, err := s.plan(ctx, a, imp.Channel, content)
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
func (s *Service) CancelStaleImports(ctx context.Context) (int64, error) {
	res := s.core.Conn(ctx).Exec("UPDATE imports SET status = ?, content = NULL WHERE status = ? AND created_at < ?",
		ImportCancelled, ImportPending, s.core.Now().Add(-ImportKeep))
	if res.Error != nil {
		return 0, fmt.Errorf("cancel stale imports: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// CancelImport drops a pending import and its file. Cancelling twice is
// harmless; cancelling an applied import is ErrImportClosed.
func (s *Service) CancelImport(ctx context.Context, m *models.Member, a *models.Account, imp *Import) error {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return err
	}
	res := s.core.Conn(ctx).Exec("UPDATE imports SET status = ?, content = NULL WHERE id = ? AND account_id = ? AND status = ?",
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
func (s *Service) ApplyImport(ctx context.Context, m *models.Member, a *models.Account, imp *Import) (followerimport.Counts, error) {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return followerimport.Counts{}, err
	}
	var counts followerimport.Counts
	err := s.tx(ctx, func(tx *Service) error {
		now := tx.core.Now()
		// Claiming the import first makes a second, concurrent apply wait
		// for this one and then find nothing to claim.
		res := tx.core.Conn(ctx).Exec("UPDATE imports SET status = ?, applied_at = ? WHERE id = ? AND account_id = ? AND status = ?",
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
		results, planned, err := tx.plan(ctx, a, imp.Channel, content)
		if err != nil {
			return err
		}
		counts = planned
		if err := tx.writeImport(ctx, a.ID, imp.Channel, results, now, &counts); err != nil {
			return err
		}
		err = tx.core.Conn(ctx).Exec("UPDATE imports SET content = NULL, summary = ?, row_count = ? WHERE id = ?",
			summaryJSON(counts), counts.Total, imp.ID).Error
		if err != nil {
			return fmt.Errorf("finish import: %w", err)
		}
		name := imp.Filename
		if imp.Channel == models.ChannelSMS {
			name += " (SMS)"
		}
		detail := fmt.Sprintf("%s: %d new, %d updated, %d unchanged, %d rejected",
			name, counts.New, counts.Update, counts.Unchanged, counts.Rejected)
		return tx.core.Audit(ctx, m.Org.ID, m.User.ID, "followers.import", "@"+a.Handle, detail)
	})
	if err != nil {
		return followerimport.Counts{}, err
	}
	imp.Status, imp.Summary, imp.RowCount = ImportApplied, summaryJSON(counts), counts.Total
	return counts, nil
}
