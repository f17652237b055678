package alertfeed

import (
	"strings"
	"testing"
	"time"

	gtfs "github.com/MobilityData/gtfs-realtime-bindings/golang/gtfs"
	"google.golang.org/protobuf/proto"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// TestInputMapsAnAlert checks the GTFS-realtime to notice mapping on its
// own, with no database and no feed server.
func TestInputMapsAnAlert(t *testing.T) {
	tr := func(pairs ...string) *gtfs.TranslatedString {
		ts := &gtfs.TranslatedString{}
		for i := 0; i < len(pairs); i += 2 {
			ts.Translation = append(ts.Translation, &gtfs.TranslatedString_Translation{Text: proto.String(pairs[i+1]), Language: proto.String(pairs[i])})
		}
		return ts
	}
	cause, effect := gtfs.Alert_CONSTRUCTION, gtfs.Alert_DETOUR
	a := &gtfs.Alert{
		HeaderText:      tr("en", " Line 12 diverted ", "zh-Hant", "12號綫改道", "zh", "12号线改道"),
		DescriptionText: tr("", "Buses use Harbour Rd."),
		InformedEntity: []*gtfs.EntitySelector{
			{RouteId: proto.String("12")}, {RouteId: proto.String("12"), StopId: proto.String("S1")}, {RouteId: proto.String("7")},
		},
		Cause: &cause, Effect: &effect,
		ActivePeriod: []*gtfs.TimeRange{{Start: proto.Uint64(1_800_000_000)}, {End: proto.Uint64(1_800_086_400)}},
	}
	in := input(a, []string{"en", "zh-Hans", "zh-Hant"})
	start, end := time.Unix(1_800_000_000, 0).UTC(), time.Unix(1_800_086_400, 0).UTC()
	switch {
	case in.Kind != models.NoticeTransit:
		t.Errorf("kind %q", in.Kind)
	case in.Translations.Get("en", "title") != "Line 12 diverted" || in.Translations.Get("zh-Hant", "title") != "12號綫改道" || in.Translations.Get("zh-Hans", "title") != "12号线改道":
		t.Errorf("titles %v: want the English one trimmed and each Chinese script under its own tag", in.Translations)
	case in.Translations.Get("en", "body") != "Buses use Harbour Rd." || in.Translations.Get("zh-Hant", "body") != "12號綫改道":
		t.Errorf("bodies %v: an untagged text is in the account's default, and a missing body is the title", in.Translations)
	case in.Routes != "12,7" || in.Stops != "S1":
		t.Errorf("routes %q, stops %q: each once, in order", in.Routes, in.Stops)
	case in.Cause != "CONSTRUCTION" || in.Effect != "DETOUR":
		t.Errorf("cause %q, effect %q", in.Cause, in.Effect)
	case in.EffectiveAt == nil || !in.EffectiveAt.Equal(start) || in.ExpiresAt == nil || !in.ExpiresAt.Equal(end):
		t.Errorf("period %v – %v, want %v – %v (the first start, the last end)", in.EffectiveAt, in.ExpiresAt, start, end)
	}
	if _, err := notice.Validate(in, start.Add(-time.Hour)); err != nil {
		t.Errorf("the mapped notice does not validate for publishing: %v", err)
	}

	// A language the account does not publish in is left out.
	if enOnly := input(a, []string{"en"}); enOnly.Translations.Has("zh-Hant", "title") || enOnly.Translations.Get("en", "title") != "Line 12 diverted" {
		t.Errorf("an English account's notice: %v", enOnly.Translations)
	}
	long := input(&gtfs.Alert{HeaderText: tr("en", strings.Repeat("é", 300))}, []string{"en"})
	if n := len([]rune(long.Translations.Get("en", "title"))); n != 200 {
		t.Errorf("a 300-character title is kept at %d characters, want 200", n)
	}
	// GTFS-realtime's defaults: an alert that says nothing has an unknown
	// cause and effect, and no period.
	if bare := input(&gtfs.Alert{}, []string{"en"}); bare.Cause != "UNKNOWN_CAUSE" || bare.Effect != "UNKNOWN_EFFECT" || bare.EffectiveAt != nil || bare.Routes != "" {
		t.Errorf("an empty alert: %+v", bare)
	}
}
