package project

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/plazahq/plaza/models"
)

// maxAnswerBatch bounds the answers one group commit takes: the batch's
// statements carry a few parameters per answer, well within SQLite's
// limit on bound parameters.
const maxAnswerBatch = 128

// answerQueue commits web answers in groups. While one group's
// transaction runs, the answers that arrive wait for the next, so under a
// crowd each transaction stores many answers and counts their limits with
// one statement each, and PostgreSQL (or SQLite's one writer) commits
// once for all of them; a lone answer waits for nobody. One group runs at
// a time per instance: two or four at once on PostgreSQL were measured
// and answered no more citizens (bench/README.md), though they would be
// correct, as groups of several instances are.
type answerQueue struct {
	s       *Service
	mu      sync.Mutex
	pending []*answerJob
	running bool
}

// answerJob is one web answer: what the request worked out before the
// database (the answer to store, or why it cannot be), and its outcome.
type answerJob struct {
	client string
	// refused is why the answer is not stored whatever the counts say
	// (closed, invalid); the attempt still counts against its client.
	refused error
	f       *models.Feedback
	done    chan struct{}
	sub     *models.Submission
	err     error
}

// key is the contact's key of the answer, "" without one.
func (j *answerJob) key() string {
	if j.f == nil || j.f.ContactKey == nil {
		return ""
	}
	return *j.f.ContactKey
}

func (j *answerJob) finished() bool {
	select {
	case <-j.done:
		return true
	default:
		return false
	}
}

func (j *answerJob) finish(sub *models.Submission, err error) {
	j.sub, j.err = sub, err
	close(j.done)
}

// submit queues j and waits for its outcome. The group's work does not
// stop when the request's context ends: an answer taken in is stored, as
// one alone would be.
func (q *answerQueue) submit(ctx context.Context, j *answerJob) (*models.Submission, error) {
	q.mu.Lock()
	q.pending = append(q.pending, j)
	start := !q.running
	q.running = true
	q.mu.Unlock()
	if start {
		go q.drain(context.WithoutCancel(ctx))
	}
	<-j.done
	return j.sub, j.err
}

// drain commits groups until none is waiting.
func (q *answerQueue) drain(ctx context.Context) {
	for {
		q.mu.Lock()
		n := min(len(q.pending), maxAnswerBatch)
		if n == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		batch := q.pending[:n:n]
		q.pending = q.pending[n:]
		q.mu.Unlock()
		q.commit(ctx, batch)
	}
}

// commit runs one group. A fault in it must not leave its citizens
// waiting forever, nor take the process down: they get an error, as a
// request of their own would (the recovered panic, logged at the edge).
func (q *answerQueue) commit(ctx context.Context, batch []*answerJob) {
	defer func() {
		if v := recover(); v != nil {
			err := fmt.Errorf("store feedback: group commit panicked: %v", v)
			for _, j := range batch {
				if !j.finished() {
					j.finish(nil, err)
				}
			}
		}
	}()
	q.s.commitAnswers(ctx, batch)
}

// commitAnswers stores a group of web answers in one transaction, with
// the same outcome for each as SubmitFeedback gives one alone: every
// attempt counts against its client, a refused one is not stored, a
// contact past its limit is refused, an answer that passes is counted
// against its contact and a first answer inserted. What a group cannot
// settle in bulk (a contact that answered before, or twice in the group)
// is stored after the commit, one by one, the way a lone answer is, its
// contact already counted. If the transaction fails, nothing of it
// counted, and each answer is tried alone.
func (s *Service) commitAnswers(ctx context.Context, batch []*answerJob) {
	var later []*answerJob
	settled := make([]func(), 0, len(batch))
	err := s.core.Tx(ctx, func(tx models.Core) error {
		later, settled = later[:0], settled[:0]
		lim := s.limits
		var clients []string
		var counted []*answerJob
		for _, j := range batch {
			if j.client != "" {
				clients = append(clients, j.client)
				counted = append(counted, j)
			}
		}
		refusedBy := make(map[*answerJob]error, len(batch))
		if len(clients) > 0 {
			errs, err := tx.TakeLimits(ctx, lim.FeedbackPerClient, clients)
			if err != nil {
				return err
			}
			for i, j := range counted {
				if errs[i] != nil {
					refusedBy[j] = errs[i]
				}
			}
		}
		var keyed, plain []*answerJob
		for _, j := range batch {
			switch err := refusedBy[j]; {
			case err != nil:
				settled = append(settled, func() { j.finish(nil, err) })
			case j.refused != nil:
				settled = append(settled, func() { j.finish(nil, j.refused) })
			case j.key() == "":
				plain = append(plain, j)
			default:
				keyed = append(keyed, j)
			}
		}
		if len(keyed) > 0 {
			// Counted before they are stored, in one statement that holds
			// each contact's counter until the commit: another group or
			// instance counting the same contact waits for this one and
			// sees its count.
			keys := make([]string, len(keyed))
			for i, j := range keyed {
				keys[i] = j.key()
			}
			errs, err := tx.TakeLimits(ctx, lim.FeedbackPerContact, keys)
			if err != nil {
				return err
			}
			first := keyed[:0:0]
			inGroup := map[string]bool{}
			for i, j := range keyed {
				switch {
				case errs[i] != nil:
					err := errs[i]
					settled = append(settled, func() { j.finish(nil, err) })
				case inGroup[j.key()]:
					later = append(later, j)
				default:
					inGroup[j.key()] = true
					first = append(first, j)
				}
			}
			keyed = first
		}
		// In the keys' order, so that two instances inserting answers of
		// the same contacts at once wait for each other in one order and
		// cannot deadlock on the unique index.
		slices.SortFunc(keyed, func(x, y *answerJob) int { return strings.Compare(x.key(), y.key()) })
		stored, err := s.with(tx).insertAnswers(ctx, append(plain, keyed...))
		if err != nil {
			return err
		}
		for _, j := range append(plain, keyed...) {
			if !stored[j] {
				// The contact has a current answer: a revision, stored
				// alone after the commit.
				later = append(later, j)
				continue
			}
			settled = append(settled, func() { j.finish(&models.Submission{Feedback: j.f}, nil) })
		}
		return nil
	})
	if err != nil {
		// Nothing of the group counted: each answer goes alone, its
		// client and contact counted again.
		for _, j := range batch {
			j.finish(s.submitOne(ctx, j, true, false))
		}
		return
	}
	for _, fn := range settled {
		fn()
	}
	for _, j := range later {
		j.finish(s.submitOne(ctx, j, false, true))
	}
}

// submitOne stores j the way a lone web answer is stored, its client
// counted first unless the group already counted it, and its contact
// unless contactCounted.
func (s *Service) submitOne(ctx context.Context, j *answerJob, countClient, contactCounted bool) (*models.Submission, error) {
	lim := s.limits
	if countClient && j.client != "" {
		if err := s.core.TakeLimit(ctx, lim.FeedbackPerClient, j.client); err != nil {
			return nil, err
		}
	}
	if j.refused != nil {
		return nil, j.refused
	}
	return s.storeCounted(ctx, j.f, j.key(), contactCounted)
}

// insertAnswers inserts answers in one statement; an answer whose
// contact already has a current answer yields to the unique index and is
// not stored. It reports which were, and sets their ids.
func (s *Service) insertAnswers(ctx context.Context, jobs []*answerJob) (map[*answerJob]bool, error) {
	stored := make(map[*answerJob]bool, len(jobs))
	if len(jobs) == 0 {
		return stored, nil
	}
	const cols = "project_id, stance, comment, name, contact, contact_key, district, answers, channel, follower_id, lang, status, reports, response, revisions, revision_state, created_at, updated_at"
	st := s.core.Statement().SQL("INSERT INTO feedback (" + cols + ") VALUES ")
	for i, j := range jobs {
		if i > 0 {
			st.SQL(", ")
		}
		f := j.f
		st.SQL("(").Args(f.ProjectID, f.Stance, f.Comment, f.Name, f.Contact, f.ContactKey, f.District, f.Answers, f.Channel,
			f.FollowerID, f.Lang, f.Status, f.Reports, f.Response, f.Revisions, f.RevisionState, f.CreatedAt, f.UpdatedAt).SQL(")")
	}
	st.SQL(" ON CONFLICT DO NOTHING RETURNING id, contact_key")
	type returned struct {
		id  int64
		key *string
	}
	var rows []returned
	// database/sql, not gorm: see models.Statement.
	err := s.core.QueryEach(ctx, st, func(scan func(...any) error) error {
		var r returned
		if err := scan(&r.id, &r.key); err != nil {
			return err
		}
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store feedback: %w", err)
	}
	// Keyed answers are told apart by their key (unique in a group);
	// answers without one cannot conflict and come back in the order
	// they were given, as a multi-row insert returns them.
	byKey := make(map[string]*answerJob, len(jobs))
	var plain []*answerJob
	for _, j := range jobs {
		if j.f.ContactKey != nil {
			byKey[*j.f.ContactKey] = j
		} else {
			plain = append(plain, j)
		}
	}
	for _, r := range rows {
		var j *answerJob
		if r.key != nil {
			j = byKey[*r.key]
		} else if len(plain) > 0 {
			j, plain = plain[0], plain[1:]
		}
		if j == nil {
			return nil, errors.New("store feedback: the database returned an answer the group did not send")
		}
		j.f.ID = r.id
		stored[j] = true
	}
	return stored, nil
}
