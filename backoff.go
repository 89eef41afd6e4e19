package dfnskeys

import (
	"context"
	"math/rand/v2"
	"time"
)

// backoff is the one retry schedule of the package, driven by
// [RetryPolicy]: HTTP retries, user-action retries, the lookups after an
// ambiguous import (and bulk's, through [Client.ScanKeys]) and
// [Client.ProveKey]'s polling all wait with it. Each delay doubles the
// previous one, from base up to limit (0: no limit); with jitter, a delay
// d is drawn between d/2 and d ("equal jitter"), so that clients that
// failed together do not retry together.
type backoff struct {
	base, limit time.Duration
	jitter      bool
	n           int // delays handed out so far
}

// retries is the schedule of HTTP retries: InitialBackoff doubling up to
// MaxBackoff, with jitter.
func (p RetryPolicy) retries() *backoff {
	return &backoff{base: p.InitialBackoff, limit: p.MaxBackoff, jitter: true}
}

// lookups returns how many times to look for a key that may have been
// imported, and the schedule between looks: LookupDelay (default 1 s),
// doubling, no jitter.
func (p RetryPolicy) lookups() (int, *backoff) {
	n, d := p.LookupAttempts, p.LookupDelay
	if n == 0 {
		n = 3
	}
	if d == 0 {
		d = time.Second
	}
	return n, &backoff{base: d}
}

// polls is the schedule of status polling: from InitialBackoff, but at
// most 50 ms (a request often completes within moments, and the first
// looks are cheap), doubling up to MaxBackoff, no jitter.
func (p RetryPolicy) polls() *backoff {
	d := min(p.InitialBackoff, 50*time.Millisecond)
	if d <= 0 {
		d = 50 * time.Millisecond
	}
	return &backoff{base: d, limit: max(p.MaxBackoff, d)}
}

// Next returns the delay before the next retry and advances the schedule.
func (b *backoff) Next() time.Duration {
	d := b.base
	for i := 0; i < b.n && (b.limit == 0 || d < b.limit) && d < 1<<62/2; i++ {
		d *= 2
	}
	b.n++
	if b.limit > 0 {
		d = min(d, b.limit)
	}
	if d <= 0 || !b.jitter {
		return max(d, 0)
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// Wait sleeps for the next delay, or until ctx ends (returning its error).
func (b *backoff) Wait(ctx context.Context) error { return sleep(ctx, b.Next()) }

// sleep waits for d, or until ctx ends (returning its error).
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
