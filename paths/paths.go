// Package paths builds every studio and public URL that handlers redirect to
// and templates link to, so a page's address is written in one place and a
// route change cannot leave a stale link behind. Route patterns (with :org,
// :handle, :id) stay in the handlers' route registration.
//
// Handles are used as they are: account handles are validated to URL-safe
// characters when they are created, and today's links never escaped them.
package paths

import "strconv"

func id(n int64) string { return strconv.FormatInt(n, 10) }

// Studio is the staff home: the list of the user's organizations.
func Studio() string { return "/studio" }

// Org is an organization's studio overview.
func Org(orgID int64) string { return "/studio/orgs/" + id(orgID) }

// Accounts lists an organization's accounts; NewAccount is its create form.
func Accounts(orgID int64) string   { return Org(orgID) + "/accounts" }
func NewAccount(orgID int64) string { return Accounts(orgID) + "/new" }

// Staff is the organization's staff and invitations page.
func Staff(orgID int64) string { return Org(orgID) + "/staff" }

// StaffMember is one staff member's actions (role, remove) by user id.
func StaffMember(orgID, userID int64) string { return Staff(orgID) + "/" + id(userID) }

// Invites is where invitations are created; Invite is one invitation.
func Invites(orgID int64) string          { return Staff(orgID) + "/invites" }
func Invite(orgID, inviteID int64) string { return Invites(orgID) + "/" + id(inviteID) }

// Settings is the organization's settings form.
func Settings(orgID int64) string { return Org(orgID) + "/settings" }

// Districts is the organization's districts page (list, import, map);
// District is one district's actions (rename, delete) by id;
// DistrictsSample is the sample file the page offers.
func Districts(orgID int64) string            { return Org(orgID) + "/districts" }
func District(orgID, districtID int64) string { return Districts(orgID) + "/" + id(districtID) }
func DistrictsGeocode(orgID int64) string     { return Districts(orgID) + "/geocode" }

// DistrictsSample is a small GeoJSON file of three districts, the format
// the import expects.
const DistrictsSample = "/static/samples/districts-sample.geojson"

// APITokens lists the organization's API tokens; APIToken is one of them.
func APITokens(orgID int64) string         { return Org(orgID) + "/api-tokens" }
func APIToken(orgID, tokenID int64) string { return APITokens(orgID) + "/" + id(tokenID) }

// Audit is the organization's audit log.
func Audit(orgID int64) string { return Org(orgID) + "/audit" }

// Account is an account's studio profile page; every per-account studio
// page below hangs off it.
func Account(orgID int64, handle string) string { return Accounts(orgID) + "/" + handle }

// Notices lists an account's notices; Notice is one notice's editor.
func Notices(orgID int64, handle string) string { return Account(orgID, handle) + "/notices" }
func Notice(orgID int64, handle string, noticeID int64) string {
	return Notices(orgID, handle) + "/" + id(noticeID)
}

// Broadcast is one broadcast's progress page.
func Broadcast(orgID int64, handle string, broadcastID int64) string {
	return Account(orgID, handle) + "/broadcasts/" + id(broadcastID)
}

// Projects lists an account's projects; Project is one project's studio page.
func Projects(orgID int64, handle string) string { return Account(orgID, handle) + "/projects" }
func Project(orgID int64, handle string, projectID int64) string {
	return Projects(orgID, handle) + "/" + id(projectID)
}

// Feedback is a project's moderation queue; FeedbackItem is one submission.
func Feedback(orgID int64, handle string, projectID int64) string {
	return Project(orgID, handle, projectID) + "/feedback"
}
func FeedbackItem(orgID int64, handle string, projectID, feedbackID int64) string {
	return Feedback(orgID, handle, projectID) + "/" + id(feedbackID)
}

// Followers lists an account's followers; Follower is one follower's page.
func Followers(orgID int64, handle string) string { return Account(orgID, handle) + "/followers" }
func Follower(orgID int64, handle string, followerID int64) string {
	return Followers(orgID, handle) + "/" + id(followerID)
}

// Codes lists an account's follow QR codes; Code is one code's page.
func Codes(orgID int64, handle string) string { return Account(orgID, handle) + "/codes" }
func Code(orgID int64, handle string, codeID int64) string {
	return Codes(orgID, handle) + "/" + id(codeID)
}

// Imports is where follower CSV files are uploaded; NewImport is the upload
// form and Import one uploaded file's preview.
func Imports(orgID int64, handle string) string   { return Account(orgID, handle) + "/imports" }
func NewImport(orgID int64, handle string) string { return Imports(orgID, handle) + "/new" }
func Import(orgID int64, handle string, importID int64) string {
	return Imports(orgID, handle) + "/" + id(importID)
}

// Inbox lists an account's conversations; Conversation is one of them.
func Inbox(orgID int64, handle string) string { return Account(orgID, handle) + "/inbox" }
func Conversation(orgID int64, handle string, conversationID int64) string {
	return Inbox(orgID, handle) + "/" + id(conversationID)
}

// Chat is an account's chat-channel settings; Delivery its delivery settings.
func Chat(orgID int64, handle string) string     { return Account(orgID, handle) + "/chat" }
func Delivery(orgID int64, handle string) string { return Account(orgID, handle) + "/delivery" }

// GTFS is an account's GTFS static feed page (upload and summary);
// GTFSRoutes and GTFSStops its autocomplete searches (JSON).
func GTFS(orgID int64, handle string) string       { return Account(orgID, handle) + "/gtfs" }
func GTFSRoutes(orgID int64, handle string) string { return GTFS(orgID, handle) + "/routes" }
func GTFSStops(orgID int64, handle string) string  { return GTFS(orgID, handle) + "/stops" }

// Public is an account's public page; the functions below hang off it.
func Public(handle string) string { return "/@" + handle }

// PublicFollow is the account's follow form.
func PublicFollow(handle string) string { return Public(handle) + "/follow" }

// PublicNotices lists the account's published notices; PublicNotice is one.
func PublicNotices(handle string) string { return Public(handle) + "/notices" }
func PublicNotice(handle string, noticeID int64) string {
	return PublicNotices(handle) + "/" + id(noticeID)
}

// PublicAlerts lists the account's alerts in force.
func PublicAlerts(handle string) string { return Public(handle) + "/alerts" }

// NoticesFeed, CAPFeed and GTFSRTAlerts are the account's machine feeds.
func NoticesFeed(handle string) string  { return Public(handle) + "/notices.atom" }
func CAPFeed(handle string) string      { return Public(handle) + "/cap.atom" }
func GTFSRTAlerts(handle string) string { return Public(handle) + "/gtfs-rt/alerts" }

// AlertsGeoJSON is the GeoJSON of the account's alerts in force ("" for
// every account's).
func AlertsGeoJSON(handle string) string {
	if handle == "" {
		return "/alerts.geojson"
	}
	return Public(handle) + "/alerts.geojson"
}

// PublicProjects lists the account's projects; PublicProject is one project's
// consultation page, where citizens post feedback.
func PublicProjects(handle string) string { return Public(handle) + "/projects" }
func PublicProject(handle string, projectID int64) string {
	return PublicProjects(handle) + "/" + id(projectID)
}

// Media is where a stored file is served, by its public identifier (never
// its sequential id, which could be counted through).
func Media(publicID string) string { return "/media/" + publicID }
