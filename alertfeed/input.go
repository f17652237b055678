package alertfeed

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/MobilityData/gtfs-realtime-bindings/golang/gtfs"

	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// An alert of a GTFS-realtime feed as the notice it becomes.

// input turns an alert into a transit notice. langs are the account's
// languages, its default first: an untagged translation is in the
// default, and a language the account does not publish in is left out.
func input(a *gtfs.Alert, langs []string) notice.Input {
	in := notice.Input{Kind: models.NoticeTransit, Translations: models.Translations{}}
	def := langs[0]
	for l, text := range texts(a.GetHeaderText(), def) {
		if slices.Contains(langs, l) {
			in.Translations.Set(l, "title", truncate(text, 200))
		}
	}
	for l, text := range texts(a.GetDescriptionText(), def) {
		if slices.Contains(langs, l) {
			in.Translations.Set(l, "body", text)
		}
	}
	// A notice needs a body: an alert with a header only reads it twice.
	for _, l := range in.Translations.Langs() {
		if !in.Translations.Has(l, "body") {
			in.Translations.Set(l, "body", in.Translations.Get(l, "title"))
		}
	}
	var routes, stops []string
	for _, e := range a.GetInformedEntity() {
		if r := e.GetRouteId(); r != "" && !slices.Contains(routes, r) {
			routes = append(routes, r)
		}
		if s := e.GetStopId(); s != "" && !slices.Contains(stops, s) {
			stops = append(stops, s)
		}
	}
	in.Routes, in.Stops = notice.IDList(strings.Join(routes, ",")), notice.IDList(strings.Join(stops, ","))
	if c := a.GetCause().String(); slices.Contains(notice.GTFSCauses(), c) {
		in.Cause = c
	}
	if e := a.GetEffect().String(); slices.Contains(notice.GTFSEffects(), e) {
		in.Effect = e
	}
	if ps := a.GetActivePeriod(); len(ps) > 0 {
		if s := ps[0].GetStart(); s > 0 {
			t := time.Unix(int64(s), 0).UTC()
			in.EffectiveAt = &t
		}
		if e := ps[len(ps)-1].GetEnd(); e > 0 {
			t := time.Unix(int64(e), 0).UTC()
			in.ExpiresAt = &t
		}
	}
	return in
}

// texts are a translated string's texts by language tag, in the
// spelling of Plaza's language list (zh-TW → zh-Hant, zh → zh-Hans); an
// untagged one is in def. A language the list does not know is left out,
// as is a second text for one language.
func texts(ts *gtfs.TranslatedString, def string) map[string]string {
	out := map[string]string{}
	for _, t := range ts.GetTranslation() {
		l := def
		if code := t.GetLanguage(); code != "" {
			var ok bool
			if l, ok = i18n.CanonicalTag(code); !ok {
				continue
			}
		}
		if _, dup := out[l]; !dup {
			if text := strings.TrimSpace(t.GetText()); text != "" {
				out[l] = text
			}
		}
	}
	return out
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// hash fingerprints the alert in the stored shape, which does not change
// with the API's JSON names, so hashes already stored still match.
func hash(in notice.Input) string {
	b, _ := in.StoredJSON()
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
