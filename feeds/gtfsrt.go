package feeds

import (
	"fmt"
	"strconv"
	"time"

	"github.com/MobilityData/gtfs-realtime-bindings/golang/gtfs"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/plazahq/plaza/markdown"
	"github.com/plazahq/plaza/models"
)

// GTFSRTContentType is the media type of a GTFS-realtime feed.
const GTFSRTContentType = "application/x-protobuf"

// ServiceAlerts builds a GTFS-realtime FeedMessage (a full dataset) of an
// account's live notices. agencyID names the agency in every informed
// entity; routes and stops of a notice become one selector each, and a
// notice with neither informs the whole agency.
func ServiceAlerts(site Site, handle, agencyID string, notices []models.Notice, now time.Time) *gtfs.FeedMessage {
	msg := &gtfs.FeedMessage{
		Header: &gtfs.FeedHeader{
			GtfsRealtimeVersion: proto.String("2.0"),
			Incrementality:      gtfs.FeedHeader_FULL_DATASET.Enum(),
			Timestamp:           proto.Uint64(uint64(now.Unix())),
		},
	}
	for i := range notices {
		n := &notices[i]
		alert := &gtfs.Alert{
			HeaderText:      translated(n, func(l string) string { return n.Title(l) }),
			DescriptionText: translated(n, func(l string) string { return markdown.Text(n.Body(l)) }),
			Url:             &gtfs.TranslatedString{Translation: []*gtfs.TranslatedString_Translation{{Text: proto.String(site.NoticeURL(handle, n.ID))}}},
			Cause:           cause(n.Cause),
			Effect:          effect(n.Effect),
			SeverityLevel:   severity(n),
		}
		if n.EffectiveAt != nil || n.ExpiresAt != nil {
			r := &gtfs.TimeRange{}
			if n.EffectiveAt != nil {
				r.Start = proto.Uint64(uint64(n.EffectiveAt.Unix()))
			}
			if n.ExpiresAt != nil {
				r.End = proto.Uint64(uint64(n.ExpiresAt.Unix()))
			}
			alert.ActivePeriod = []*gtfs.TimeRange{r}
		}
		for _, route := range n.RouteList() {
			alert.InformedEntity = append(alert.InformedEntity, &gtfs.EntitySelector{AgencyId: proto.String(agencyID), RouteId: proto.String(route)})
		}
		for _, stop := range n.StopList() {
			alert.InformedEntity = append(alert.InformedEntity, &gtfs.EntitySelector{AgencyId: proto.String(agencyID), StopId: proto.String(stop)})
		}
		if len(alert.InformedEntity) == 0 {
			alert.InformedEntity = []*gtfs.EntitySelector{{AgencyId: proto.String(agencyID)}}
		}
		msg.Entity = append(msg.Entity, &gtfs.FeedEntity{
			// Stable across revisions, so consumers replace rather than add.
			Id:    proto.String("notice-" + strconv.FormatInt(n.ID, 10)),
			Alert: alert,
		})
	}
	return msg
}

// translated gives one translation per language the notice was written in,
// tagged with its BCP 47 code.
func translated(n *models.Notice, text func(lang string) string) *gtfs.TranslatedString {
	ts := &gtfs.TranslatedString{}
	for _, l := range n.Languages() {
		ts.Translation = append(ts.Translation, &gtfs.TranslatedString_Translation{Text: proto.String(text(l)), Language: proto.String(l)})
	}
	return ts
}

func cause(s string) *gtfs.Alert_Cause {
	if v, ok := gtfs.Alert_Cause_value[s]; ok {
		return gtfs.Alert_Cause(v).Enum()
	}
	return gtfs.Alert_UNKNOWN_CAUSE.Enum()
}

func effect(s string) *gtfs.Alert_Effect {
	if v, ok := gtfs.Alert_Effect_value[s]; ok {
		return gtfs.Alert_Effect(v).Enum()
	}
	return gtfs.Alert_UNKNOWN_EFFECT.Enum()
}

// severity maps the CAP severity of a safety notice to GTFS-realtime's
// three levels; transit notices carry none.
func severity(n *models.Notice) *gtfs.Alert_SeverityLevel {
	switch n.Severity {
	case "Extreme", "Severe":
		return gtfs.Alert_SEVERE.Enum()
	case "Moderate":
		return gtfs.Alert_WARNING.Enum()
	case "Minor":
		return gtfs.Alert_INFO.Enum()
	}
	return gtfs.Alert_UNKNOWN_SEVERITY.Enum()
}

// EncodeGTFSRT serializes a feed as protobuf, or as JSON (the readable
// form) when asJSON.
func EncodeGTFSRT(msg *gtfs.FeedMessage, asJSON bool) ([]byte, error) {
	var out []byte
	var err error
	if asJSON {
		out, err = protojson.MarshalOptions{Multiline: true, Indent: "  ", UseProtoNames: true}.Marshal(msg)
	} else {
		out, err = proto.Marshal(msg)
	}
	if err != nil {
		return nil, fmt.Errorf("gtfs-realtime feed: %w", err)
	}
	return out, nil
}
