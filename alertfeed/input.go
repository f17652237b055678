package alertfeed

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/MobilityData/gtfs-realtime-bindings/golang/gtfs"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// An alert of a GTFS-realtime feed as the notice it becomes.

// input turns an alert into a transit notice.
func input(a *gtfs.Alert) notice.Input {
	in := notice.Input{Kind: models.NoticeTransit}
	in.TitleEn, in.TitleZh = texts(a.GetHeaderText())
	in.BodyEn, in.BodyZh = texts(a.GetDescriptionText())
	if in.BodyEn == "" {
		in.BodyEn = in.TitleEn
	}
	if in.BodyZh == "" {
		in.BodyZh = in.TitleZh
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

// texts picks the English and Chinese translations; an untagged one
// counts as English.
func texts(ts *gtfs.TranslatedString) (en, zh string) {
	for _, t := range ts.GetTranslation() {
		lang := strings.ToLower(t.GetLanguage())
		switch {
		case strings.HasPrefix(lang, "zh"):
			if zh == "" {
				zh = strings.TrimSpace(t.GetText())
			}
		case lang == "" || strings.HasPrefix(lang, "en"):
			if en == "" {
				en = strings.TrimSpace(t.GetText())
			}
		}
	}
	return truncate(en, 200), zh
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
