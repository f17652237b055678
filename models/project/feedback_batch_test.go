package project_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/project"
)

// Web answers sent at the same moment are committed in groups; each gets
// the outcome it would get alone, however the crowd was grouped: a
// client's every attempt counts (refused ones too), a contact's stored
// answers count, a contact that answered before gets an unconfirmed
// revision, and every acknowledged answer is stored once with its id.
func TestFeedbackGroupCommit(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		p := openConsultation(t, a, f)
		ctx := context.Background()
		lim := models.DefaultLimits()
		lim.FeedbackPerClient = models.Limit{Key: lim.FeedbackPerClient.Key, Max: 5, Window: time.Hour}
		lim.FeedbackPerContact = models.Limit{Key: lim.FeedbackPerContact.Key, Max: 2, Window: time.Hour}
		svc := a.Projects.WithLimits(lim)

		type sent struct {
			in  models.FeedbackInput
			sub *models.Submission
			err error
		}
		var answers []*sent
		add := func(client, contact, stance string) {
			answers = append(answers, &sent{in: models.FeedbackInput{Client: client, Contact: contact, Stance: stance,
				Comment: fmt.Sprint("answer ", len(answers)), Consent: true, Lang: "en", Channel: "web"}})
		}
		for i := range 10 { // one client, ten contacts: five pass its limit
			add("busy", fmt.Sprintf("busy%d@example.org", i), models.StanceSupport)
		}
		for i := range 6 { // one contact from six clients: two stored
			add(fmt.Sprint("twice-", i), "twice@example.org", models.StanceOppose)
		}
		for i := range 3 { // invalid, yet counted against their client
			add("careless", fmt.Sprintf("careless%d@example.org", i), "")
		}
		for i := range 15 { // no contact at all
			add(fmt.Sprint("plain-", i), "", models.StanceNeutral)
		}
		var wg sync.WaitGroup
		for _, s := range answers {
			wg.Go(func() { s.sub, s.err = svc.SubmitFeedback(ctx, p, s.in) })
		}
		wg.Wait()

		count := map[string]int{}
		ids := map[int64]bool{}
		for _, s := range answers {
			group := s.in.Client
			if len(group) > 5 && group[:5] == "twice" {
				group = "twice"
			} else if len(group) > 5 && group[:5] == "plain" {
				group = "plain"
			}
			var v *models.ValidationError
			l, limited := models.AsLimit(s.err)
			switch {
			case s.err == nil:
				if s.sub.Feedback.ID == 0 || ids[s.sub.Feedback.ID] {
					t.Errorf("%s: stored answer without an id of its own: %+v", group, s.sub.Feedback)
				}
				ids[s.sub.Feedback.ID] = true
				count[group+" stored"]++
			case limited:
				count[group+" refused by "+l.Limit.Key]++
			case errors.As(s.err, &v):
				count[group+" invalid"]++
			default:
				t.Errorf("%s: %v", group, s.err)
			}
		}
		want := map[string]int{
			"busy stored": 5, "busy refused by feedback:ip": 5,
			"twice stored": 2, "twice refused by feedback:contact": 4,
			"careless invalid": 3,
			"plain stored":     15,
		}
		if fmt.Sprint(count) != fmt.Sprint(want) {
			t.Fatalf("outcomes:\n got %v\nwant %v", count, want)
		}
		var rows []models.Feedback
		if err := a.Store.DB().Where("project_id = ?", p.ID).Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(ids) {
			t.Fatalf("%d rows stored for %d acknowledged answers", len(rows), len(ids))
		}
		states := map[string]int{}
		for _, r := range rows {
			if !ids[r.ID] {
				t.Errorf("row %d was not acknowledged", r.ID)
			}
			if r.Contact == "twice@example.org" {
				states[r.RevisionState]++
			}
		}
		if states[models.RevisionCurrent] != 1 || states[models.RevisionUnconfirmed] != 1 {
			t.Errorf("the twice-sent contact's answers: %v, want one current and one unconfirmed", states)
		}
		// The careless client's three invalid attempts counted: two of
		// its three valid ones pass its limit of five.
		stored := 0
		for i := range 3 {
			_, err := svc.SubmitFeedback(ctx, p, models.FeedbackInput{Client: "careless", Stance: models.StanceSupport, Consent: true,
				Contact: fmt.Sprintf("careful%d@example.org", i), Channel: "web"})
			if err == nil {
				stored++
			} else if _, ok := models.AsLimit(err); !ok {
				t.Fatal(err)
			}
		}
		if stored != 2 {
			t.Errorf("after three invalid attempts, %d of three valid answers passed a limit of five, want 2", stored)
		}
	})
}

// Several instances share one database, each grouping its own answers:
// a contact's limit holds across them, however their groups and lone
// answers interleave. Answers of one contact from many clients go to four
// services at once (four instances' queues); exactly the limit's worth
// is stored.
func TestContactLimitHoldsAcrossInstances(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		p := openConsultation(t, a, f)
		ctx := context.Background()
		lim := models.DefaultLimits()
		lim.FeedbackPerContact = models.Limit{Key: lim.FeedbackPerContact.Key, Max: 3, Window: time.Hour}
		var instances []*project.Service
		for range 4 {
			instances = append(instances, a.Projects.WithLimits(lim))
		}
		const sent = 48
		errs := make([]error, sent)
		var wg sync.WaitGroup
		for i := range sent {
			wg.Go(func() {
				_, errs[i] = instances[i%len(instances)].SubmitFeedback(ctx, p, models.FeedbackInput{Client: fmt.Sprint("client-", i),
					Contact: "eager@example.org", Stance: models.StanceSupport, Comment: fmt.Sprint("answer ", i), Consent: true,
					Lang: "en", Channel: "web"})
			})
		}
		wg.Wait()
		stored, refused := 0, 0
		for _, err := range errs {
			if err == nil {
				stored++
			} else if l, ok := models.AsLimit(err); ok && l.Limit.Key == lim.FeedbackPerContact.Key {
				refused++
			} else {
				t.Errorf("answer: %v", err)
			}
		}
		var rows int64
		if err := a.Store.DB().Model(&models.Feedback{}).Where("project_id = ? AND contact = ?", p.ID, "eager@example.org").
			Count(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if stored != 3 || refused != sent-3 || rows != 3 {
			t.Errorf("%d answers of one contact through four instances at once: %d stored (%d rows), %d refused; want 3 stored and %d refused",
				sent, stored, rows, refused, sent-3)
		}
	})
}
