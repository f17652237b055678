package testchat

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"github.com/plazahq/plaza/models"
)

const (
	// CodeTTL is how long a code can be sent: long enough to open a
	// chat app and type it, short enough that a code read over a
	// shoulder is soon worth nothing.
	CodeTTL = 15 * time.Minute
	// codeDigits: with the tries limits below, a guesser has about one
	// chance in 10^8/tryAccountLimit per live code and window.
	codeDigits = 8
	// Prefix starts a code as the person types it ("PLAZA 48392071")
	// and, in lower case with a dash, as a Telegram start payload
	// ("plaza-48392071"), which allows only letters, digits, _ and -.
	Prefix = "PLAZA"

	// Tries of codes are counted per chat and per account, right or
	// wrong, in a window as long as a code lives.
	tryChatLimit    = 5
	tryAccountLimit = 30
	// A member gets at most issueLimit new codes an hour.
	issueLimit  = 10
	issueWindow = time.Hour
)

var (
	// ErrWrongCode is a code that is not a live one of the account (a
	// typo, used, expired, another account's).
	ErrWrongCode = errors.New("testchat: wrong or expired code")
	// ErrTooManyTries: the chat or the account sent too many codes in
	// the window; nothing is checked until it ends.
	ErrTooManyTries = errors.New("testchat: too many codes tried")
	// ErrTooManyCodes: the member asked for too many codes in the hour.
	ErrTooManyCodes = errors.New("testchat: too many codes asked for")
)

// Code is a member's live code for one account.
type Code struct {
	ID             int64
	OrganizationID int64
	UserID         int64
	AccountID      int64
	Code           string
	ExpiresAt      time.Time
	CreatedAt      time.Time
}

func (Code) TableName() string { return "test_chat_codes" }

// Text is the code as the person sends it in a message.
func (c *Code) Text() string { return Prefix + " " + c.Code }

// StartPayload is the code as a Telegram deep link's start parameter.
func (c *Code) StartPayload() string { return strings.ToLower(Prefix) + "-" + c.Code }

// Link is a chat a member linked to an account for tests.
type Link struct {
	ID             int64
	OrganizationID int64
	UserID         int64
	AccountID      int64
	Channel        string
	Address        string
	CreatedAt      time.Time
}

func (Link) TableName() string { return "test_chats" }

// codeRE reads a code as people type it: the prefix, then the digits
// with any spaces or dashes they put between them; a Telegram start
// payload is the same with a dash.
var codeRE = regexp.MustCompile(`^/?` + strings.ToLower(Prefix) + `[\s\-_:]*((?:\d[\s\-]*){` + strconv.Itoa(codeDigits) + `})$`)

// ParseCode reads a message (or a start payload) as a code and returns
// its digits, or false when it is not shaped like one.
func ParseCode(text string) (string, bool) {
	s := strings.ToLower(strings.TrimSpace(text))
	s = strings.TrimRight(s, ".!。！")
	m := codeRE.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, m[1]), true
}

// Service is the test-chat domain; see the package comment.
type Service struct {
	core models.Core
}

// New builds the service on the shared core (store.Core in app).
func New(core models.Core) *Service { return &Service{core: core} }

func newCode() (string, error) {
	max := big.NewInt(1)
	for range codeDigits {
		max.Mul(max, big.NewInt(10))
	}
	n, err := rand.Int(rand.Reader, max)
	if err != nil {
		return "", fmt.Errorf("test chat code: %w", err)
	}
	return fmt.Sprintf("%0*d", codeDigits, n), nil
}

// IssueCode gives m a new code for a, which replaces the one they had:
// only the last code shown works.
func (s *Service) IssueCode(ctx context.Context, m *models.Member, a *models.Account) (*Code, error) {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	digits, err := newCode()
	if err != nil {
		return nil, err
	}
	c := &Code{OrganizationID: m.Org.ID, UserID: m.User.ID, AccountID: a.ID, Code: digits}
	err = s.core.Tx(ctx, func(tx models.Core) error {
		ok, _, err := tx.Hit(ctx, fmt.Sprintf("testchat-issue:%d", m.User.ID), issueLimit, issueWindow)
		if err != nil {
			return fmt.Errorf("test chat code: %w", err)
		}
		if !ok {
			return ErrTooManyCodes
		}
		now := tx.Now()
		c.CreatedAt, c.ExpiresAt = now, now.Add(CodeTTL)
		if err := tx.Conn(ctx).Where("user_id = ? AND account_id = ?", m.User.ID, a.ID).Delete(&Code{}).Error; err != nil {
			return fmt.Errorf("replace test chat code: %w", err)
		}
		if err := tx.Conn(ctx).Create(c).Error; err != nil {
			return fmt.Errorf("store test chat code: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// LiveCode is m's code for a that can still be sent, or nil.
func (s *Service) LiveCode(ctx context.Context, m *models.Member, a *models.Account) (*Code, error) {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	var c Code
	err := s.core.Conn(ctx).Where("user_id = ? AND account_id = ? AND expires_at > ?", m.User.ID, a.ID, s.core.Now()).
		Limit(1).Find(&c).Error
	if err != nil {
		return nil, fmt.Errorf("test chat code: %w", err)
	}
	if c.ID == 0 {
		return nil, nil
	}
	return &c, nil
}

// Links lists the chats m linked to a, oldest first.
func (s *Service) Links(ctx context.Context, m *models.Member, a *models.Account) ([]Link, error) {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	var out []Link
	if err := s.core.Conn(ctx).Where("user_id = ? AND account_id = ? AND organization_id = ?", m.User.ID, a.ID, m.Org.ID).
		Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("test chats: %w", err)
	}
	return out, nil
}

// Link is one of m's chats linked to a; anyone else's is ErrNotFound.
func (s *Service) Link(ctx context.Context, m *models.Member, a *models.Account, id int64) (*Link, error) {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	var l Link
	if err := s.core.Conn(ctx).Where("id = ? AND user_id = ? AND account_id = ? AND organization_id = ?", id, m.User.ID, a.ID, m.Org.ID).
		First(&l).Error; err != nil {
		return nil, models.NotFound(err, "test chat")
	}
	return &l, nil
}

// Unlink removes one of m's chats from a: tests no longer go there.
func (s *Service) Unlink(ctx context.Context, m *models.Member, a *models.Account, id int64) error {
	l, err := s.Link(ctx, m, a, id)
	if err != nil {
		return err
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		if err := tx.Conn(ctx).Delete(&Link{}, l.ID).Error; err != nil {
			return fmt.Errorf("unlink test chat: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "testchat.unlink", a.Handle, l.Channel)
	})
}

// Redeem takes code, sent from address on channel to account a,
// through tx (the router's turn): a live code of the account links the
// chat to the member who was shown it and is used up. Every try counts
// against the chat's and the account's limits, so that the code cannot
// be guessed; a wrong one is ErrWrongCode, and once a limit is reached
// ErrTooManyTries, without looking at the code. Those two are answers,
// not failures: the caller commits tx with them, or the try is not
// counted.
func (s *Service) Redeem(ctx context.Context, tx models.Core, a *models.Account, code, channel, address string) (*Link, error) {
	accountID := a.ID
	for _, l := range []struct {
		key   string
		limit int
	}{
		{fmt.Sprintf("testchat-try:%d:%s:%s", accountID, channel, address), tryChatLimit},
		{fmt.Sprintf("testchat-try:%d", accountID), tryAccountLimit},
	} {
		ok, _, err := tx.Hit(ctx, l.key, l.limit, CodeTTL)
		if err != nil {
			return nil, fmt.Errorf("test chat code try: %w", err)
		}
		if !ok {
			return nil, ErrTooManyTries
		}
	}
	var live []Code
	if err := tx.Conn(ctx).Where("account_id = ? AND expires_at > ?", accountID, tx.Now()).Find(&live).Error; err != nil {
		return nil, fmt.Errorf("test chat codes: %w", err)
	}
	// Every live code is compared in full, so the time taken says
	// nothing about how close a guess came.
	var found *Code
	for i := range live {
		if subtle.ConstantTimeCompare([]byte(live[i].Code), []byte(code)) == 1 {
			found = &live[i]
		}
	}
	if found == nil {
		return nil, ErrWrongCode
	}
	res := tx.Conn(ctx).Where("id = ?", found.ID).Delete(&Code{})
	if res.Error != nil {
		return nil, fmt.Errorf("use test chat code: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		// Another message took it first.
		return nil, ErrWrongCode
	}
	l := &Link{OrganizationID: found.OrganizationID, UserID: found.UserID, AccountID: accountID, Channel: channel, Address: address, CreatedAt: tx.Now()}
	if err := tx.Conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(l).Error; err != nil {
		return nil, fmt.Errorf("link test chat: %w", err)
	}
	// Notices go there before they are published: the organization's
	// log says who linked a chat, and where.
	if err := tx.Audit(ctx, found.OrganizationID, found.UserID, "testchat.link", a.Handle, channel); err != nil {
		return nil, err
	}
	return l, nil
}
