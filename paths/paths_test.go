package paths

import "testing"

// Every URL is pinned byte for byte: links in sent e-mails, printed posters
// and bookmarks depend on them, so a change here must be deliberate.
func TestPaths(t *testing.T) {
	const h = "citytransit"
	cases := []struct{ got, want string }{
		{Studio(), "/studio"},
		{Org(7), "/studio/orgs/7"},
		{Accounts(7), "/studio/orgs/7/accounts"},
		{NewAccount(7), "/studio/orgs/7/accounts/new"},
		{Staff(7), "/studio/orgs/7/staff"},
		{StaffMember(7, 3), "/studio/orgs/7/staff/3"},
		{Invites(7), "/studio/orgs/7/staff/invites"},
		{Invite(7, 4), "/studio/orgs/7/staff/invites/4"},
		{Settings(7), "/studio/orgs/7/settings"},
		{APITokens(7), "/studio/orgs/7/api-tokens"},
		{APIToken(7, 5), "/studio/orgs/7/api-tokens/5"},
		{Audit(7), "/studio/orgs/7/audit"},
		{Account(7, h), "/studio/orgs/7/accounts/citytransit"},
		{Notices(7, h), "/studio/orgs/7/accounts/citytransit/notices"},
		{Notice(7, h, 12), "/studio/orgs/7/accounts/citytransit/notices/12"},
		{Broadcast(7, h, 13), "/studio/orgs/7/accounts/citytransit/broadcasts/13"},
		{Projects(7, h), "/studio/orgs/7/accounts/citytransit/projects"},
		{Project(7, h, 14), "/studio/orgs/7/accounts/citytransit/projects/14"},
		{Feedback(7, h, 14), "/studio/orgs/7/accounts/citytransit/projects/14/feedback"},
		{FeedbackItem(7, h, 14, 15), "/studio/orgs/7/accounts/citytransit/projects/14/feedback/15"},
		{Followers(7, h), "/studio/orgs/7/accounts/citytransit/followers"},
		{Follower(7, h, 16), "/studio/orgs/7/accounts/citytransit/followers/16"},
		{Codes(7, h), "/studio/orgs/7/accounts/citytransit/codes"},
		{Code(7, h, 17), "/studio/orgs/7/accounts/citytransit/codes/17"},
		{Imports(7, h), "/studio/orgs/7/accounts/citytransit/imports"},
		{NewImport(7, h), "/studio/orgs/7/accounts/citytransit/imports/new"},
		{Import(7, h, 18), "/studio/orgs/7/accounts/citytransit/imports/18"},
		{Inbox(7, h), "/studio/orgs/7/accounts/citytransit/inbox"},
		{Conversation(7, h, 19), "/studio/orgs/7/accounts/citytransit/inbox/19"},
		{Chat(7, h), "/studio/orgs/7/accounts/citytransit/chat"},
		{Delivery(7, h), "/studio/orgs/7/accounts/citytransit/delivery"},
		{GTFS(7, h), "/studio/orgs/7/accounts/citytransit/gtfs"},
		{GTFSRoutes(7, h), "/studio/orgs/7/accounts/citytransit/gtfs/routes"},
		{GTFSStops(7, h), "/studio/orgs/7/accounts/citytransit/gtfs/stops"},
		{Public(h), "/@citytransit"},
		{PublicFollow(h), "/@citytransit/follow"},
		{PublicNotices(h), "/@citytransit/notices"},
		{PublicNotice(h, 20), "/@citytransit/notices/20"},
		{PublicAlerts(h), "/@citytransit/alerts"},
		{NoticesFeed(h), "/@citytransit/notices.atom"},
		{CAPFeed(h), "/@citytransit/cap.atom"},
		{GTFSRTAlerts(h), "/@citytransit/gtfs-rt/alerts"},
		{PublicProjects(h), "/@citytransit/projects"},
		{PublicProject(h, 21), "/@citytransit/projects/21"},
		{Media("aZ09-x"), "/media/aZ09-x"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
