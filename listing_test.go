package dfnskeys

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

func listingServer(t *testing.T, page func(n int64, token string) string) (*Client, *atomic.Int64) {
	t.Helper()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		_, _ = fmt.Fprint(w, page(n, r.URL.Query().Get("paginationToken")))
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(WithAuthToken("listing-test-token"), WithBaseURL(srv.URL), WithRetryPolicy(RetryPolicy{MaxAttempts: 1}))
	require.NoError(t, err)
	return c, &calls
}

func keyItems(n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"id":"key-%d","curve":"secp256k1","publicKey":"02%062x","status":"Active","imported":true}`, i, i)
	}
	return strings.Join(items, ",")
}

func collect(c *Client) (int, error) {
	n := 0
	for _, err := range c.Keys.All(context.Background(), 500) {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func TestListingBounds(t *testing.T) {
	t.Parallel()
	t.Run("page of maxListPageItems keys is fine", func(t *testing.T) {
		c, _ := listingServer(t, func(int64, string) string {
			return `{"items":[` + keyItems(maxListPageItems) + `],"unknown":{"a":[1,2]}}`
		})
		n, err := collect(c)
		require.NoError(t, err)
		require.Equal(t, maxListPageItems, n)
	})
	t.Run("one key too many", func(t *testing.T) {
		c, _ := listingServer(t, func(int64, string) string {
			return `{"items":[` + keyItems(maxListPageItems+1) + `]}`
		})
		_, err := c.Keys.List(context.Background(), nil)
		require.ErrorIs(t, err, errDecode)
		require.ErrorContains(t, err, "GET /keys: the page holds more than 1000 keys")
	})
	t.Run("oversized page", func(t *testing.T) {
		big := strings.Repeat(" ", maxListPageBody)
		c, _ := listingServer(t, func(int64, string) string {
			return `{"items":[` + keyItems(2) + `],"filler":"` + big + `"}`
		})
		_, err := c.Keys.List(context.Background(), nil)
		require.ErrorContains(t, err, "the page is larger than 8388608 bytes")
	})
	t.Run("malformed", func(t *testing.T) {
		for _, body := range []string{`[]`, `{"items":{}}`, `{"items":[1]}`, `{"items":[]} {}`, `{"nextPageToken":7}`} {
			c, _ := listingServer(t, func(int64, string) string { return body })
			_, err := c.Keys.List(context.Background(), nil)
			require.ErrorIs(t, err, errDecode, body)
		}
	})
	t.Run("null items and token", func(t *testing.T) {
		c, _ := listingServer(t, func(int64, string) string { return `{"items":null,"nextPageToken":null}` })
		n, err := collect(c)
		require.NoError(t, err)
		require.Zero(t, n)
	})
	t.Run("repeated token", func(t *testing.T) {
		c, calls := listingServer(t, func(int64, string) string {
			return `{"items":[` + keyItems(1) + `],"nextPageToken":"same"}`
		})
		_, err := collect(c)
		require.ErrorContains(t, err, `GET /keys returned the pagination token "same" twice`)
		require.EqualValues(t, 2, calls.Load())
	})
	t.Run("endless tokens", func(t *testing.T) {
		old := maxListPages
		maxListPages = 50
		t.Cleanup(func() { maxListPages = old })
		c, calls := listingServer(t, func(n int64, _ string) string {
			return fmt.Sprintf(`{"items":[],"nextPageToken":"t%d"}`, n)
		})
		_, err := collect(c)
		require.ErrorContains(t, err, "still more keys after 50 pages")
		require.EqualValues(t, 50, calls.Load())
	})
}

// A listing without a deadline of its own gets one.
func TestListingDeadline(t *testing.T) {
	old := listDeadline
	listDeadline = 300 * time.Millisecond
	t.Cleanup(func() { listDeadline = old })
	c, _ := listingServer(t, func(n int64, _ string) string {
		time.Sleep(20 * time.Millisecond)
		return fmt.Sprintf(`{"items":[],"nextPageToken":"t%d"}`, n)
	})
	_, err := collect(c)
	require.ErrorContains(t, err, "context deadline exceeded")
}

func FuzzDecodeKeyPage(f *testing.F) {
	f.Add([]byte(`{"items":[` + keyItems(2) + `],"nextPageToken":"x"}`))
	f.Add([]byte(`{"items":null}`))
	f.Add([]byte(`{"nextPageToken":"a","items":[{"id":"k","dateCreated":"2024-01-01T00:00:00Z"}],"x":[[[]]]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var got struct{ keys.ListResponse }
		err := decodeKeyPage(strings.NewReader(string(b)), &got.ListResponse)
		if err != nil {
			return
		}
		if len(got.Items) > maxListPageItems || len(got.NextPageToken) > maxPageTokenSize {
			t.Fatal("bounds exceeded")
		}
		// Whatever the stream decoder accepts, encoding/json accepts too,
		// with the same items.
		var ref struct{ keys.ListResponse }
		if err := json.Unmarshal(b, &ref.ListResponse); err != nil {
			t.Fatalf("accepted what encoding/json rejects: %v", err)
		}
		if len(ref.Items) != len(got.Items) {
			t.Fatalf("%d items, encoding/json finds %d", len(got.Items), len(ref.Items))
		}
	})
}
