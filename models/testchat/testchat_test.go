package testchat_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/testchat"
)

// clock is the store's clock, moved by the test: codes expire by it,
// with no sleeping.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// world is the test chats' service on a store whose clock the test moves.
type world struct {
	f     *apptest.Fixtures
	s     *testchat.Service
	core  models.Core
	clk   *clock
	a     *apptest.App
	ferry *models.Account
}

func newWorld(t *testing.T, dbURL string) *world {
	a := apptest.Start(t, dbURL)
	f := apptest.Seed(t, a)
	clk := &clock{now: time.Date(2030, 3, 1, 9, 0, 0, 0, time.UTC)}
	store := models.NewStore(a.DB, clk.Now)
	ferry, err := a.Accounts.CreateAccount(context.Background(), f.Member(models.RoleOwner),
		models.AccountInput{Handle: "ferry", Name: "Ferry", Category: "transit", Languages: []string{"en"}})
	if err != nil {
		t.Fatal(err)
	}
	return &world{f: f, s: testchat.New(store.Core), core: store.Core, clk: clk, a: a, ferry: ferry}
}

func (w *world) redeem(t *testing.T, acc *models.Account, code, channel, address string) (*testchat.Link, error) {
	t.Helper()
	var l *testchat.Link
	var redeemErr error
	// As the router does: a refused code is an answer, and the turn's
	// transaction, which counted the try, is committed.
	err := w.core.Tx(context.Background(), func(tx models.Core) error {
		l, redeemErr = w.s.Redeem(context.Background(), tx, acc, code, channel, address)
		if errors.Is(redeemErr, testchat.ErrWrongCode) || errors.Is(redeemErr, testchat.ErrTooManyTries) {
			return nil
		}
		return redeemErr
	})
	if err != nil {
		return nil, err
	}
	return l, redeemErr
}

func TestParseCode(t *testing.T) {
	for _, c := range []struct {
		text string
		want string
		ok   bool
	}{
		{"PLAZA 48392071", "48392071", true},
		{"plaza48392071", "48392071", true},
		{" Plaza 4839 2071. ", "48392071", true},
		{"PLAZA-4839-2071", "48392071", true},
		{"plaza-48392071", "48392071", true}, // a Telegram start payload
		{"/plaza 48392071", "48392071", true},
		{"PLAZA 4839207", "", false},
		{"PLAZA 483920711", "", false},
		{"48392071", "", false},
		{"plaza", "", false},
		{"stop", "", false},
		{"stop-1042", "", false},
		{"PLAZA ４８３９２０７１", "", false},
	} {
		got, ok := testchat.ParseCode(c.text)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseCode(%q) = %q %v, want %q %v", c.text, got, ok, c.want, c.ok)
		}
	}
}

// TestCodeLinksAChatOnce: a code links the chat it is sent from to the
// member who was shown it, once; it is refused when wrong, used, expired
// (by the store's clock), another account's, or replaced by a newer one.
func TestCodeLinksAChatOnce(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		ctx := context.Background()
		editor := w.f.Member(models.RoleEditor)
		metro := w.f.Account

		code, err := w.s.IssueCode(ctx, editor, metro)
		if err != nil {
			t.Fatal(err)
		}
		if len(code.Code) != 8 || code.Text() != "PLAZA "+code.Code || code.StartPayload() != "plaza-"+code.Code {
			t.Fatalf("code %+v", code)
		}
		if !code.ExpiresAt.Equal(w.clk.Now().Add(testchat.CodeTTL)) {
			t.Errorf("expires %v", code.ExpiresAt)
		}
		if live, err := w.s.LiveCode(ctx, editor, metro); err != nil || live == nil || live.Code != code.Code {
			t.Fatalf("live code %+v %v", live, err)
		}
		wrong := "00000000"
		if code.Code == wrong {
			wrong = "11111111"
		}
		if _, err := w.redeem(t, metro, wrong, models.ChannelTelegram, "42"); !errors.Is(err, testchat.ErrWrongCode) {
			t.Errorf("a wrong code: %v", err)
		}
		if _, err := w.redeem(t, w.ferry, code.Code, models.ChannelTelegram, "42"); !errors.Is(err, testchat.ErrWrongCode) {
			t.Errorf("the code sent to another account: %v", err)
		}
		l, err := w.redeem(t, metro, code.Code, models.ChannelTelegram, "42")
		if err != nil {
			t.Fatal(err)
		}
		if l.UserID != editor.User.ID || l.AccountID != metro.ID || l.Channel != models.ChannelTelegram || l.Address != "42" {
			t.Errorf("link %+v", l)
		}
		if _, err := w.redeem(t, metro, code.Code, models.ChannelTelegram, "43"); !errors.Is(err, testchat.ErrWrongCode) {
			t.Errorf("the code used twice: %v", err)
		}
		if live, err := w.s.LiveCode(ctx, editor, metro); err != nil || live != nil {
			t.Errorf("after use the live code is %+v %v", live, err)
		}
		links, err := w.s.Links(ctx, editor, metro)
		if err != nil || len(links) != 1 || links[0].Address != "42" {
			t.Fatalf("links %+v %v", links, err)
		}
		if other, err := w.s.Links(ctx, w.f.Member(models.RoleOwner), metro); err != nil || len(other) != 0 {
			t.Errorf("the owner sees the editor's links: %+v %v", other, err)
		}
		if _, err := w.s.Link(ctx, w.f.Member(models.RoleOwner), metro, links[0].ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("the owner reads the editor's link: %v", err)
		}
		if _, err := w.s.Link(ctx, editor, w.ferry, links[0].ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("the link read through another account: %v", err)
		}

		// A new code replaces the one before; a code expires.
		first, err := w.s.IssueCode(ctx, editor, metro)
		if err != nil {
			t.Fatal(err)
		}
		second, err := w.s.IssueCode(ctx, editor, metro)
		if err != nil {
			t.Fatal(err)
		}
		if first.Code != second.Code {
			if _, err := w.redeem(t, metro, first.Code, models.ChannelSMS, "+85291234567"); !errors.Is(err, testchat.ErrWrongCode) {
				t.Errorf("a replaced code: %v", err)
			}
		}
		w.clk.Add(testchat.CodeTTL)
		if live, err := w.s.LiveCode(ctx, editor, metro); err != nil || live != nil {
			t.Errorf("at its expiry the live code is %+v %v", live, err)
		}
		if _, err := w.redeem(t, metro, second.Code, models.ChannelSMS, "+85291234567"); !errors.Is(err, testchat.ErrWrongCode) {
			t.Errorf("an expired code: %v", err)
		}
		fresh, err := w.s.IssueCode(ctx, editor, metro)
		if err != nil {
			t.Fatal(err)
		}
		w.clk.Add(testchat.CodeTTL - time.Second)
		if _, err := w.redeem(t, metro, fresh.Code, models.ChannelSMS, "+85291234567"); err != nil {
			t.Errorf("a code a second before its expiry: %v", err)
		}

		// Unlink: only one's own.
		links, _ = w.s.Links(ctx, editor, metro)
		if len(links) != 2 {
			t.Fatalf("links %+v", links)
		}
		if err := w.s.Unlink(ctx, w.f.Member(models.RoleOwner), metro, links[0].ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("the owner unlinks the editor's chat: %v", err)
		}
		if err := w.s.Unlink(ctx, editor, metro, links[0].ID); err != nil {
			t.Fatal(err)
		}
		if links, _ = w.s.Links(ctx, editor, metro); len(links) != 1 || links[0].Channel != models.ChannelSMS {
			t.Errorf("after unlink: %+v", links)
		}
	})
}

// TestCodeTriesAreLimited: a chat that sends codes over and over, and
// an account that gets them from many chats, are stopped before a code
// could be guessed; the right code is refused too once the limit is
// reached, and taken again when the window ends.
func TestCodeTriesAreLimited(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		ctx := context.Background()
		editor := w.f.Member(models.RoleEditor)
		code, err := w.s.IssueCode(ctx, editor, w.f.Account)
		if err != nil {
			t.Fatal(err)
		}
		wrong := "00000000"
		if code.Code == wrong {
			wrong = "11111111"
		}
		for i := range 5 {
			if _, err := w.redeem(t, w.f.Account, wrong, models.ChannelTelegram, "42"); !errors.Is(err, testchat.ErrWrongCode) {
				t.Fatalf("try %d: %v", i+1, err)
			}
		}
		if _, err := w.redeem(t, w.f.Account, code.Code, models.ChannelTelegram, "42"); !errors.Is(err, testchat.ErrTooManyTries) {
			t.Errorf("the right code after five wrong ones from the chat: %v", err)
		}
		// Other chats, until the account's limit.
		for i := range 25 {
			if _, err := w.redeem(t, w.f.Account, wrong, models.ChannelSMS, "+8529100"+string(rune('0'+i/10))+string(rune('0'+i%10))); !errors.Is(err, testchat.ErrWrongCode) {
				t.Fatalf("account try %d: %v", i+1, err)
			}
		}
		if _, err := w.redeem(t, w.f.Account, code.Code, models.ChannelTelegram, "77"); !errors.Is(err, testchat.ErrTooManyTries) {
			t.Errorf("the right code after the account's limit: %v", err)
		}
		// Another account's codes are not blocked by it.
		other, err := w.s.IssueCode(ctx, editor, w.ferry)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.redeem(t, w.ferry, other.Code, models.ChannelTelegram, "77"); err != nil {
			t.Errorf("another account's code: %v", err)
		}
		w.clk.Add(testchat.CodeTTL)
		fresh, err := w.s.IssueCode(ctx, editor, w.f.Account)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.redeem(t, w.f.Account, fresh.Code, models.ChannelTelegram, "42"); err != nil {
			t.Errorf("after the window: %v", err)
		}
		// Issuing codes is limited per member.
		var last error
		for range 12 {
			_, last = w.s.IssueCode(ctx, editor, w.f.Account)
		}
		if !errors.Is(last, testchat.ErrTooManyCodes) {
			t.Errorf("the 14th code in an hour: %v", last)
		}
	})
}

// TestLinksGoWithTheMembership: a member who leaves the organization
// loses their codes and linked chats.
func TestLinksGoWithTheMembership(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		ctx := context.Background()
		editor := w.f.Member(models.RoleEditor)
		code, err := w.s.IssueCode(ctx, editor, w.f.Account)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.redeem(t, w.f.Account, code.Code, models.ChannelTelegram, "42"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.IssueCode(ctx, editor, w.f.Account); err != nil {
			t.Fatal(err)
		}
		owner := w.f.Member(models.RoleOwner)
		ownCode, err := w.s.IssueCode(ctx, owner, w.f.Account)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.redeem(t, w.f.Account, ownCode.Code, models.ChannelTelegram, "99"); err != nil {
			t.Fatal(err)
		}
		if err := w.a.Orgs.RemoveMember(ctx, owner, editor.User.ID); err != nil {
			t.Fatal(err)
		}
		if links, err := w.s.Links(ctx, editor, w.f.Account); err != nil || len(links) != 0 {
			t.Errorf("the editor who left still has links %+v %v", links, err)
		}
		if live, err := w.s.LiveCode(ctx, editor, w.f.Account); err != nil || live != nil {
			t.Errorf("the editor who left still has a code %+v %v", live, err)
		}
		if links, err := w.s.Links(ctx, owner, w.f.Account); err != nil || len(links) != 1 {
			t.Errorf("the owner's links went too: %+v %v", links, err)
		}
	})
}

// TestServiceAnswersOneRule holds the services to Require's rule: those
// who may write the account's notices (and so test them) may link chats.
func TestServiceAnswersOneRule(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		s, acc := w.s, w.f.Account
		apptest.AnswersOneRule(t, w.f, []apptest.Gated{
			{Name: "IssueCode", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.IssueCode(ctx, m, acc)
				return err
			}},
			{Name: "LiveCode", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.LiveCode(ctx, m, acc)
				return err
			}},
			{Name: "Links", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.Links(ctx, m, acc)
				return err
			}},
			{Name: "Link", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.Link(ctx, m, acc, 1)
				return err
			}},
			{Name: "Unlink", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				return s.Unlink(ctx, m, acc, 1)
			}},
		})
	})
}
