// Package feeds renders notices in open formats that other systems read:
// Atom, the Common Alerting Protocol 1.2 and GTFS-realtime service alerts.
// It turns models into bytes and knows nothing of HTTP.
package feeds

import (
	"encoding/xml"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/markdown"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/district"
)

// CAPContentType is the media type of a CAP alert.
const CAPContentType = "application/cap+xml"

// capNS is the CAP 1.2 namespace.
const capNS = "urn:oasis:names:tc:emergency:cap:1.2"

type capAlert struct {
	XMLName    xml.Name  `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert"`
	Identifier string    `xml:"identifier"`
	Sender     string    `xml:"sender"`
	Sent       string    `xml:"sent"`
	Status     string    `xml:"status"`
	MsgType    string    `xml:"msgType"`
	Scope      string    `xml:"scope"`
	Note       string    `xml:"note,omitempty"`
	References string    `xml:"references,omitempty"`
	Info       []capInfo `xml:"info"`
}

type capInfo struct {
	Language     string   `xml:"language"`
	Category     string   `xml:"category"`
	Event        string   `xml:"event"`
	ResponseType []string `xml:"responseType,omitempty"`
	Urgency      string   `xml:"urgency"`
	Severity     string   `xml:"severity"`
	Certainty    string   `xml:"certainty"`
	Effective    string   `xml:"effective,omitempty"`
	Expires      string   `xml:"expires,omitempty"`
	SenderName   string   `xml:"senderName,omitempty"`
	Headline     string   `xml:"headline,omitempty"`
	Description  string   `xml:"description,omitempty"`
	Instruction  string   `xml:"instruction,omitempty"`
	Web          string   `xml:"web,omitempty"`
	// Resource comes before area: the schema's order.
	Resource []capResource `xml:"resource,omitempty"`
	Area     *capArea      `xml:"area,omitempty"`
}

// capResource is CAP's <resource>, its elements in the schema's order.
type capResource struct {
	Desc     string `xml:"resourceDesc"`
	MimeType string `xml:"mimeType"`
	Size     int64  `xml:"size,omitempty"`
	URI      string `xml:"uri,omitempty"`
	Digest   string `xml:"digest,omitempty"`
}

// Resource is a file of a notice (a diversion map, a timetable) as the
// feeds carry it: CAP's <resource>, Atom's enclosure link.
type Resource struct {
	// Desc says what it is: an image's text alternative, a document's
	// title or file name.
	Desc     string
	MimeType string
	Size     int64
	// Path is its address on the site; the feeds make it absolute.
	Path string
	// SHA1 is the hex SHA-1 of the bytes: CAP 1.2 calculates <digest>
	// with SHA-1 (FIPS 180-2) and gives no other encoding, and hex is
	// how CAP tools write it.
	SHA1 string
}

func (s Site) abs(path string) string { return s.BaseURL + path }

func (s Site) capResources(rs []Resource) []capResource {
	out := make([]capResource, len(rs))
	for i, r := range rs {
		out[i] = capResource{Desc: r.Desc, MimeType: r.MimeType, Size: r.Size, URI: s.abs(r.Path), Digest: r.SHA1}
	}
	return out
}

// capArea is CAP's <area>, its elements in the schema's order: areaDesc,
// polygon*, circle*, geocode*.
type capArea struct {
	AreaDesc string       `xml:"areaDesc"`
	Polygon  []string     `xml:"polygon,omitempty"`
	Circle   []string     `xml:"circle,omitempty"`
	Geocode  []capGeocode `xml:"geocode,omitempty"`
}

type capGeocode struct {
	ValueName string `xml:"valueName"`
	Value     string `xml:"value"`
}

// DefaultGeocodeName is the <valueName> of a district's code when its
// organization names no scheme of its own.
const DefaultGeocodeName = "PLAZA-DISTRICT"

// coord writes a WGS 84 degree with at most 6 decimals (about 0.1 m).
func coord(x float64) string {
	return strconv.FormatFloat(math.Round(x*1e6)/1e6, 'f', -1, 64)
}

// capRing is a ring as a CAP polygon: "lat,lon" pairs (CAP puts the
// latitude first, GeoJSON the longitude) separated by spaces.
func capRing(r orb.Ring) string {
	pairs := make([]string, len(r))
	for i, p := range r {
		pairs[i] = coord(p[1]) + "," + coord(p[0])
	}
	return strings.Join(pairs, " ")
}

// capCircle is a circle as CAP has it: "lat,lon radius", the radius in
// kilometres.
func capCircle(c area.Circle) string {
	return coord(c.Lat) + "," + coord(c.Lon) + " " + strconv.FormatFloat(math.Round(c.RadiusM)/1000, 'f', -1, 64)
}

// newCAPArea is the <area> of a notice in lang: one polygon per outer
// ring of its polygons and of its districts' polygons, one circle per
// circle and one geocode per district (its code). nil when the notice
// says nothing of where it applies.
func newCAPArea(a *models.PublicAccount, n *models.Notice, districts []district.Shape, lang string) *capArea {
	where := area.MustParse(n.Area)
	if n.AreaDesc == "" && where.IsZero() {
		return nil
	}
	out := &capArea{AreaDesc: n.AreaDesc}
	if out.AreaDesc == "" {
		// areaDesc is required: the districts' names, else the headline.
		names := make([]string, len(districts))
		for i := range districts {
			names[i] = districts[i].NameIn(lang)
		}
		out.AreaDesc = strings.Join(names, ", ")
		if out.AreaDesc == "" {
			out.AreaDesc = n.Title(lang)
		}
	}
	for _, p := range where.Polygons {
		if len(p) > 0 {
			out.Polygon = append(out.Polygon, capRing(p[0]))
		}
	}
	for _, c := range where.Circles {
		out.Circle = append(out.Circle, capCircle(c))
	}
	name := a.OrgGeocodeName
	if name == "" {
		name = DefaultGeocodeName
	}
	for _, d := range districts {
		for _, p := range d.Polygons {
			if len(p) > 0 {
				out.Polygon = append(out.Polygon, capRing(p[0]))
			}
		}
		out.Geocode = append(out.Geocode, capGeocode{ValueName: name, Value: d.Code})
	}
	return out
}

// capTime is a CAP date: RFC 3339 with a numeric zone, never "Z".
func capTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05-07:00") }

// Site is what the feeds need to know about this Plaza.
type Site struct {
	// BaseURL is the public address, without a trailing slash.
	BaseURL string
}

func (s Site) host() string {
	u, err := url.Parse(s.BaseURL)
	if err != nil || u.Hostname() == "" {
		return "plaza.invalid"
	}
	return u.Hostname()
}

// NoticeURL is a notice's public page.
func (s Site) NoticeURL(handle string, id int64) string {
	return fmt.Sprintf("%s/@%s/notices/%d", s.BaseURL, handle, id)
}

// CAPURL is a notice's CAP alert.
func (s Site) CAPURL(id int64) string { return fmt.Sprintf("%s/notices/%d.cap", s.BaseURL, id) }

// capIdentifier names one CAP message: one per broadcast of the notice, so
// an update can reference the alert it updates.
func (s Site) capIdentifier(b *models.Broadcast) string {
	return fmt.Sprintf("urn:plaza:%s:notice:%d:broadcast:%d", s.host(), b.NoticeID, b.ID)
}

func (s Site) capSender(handle string) string { return handle + "@" + s.host() }

// CanCAP reports whether a notice has a CAP form: a published safety
// notice.
func CanCAP(n *models.Notice) bool {
	return n.Kind == models.NoticeSafety && n.PublishedAt != nil && n.CapCategory != "" && n.CapEvent != ""
}

// CAP renders a safety notice as the CAP 1.2 message of its latest
// broadcast: Alert when first published, Update (with the earlier
// messages referenced) after an update or an all-clear (responseType
// AllClear), Cancel when cancelled. broadcasts are the notice's, newest
// first; districts are those its area names (district.Atlas.Of);
// resources are its files, in each <info>.
func CAP(site Site, a *models.PublicAccount, n *models.Notice, broadcasts []models.Broadcast, districts []district.Shape, resources ...Resource) ([]byte, error) {
	if !CanCAP(n) || len(broadcasts) == 0 {
		return nil, fmt.Errorf("notice %d has no CAP form", n.ID)
	}
	latest := &broadcasts[0]
	sender := site.capSender(a.Handle)
	alert := capAlert{
		Identifier: site.capIdentifier(latest), Sender: sender, Sent: capTime(latest.CreatedAt),
		Status: "Actual", Scope: "Public",
	}
	var refs []string
	for i := len(broadcasts) - 1; i >= 1; i-- {
		b := &broadcasts[i]
		refs = append(refs, sender+","+site.capIdentifier(b)+","+capTime(b.CreatedAt))
	}
	alert.References = strings.Join(refs, " ")
	// The notice's own response types and instructions, unless the
	// message ends it: an all-clear says AllClear and a cancellation
	// nothing, as what was to be done no longer is.
	response, instruct := n.ResponseTypeList(), true
	switch latest.Kind {
	case models.KindPublish:
		alert.MsgType = "Alert"
	case models.KindCancel:
		alert.MsgType, response, instruct = "Cancel", nil, false
		alert.Note = "Cancelled"
	case models.KindAllClear:
		alert.MsgType, response, instruct = "Update", []string{"AllClear"}, false
	default:
		alert.MsgType = "Update"
	}
	if alert.MsgType != "Alert" && alert.References == "" {
		// An update whose original is gone from the ledger cannot point at
		// it; say so rather than send an invalid message.
		alert.Note = strings.TrimSpace(alert.Note + " Earlier messages unavailable")
	}
	// The snapshot of the latest broadcast is what was sent; the notice
	// row holds the same content (edits go out as broadcasts).
	// One <info> per language the notice is written in, its default
	// first, each tagged with its BCP 47 code (CAP's xs:language).
	for _, lang := range n.Languages() {
		info := capInfo{
			Language: lang, Category: n.CapCategory, Event: n.CapEvent,
			ResponseType: response, Urgency: n.Urgency, Severity: n.Severity, Certainty: n.Certainty,
			SenderName: a.LocalName(lang), Headline: truncateRunes(n.Title(lang), 160),
			Description: markdown.Text(n.Body(lang)), Web: site.NoticeURL(a.Handle, n.ID),
		}
		if instruct {
			info.Instruction = n.Instruction(lang)
		}
		if n.EffectiveAt != nil {
			info.Effective = capTime(*n.EffectiveAt)
		}
		if n.ExpiresAt != nil {
			info.Expires = capTime(*n.ExpiresAt)
		}
		info.Resource = site.capResources(resources)
		info.Area = newCAPArea(a, n, districts, lang)
		alert.Info = append(alert.Info, info)
	}
	out, err := xml.MarshalIndent(alert, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("cap notice %d: %w", n.ID, err)
	}
	return append([]byte(xml.Header), out...), nil
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
