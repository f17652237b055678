package templates

import (
	"context"
	"strings"
	"time"

	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// NoticeUpdate is one step of a notice's public history: what one
// broadcast told its followers, and what changed since the one before.
type NoticeUpdate struct {
	// Kind is the broadcast's (models.KindPublish, KindUpdate, ...).
	Kind string
	At   time.Time
	// Before is the previous version (nil for the first); Changed names
	// what differs from it (notice.Changes).
	Before, After *models.Notice
	Changed       []string
}

// maxHistory is how many versions a notice's page lists: a notice fed by
// an operations system may be updated every few minutes for days.
const maxHistory = 20

// historyFrom is the index of the oldest version the page lists.
func historyFrom(history []NoticeUpdate) int { return max(0, len(history)-maxHistory) }

// LastUpdate is the time of the latest update or ending, if the notice
// has had one.
func LastUpdate(history []NoticeUpdate) (time.Time, bool) {
	if len(history) < 2 {
		return time.Time{}, false
	}
	return history[len(history)-1].At, true
}

// untilText is when a live notice is in force, in words: from its start
// when it has one, until its expiry or further notice. It reads the same
// before and after the start, so a kept page does not go stale with it.
func untilText(ctx context.Context, n *models.Notice) string {
	switch {
	case n.EffectiveAt != nil && n.ExpiresAt != nil:
		return t(ctx, "notices.plain_from_until", formatTime(ctx, *n.EffectiveAt), formatTime(ctx, *n.ExpiresAt))
	case n.EffectiveAt != nil:
		return t(ctx, "notices.plain_from", formatTime(ctx, *n.EffectiveAt))
	case n.ExpiresAt != nil:
		return t(ctx, "banner.until", formatTime(ctx, *n.ExpiresAt))
	}
	return t(ctx, "banner.until_further")
}

// plainUrgency is what a citizen should do, in plain words, for the
// notice's CAP urgency ("" when CAP does not say: Unknown, or none).
func plainUrgency(n *models.Notice) string {
	switch u := strings.ToLower(n.Urgency); u {
	case "immediate", "expected", "future", "past":
		return "plain.urgency_" + u
	}
	return ""
}

// plainResponses are the message keys of what a safety notice tells
// people to do, one per CAP response type, in plain words ("Leave the
// area."), in the issuer's order.
func plainResponses(n *models.Notice) []string {
	var out []string
	for _, r := range n.ResponseTypeList() {
		out = append(out, "plain.response_"+strings.ToLower(r))
	}
	return out
}

// responseText is plainResponses as one line ("–" for none).
func responseText(ctx context.Context, n *models.Notice) string {
	keys := plainResponses(n)
	if len(keys) == 0 {
		return "–"
	}
	words := make([]string, len(keys))
	for i, k := range keys {
		words[i] = t(ctx, k)
	}
	return i18n.Sentences(words...)
}

// plainCertainty is how sure the issuer is, in plain words, for the
// notice's CAP certainty ("" when unknown).
func plainCertainty(n *models.Notice) string {
	switch c := strings.ToLower(n.Certainty); c {
	case "observed", "likely", "possible", "unlikely":
		return "plain.certainty_" + c
	}
	return ""
}

// plainOr is the message of key, or a dash when there is none.
func plainOr(ctx context.Context, key string) string {
	if key == "" {
		return "–"
	}
	return t(ctx, key)
}

func severityText(ctx context.Context, n *models.Notice) string {
	if n.Severity == "" {
		return "–"
	}
	return t(ctx, "cap.severity_"+strings.ToLower(n.Severity))
}

func textOr(ctx context.Context, s string) string {
	if s == "" {
		return "–"
	}
	return isolate(ctx, s)
}

func listOr(ctx context.Context, items []string) string {
	if len(items) == 0 {
		return "–"
	}
	return isolateList(ctx, items)
}

// changeText says in plain words what one update changed, old and new.
func changeText(ctx context.Context, u NoticeUpdate, what, readLang string) string {
	b, a := u.Before, u.After
	switch what {
	case notice.ChangedTitle:
		return t(ctx, "notices.changed_title", isolate(ctx, b.Title(readLang)), isolate(ctx, a.Title(readLang)))
	case notice.ChangedResponse:
		return t(ctx, "notices.changed_response", responseText(ctx, b), responseText(ctx, a))
	case notice.ChangedInstruction:
		return t(ctx, "notices.changed_instruction", textOr(ctx, b.Instruction(readLang)), textOr(ctx, a.Instruction(readLang)))
	case notice.ChangedSeverity:
		return t(ctx, "notices.changed_severity", severityText(ctx, b), severityText(ctx, a))
	case notice.ChangedUrgency:
		return t(ctx, "notices.changed_urgency", plainOr(ctx, plainUrgency(b)), plainOr(ctx, plainUrgency(a)))
	case notice.ChangedCertainty:
		return t(ctx, "notices.changed_certainty", plainOr(ctx, plainCertainty(b)), plainOr(ctx, plainCertainty(a)))
	case notice.ChangedPeriod:
		return t(ctx, "notices.changed_until", untilText(ctx, b), untilText(ctx, a))
	case notice.ChangedWhere:
		return t(ctx, "notices.changed_where", textOr(ctx, b.AreaDesc), textOr(ctx, a.AreaDesc))
	case notice.ChangedMap:
		return t(ctx, "notices.changed_map")
	case notice.ChangedRoutes:
		return t(ctx, "notices.changed_routes", listOr(ctx, b.RouteList()), listOr(ctx, a.RouteList()))
	case notice.ChangedStops:
		return t(ctx, "notices.changed_stops", listOr(ctx, b.StopList()), listOr(ctx, a.StopList()))
	case notice.ChangedBody:
		return t(ctx, "notices.changed_body")
	}
	return ""
}
