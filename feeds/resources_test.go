package feeds

import (
	"encoding/xml"
	"strings"
	"testing"
)

var noticeFiles = []Resource{
	{Desc: "Map: the closed roads <north>", MimeType: "image/png", Size: 2048, Path: "/media/0123456789abcdef0123456789abcdef",
		SHA1: "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"},
	{Desc: "timetable.pdf", MimeType: "application/pdf", Size: 51200, Path: "/media/fedcba9876543210fedcba9876543210",
		SHA1: "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
}

// TestCAPCarriesResources: a notice's files are <resource>s of every
// <info>, in the schema's order (before <area>), with absolute URIs, and
// the message still validates.
func TestCAPCarriesResources(t *testing.T) {
	doc, err := CAP(site, account, typhoon(), broadcasts("publish"), nil, noticeFiles...)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, doc)
	var got capAlert
	if err := xml.Unmarshal(doc, &got); err != nil {
		t.Fatal(err)
	}
	for _, info := range got.Info {
		if len(info.Resource) != 2 {
			t.Fatalf("info %s has %d resources:\n%s", info.Language, len(info.Resource), doc)
		}
		r := info.Resource[1]
		if r.Desc != "timetable.pdf" || r.MimeType != "application/pdf" || r.Size != 51200 ||
			r.URI != "https://plaza.example.org/media/fedcba9876543210fedcba9876543210" || r.Digest != "da39a3ee5e6b4b0d3255bfef95601890afd80709" {
			t.Fatalf("resource = %+v", r)
		}
	}
	if s := string(doc); strings.Index(s, "<resource>") > strings.Index(s, "<area>") {
		t.Fatalf("<resource> after <area>:\n%s", s)
	}
}

// TestAtomEnclosures: each file of a notice is an enclosure link of its
// entry, with type, length and title.
func TestAtomEnclosures(t *testing.T) {
	doc, _, err := Atom(site, Feed{ID: "https://plaza.example.org/@citysafety/notices", Title: "City Safety", Lang: "en"},
		[]Item{{Notice: typhoon(), Handle: "citysafety", Files: noticeFiles}})
	if err != nil {
		t.Fatal(err)
	}
	var f atomFeed
	if err := xml.Unmarshal(doc, &f); err != nil {
		t.Fatal(err)
	}
	var enclosures []atomLink
	for _, l := range f.Entries[0].Links {
		if l.Rel == "enclosure" {
			enclosures = append(enclosures, l)
		}
	}
	if len(enclosures) != 2 {
		t.Fatalf("%d enclosures:\n%s", len(enclosures), doc)
	}
	if e := enclosures[0]; e.Type != "image/png" || e.Length != 2048 || e.Title != "Map: the closed roads <north>" ||
		e.Href != "https://plaza.example.org/media/0123456789abcdef0123456789abcdef" {
		t.Fatalf("enclosure = %+v", e)
	}
}
