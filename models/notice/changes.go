package notice

import (
	"slices"
	"time"

	"github.com/plazahq/plaza/models"
)

// The parts of a notice an update can change, as Changes names them, in
// the order a reader is told of them: the headline first, the text last.
const (
	ChangedTitle = "title"
	// What to do: a safety notice's response types and its instruction.
	ChangedResponse    = "response"
	ChangedInstruction = "instruction"
	ChangedSeverity    = "severity"
	ChangedUrgency     = "urgency"
	ChangedCertainty   = "certainty"
	ChangedPeriod      = "period"
	ChangedWhere       = "where"
	ChangedMap         = "map"
	ChangedRoutes      = "routes"
	ChangedStops       = "stops"
	ChangedBody        = "body"
)

// Changes lists what differs between two versions of a notice for a
// reader of lang (a title or text changed only in another language is
// not this reader's news), in the order above.
func Changes(before, after *models.Notice, lang string) []string {
	var out []string
	add := func(changed bool, what string) {
		if changed {
			out = append(out, what)
		}
	}
	add(before.Title(lang) != after.Title(lang), ChangedTitle)
	add(!slices.Equal(before.ResponseTypeList(), after.ResponseTypeList()), ChangedResponse)
	add(before.Instruction(lang) != after.Instruction(lang), ChangedInstruction)
	add(before.Severity != after.Severity, ChangedSeverity)
	add(before.Urgency != after.Urgency, ChangedUrgency)
	add(before.Certainty != after.Certainty, ChangedCertainty)
	add(!sameTime(before.EffectiveAt, after.EffectiveAt) || !sameTime(before.ExpiresAt, after.ExpiresAt), ChangedPeriod)
	add(before.AreaDesc != after.AreaDesc, ChangedWhere)
	add(before.Area != after.Area, ChangedMap)
	add(!slices.Equal(before.RouteList(), after.RouteList()), ChangedRoutes)
	add(!slices.Equal(before.StopList(), after.StopList()), ChangedStops)
	add(before.Body(lang) != after.Body(lang), ChangedBody)
	return out
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
