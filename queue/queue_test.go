package queue_test

import (
	"slices"
	"testing"

	"github.com/riverqueue/river/rivertype"

	"github.com/plazahq/plaza/jobs"
	"github.com/plazahq/plaza/queue"
)

func TestInsertOptsReadTheJob(t *testing.T) {
	poll := queue.InsertOpts(jobs.PollFeed{FeedID: 7})
	if poll.Queue != jobs.QueueFeeds || poll.MaxAttempts != 1 || !poll.UniqueOpts.ByArgs {
		t.Fatalf("poll job options: %+v", poll)
	}
	// Unique while unfinished only: a finished poll must not block the
	// feed's next one.
	if slices.Contains(poll.UniqueOpts.ByState, rivertype.JobStateCompleted) ||
		!slices.Contains(poll.UniqueOpts.ByState, rivertype.JobStateRunning) {
		t.Fatalf("poll job unique states: %v", poll.UniqueOpts.ByState)
	}
	mat := queue.InsertOpts(jobs.Materialize{BroadcastID: 1, Emergency: true})
	if mat.Queue != jobs.QueueEmergency || mat.Priority != 1 || mat.UniqueOpts.ByArgs || mat.MaxAttempts != 0 {
		t.Fatalf("materialize options: %+v", mat)
	}
}
