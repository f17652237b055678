package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
)

// rolesWith lists the roles of the organization that p grants, so the
// matrix rows of routes that show personal data follow the role table in
// models/role.go (TestRoleCan pins the table itself).
func rolesWith(p models.Permission) []visitor {
	var out []visitor
	for _, r := range models.AllRoles() {
		if r.Can(p) {
			out = append(out, visitor(r))
		}
	}
	return out
}

// exposure is a page that may show personal data or a secret: members
// whose role grants perm get it with want in the body; everyone else gets
// the page without it (masked or refused).
type exposure struct {
	path, want string
	perm       models.Permission
}

// exposureRows seeds a follower, an answer with a contact, and an account
// whose channels hold signing secrets, and lists every page that shows
// them.
func exposureRows(t testing.TB, a *apptest.App, f *apptest.Fixtures) []exposure {
	ctx := context.Background()
	owner := f.Member(models.RoleOwner)
	fl, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelEmail, "exposed.follower@example.org", "Matrix Person", "en", nil, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	p := openProject(t, a, f, "")
	pp, err := a.Projects.PublicProjectByID(ctx, "metro", p.ID)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := a.Projects.SubmitFeedback(ctx, pp, models.FeedbackInput{Stance: models.StanceSupport, Comment: "Matrix answer",
		Contact: "chan.victim@example.org", Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	// Secrets live on their own account, so the chat rows of the matrix
	// (which test an account with nothing set up) are unchanged.
	vault, err := a.Accounts.CreateAccount(ctx, owner, models.AccountInput{Handle: "vault", Name: "Vault", Category: "transit", Languages: []string{"en"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := saveChat(ctx, a, owner, vault, models.ChannelWeChat, settings(false, "app_id", "wx1234567890abcdef",
		"app_secret", "app-secret-matrix", "token", "wxTokenMatrix", "aes_key", strings.Repeat("A", 43))); err != nil {
		t.Fatal(err)
	}
	if err := saveChat(ctx, a, owner, vault, models.ChannelTelegram, settings(false, "bot_token", "123456:"+strings.Repeat("b", 30),
		"secret_token", "tgSecretMatrix")); err != nil {
		t.Fatal(err)
	}
	if err := a.Channels.SaveWebhook(ctx, owner, vault, channel.WebhookInput{URL: "https://gw.example.org/hook"}); err != nil {
		t.Fatal(err)
	}
	w, err := a.Channels.Webhook(ctx, owner, vault)
	if err != nil {
		t.Fatal(err)
	}
	acc := fmt.Sprintf("/studio/orgs/%d/accounts/metro", f.Org.ID)
	followers := acc + "/followers"
	pr := fmt.Sprintf("%s/projects/%d", acc, p.ID)
	item := fmt.Sprintf("%s/feedback/%d", pr, sub.Feedback.ID)
	vaultURL := fmt.Sprintf("/studio/orgs/%d/accounts/vault", f.Org.ID)
	return []exposure{
		{followers, "exposed.follower@example.org", models.PermContacts},
		{fmt.Sprintf("%s/%d", followers, fl.ID), "exposed.follower@example.org", models.PermContacts},
		{followers + "/export.csv", "exposed.follower@example.org", models.PermContacts},
		// A search by address finds the follower only for those who may
		// see addresses; for anyone else it would tell who follows.
		{followers + "?q=exposed.follower", fmt.Sprintf("/followers/%d\"", fl.ID), models.PermContacts},
		{item, "chan.victim@example.org", models.PermContacts},
		{pr + "/feedback?status=&q=chan.victim", fmt.Sprintf("/feedback/%d\"", sub.Feedback.ID), models.PermContacts},
		{pr + "/export.csv", "chan.victim@example.org", models.PermContacts},
		{pr + "/export.json", "chan.victim@example.org", models.PermContacts},
		{vaultURL + "/chat", "wxTokenMatrix", models.PermSecrets},
		{vaultURL + "/chat", strings.Repeat("A", 43), models.PermSecrets},
		{vaultURL + "/chat", "tgSecretMatrix", models.PermSecrets},
		{vaultURL + "/delivery", w.Secret, models.PermSecrets},
	}
}

// checkExposure requests e as a member of role r.
func checkExposure(t *testing.T, c *apptest.Client, e exposure, r models.Role) {
	t.Helper()
	res := c.Get(e.path)
	if r.Can(e.perm) {
		if res.Status != 200 || !strings.Contains(res.Body, e.want) {
			t.Fatalf("GET %s as %s: %d, %q missing; the role grants %s", e.path, r, res.Status, e.want, e.perm)
		}
		return
	}
	if strings.Contains(res.Body, e.want) {
		t.Fatalf("GET %s as %s: %d shows %q; the role does not grant %s", e.path, r, res.Status, e.want, e.perm)
	}
}
