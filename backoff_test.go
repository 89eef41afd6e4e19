package dfnskeys

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBackoffRetriesAreCappedWithJitter(t *testing.T) {
	t.Parallel()
	p := RetryPolicy{MaxAttempts: 10, InitialBackoff: 100 * time.Millisecond, MaxBackoff: time.Second, MaxRetryAfter: time.Minute}
	ceilings := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second, time.Second, time.Second, time.Second}
	seen := map[time.Duration]bool{}
	for range 50 {
		b := p.retries()
		for i, ceiling := range ceilings {
			d := b.Next()
			require.GreaterOrEqual(t, d, ceiling/2, "retry %d", i+1)
			require.LessOrEqual(t, d, ceiling, "retry %d", i+1)
			seen[d] = true
		}
	}
	require.Greater(t, len(seen), len(ceilings), "the delays are jittered, not fixed")
}

func TestBackoffSchedules(t *testing.T) {
	t.Parallel()
	next := func(b *backoff, n int) []time.Duration {
		var ds []time.Duration
		for range n {
			ds = append(ds, b.Next())
		}
		return ds
	}
	n, look := DefaultRetryPolicy().lookups()
	require.Equal(t, 3, n)
	require.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, next(look, 3), "lookups double without a cap or jitter")
	n, look = RetryPolicy{LookupAttempts: 2, LookupDelay: 10 * time.Millisecond}.lookups()
	require.Equal(t, 2, n)
	require.Equal(t, []time.Duration{10 * time.Millisecond, 20 * time.Millisecond}, next(look, 2))

	poll := RetryPolicy{InitialBackoff: 250 * time.Millisecond, MaxBackoff: 300 * time.Millisecond}.polls()
	require.Equal(t, []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond}, next(poll, 5),
		"polls start at 50 ms at most and are capped at MaxBackoff")
	poll = RetryPolicy{InitialBackoff: time.Millisecond, MaxBackoff: 3 * time.Millisecond}.polls()
	require.Equal(t, []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond}, next(poll, 3), "a shorter InitialBackoff is kept")
	poll = RetryPolicy{}.polls()
	require.Equal(t, []time.Duration{50 * time.Millisecond, 50 * time.Millisecond}, next(poll, 2), "a zero policy still polls at 50 ms")

	require.Equal(t, []time.Duration{0, 0}, next(RetryPolicy{}.retries(), 2), "no backoff configured: no delay")
	huge := &backoff{base: time.Hour}
	for range 100 {
		require.Positive(t, huge.Next(), "doubling never overflows")
	}
}

func TestBackoffWaitStopsWithTheContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b := &backoff{base: time.Hour}
	err := b.Wait(ctx)
	require.True(t, errors.Is(err, context.Canceled), "got %v", err)

	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, b.Wait(ctx), context.DeadlineExceeded)
	require.NoError(t, (&backoff{base: time.Millisecond}).Wait(context.Background()))
}
