package feeds

import (
	"encoding/xml"
	"fmt"
	"html"
	"time"

	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/markdown"
	"github.com/plazahq/plaza/models"
)

// AtomContentType is the media type of an Atom feed.
const AtomContentType = "application/atom+xml; charset=utf-8"

// Atom 1.0 (RFC 4287).
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel    string `xml:"rel,attr,omitempty"`
	Type   string `xml:"type,attr,omitempty"`
	Href   string `xml:"href,attr"`
	Title  string `xml:"title,attr,omitempty"`
	Length int64  `xml:"length,attr,omitempty"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Updated   string      `xml:"updated"`
	Published string      `xml:"published,omitempty"`
	Author    *atomAuthor `xml:"author,omitempty"`
	Links     []atomLink  `xml:"link"`
	Category  *atomCat    `xml:"category,omitempty"`
	Content   atomText    `xml:"content"`
	Lang      string      `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
}

type atomCat struct {
	Term string `xml:"term,attr"`
}

// whatToDoHTML is a safety notice's instruction as a paragraph after its
// body, labelled in the language of the text ("" without one), so a feed
// reader shows what to do as the notice's page does.
func whatToDoHTML(n *models.Notice, lang string) string {
	text := n.Instruction(lang)
	if text == "" {
		return ""
	}
	return "<p><strong>" + html.EscapeString(i18n.T(i18n.UILang(n.Language(lang)), "bc.instruction", text)) + "</strong></p>\n"
}

// Feed describes one Atom feed.
type Feed struct {
	// ID is the feed's permanent IRI (its URL without the format).
	ID        string
	Title     string
	Self      string
	Alternate string
	Author    string
	// Lang is the language entries are read in (en or zh), falling back
	// per notice.
	Lang string
	// CAP links each entry to its CAP alert as well.
	CAP bool
}

// Item is a notice with the account that published it.
type Item struct {
	Notice  *models.Notice
	Handle  string
	Account string
	// Files are the notice's images and documents, each an enclosure.
	Files []Resource
}

// Atom renders items, newest first, and returns the feed with the time it
// last changed (for Last-Modified and ETag).
func Atom(site Site, f Feed, items []Item) ([]byte, time.Time, error) {
	var updated time.Time
	for _, it := range items {
		if it.Notice.UpdatedAt.After(updated) {
			updated = it.Notice.UpdatedAt
		}
	}
	if updated.IsZero() {
		updated = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	feed := atomFeed{
		ID: f.ID, Title: f.Title, Updated: updated.UTC().Format(time.RFC3339),
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: f.Self},
			{Rel: "alternate", Type: "text/html", Href: f.Alternate}},
		Author: atomAuthor{Name: f.Author},
	}
	for _, it := range items {
		n := it.Notice
		page := site.NoticeURL(it.Handle, n.ID)
		e := atomEntry{
			ID: page, Title: n.Title(f.Lang), Updated: n.UpdatedAt.UTC().Format(time.RFC3339),
			Links:    []atomLink{{Rel: "alternate", Type: "text/html", Href: page}},
			Category: &atomCat{Term: n.Kind},
			Content:  atomText{Type: "html", Body: markdown.HTML(n.Body(f.Lang)) + whatToDoHTML(n, f.Lang)}, Lang: n.Language(f.Lang),
		}
		if it.Account != "" {
			e.Author = &atomAuthor{Name: it.Account}
		}
		if f.CAP && CanCAP(n) {
			e.Links = append(e.Links, atomLink{Rel: "alternate", Type: CAPContentType, Href: site.CAPURL(n.ID)})
		}
		for _, r := range it.Files {
			e.Links = append(e.Links, atomLink{Rel: "enclosure", Type: r.MimeType, Href: site.abs(r.Path), Title: r.Desc, Length: r.Size})
		}
		if n.PublishedAt != nil {
			e.Published = n.PublishedAt.UTC().Format(time.RFC3339)
		}
		feed.Entries = append(feed.Entries, e)
	}
	out, err := xml.MarshalIndent(feed, "", "  ")
	if err != nil {
		return nil, updated, fmt.Errorf("atom feed %s: %w", f.ID, err)
	}
	return append([]byte(xml.Header), out...), updated, nil
}
