package dfnskeys

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dfnskeys/dfnskeys/keys"
)

// listServer serves GET /keys in pages of 500 from keys, in the order
// given, with tokens that name the index to start at, and GET /keys/{id}.
type listServer struct {
	mu    sync.Mutex
	keys  []keys.Key
	lists int
	// unlisted keys are readable by ID but not listed yet.
	unlisted map[string]bool
}

func (s *listServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := strings.CutPrefix(r.URL.Path, "/keys/"); ok {
		for _, k := range s.keys {
			if k.ID == id {
				_ = json.NewEncoder(w).Encode(k)
				return
			}
		}
		http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
		return
	}
	s.lists++
	var listed []keys.Key
	for _, k := range s.keys {
		if !s.unlisted[k.ID] {
			listed = append(listed, k)
		}
	}
	start, _ := strconv.Atoi(r.URL.Query().Get("paginationToken"))
	end := min(start+indexPageSize, len(listed))
	page := keys.ListResponse{Items: append([]keys.Key{}, listed[start:end]...)}
	if end < len(listed) {
		page.NextPageToken = strconv.Itoa(end)
	}
	_ = json.NewEncoder(w).Encode(page)
}

func indexedKeyFor(i int) keys.Key {
	return keys.Key{ID: "key-" + strconv.Itoa(i), Scheme: "ECDSA", Curve: keys.Secp256k1, PublicKey: "02" + strings.Repeat("0", 60) + strconv.Itoa(1000+i), Status: "Active", Imported: true}
}

func TestKeyIndex(t *testing.T) {
	ctx := context.Background()
	newIndexed := func(t *testing.T, n int) (*listServer, *Client) {
		ls := &listServer{}
		for i := range n {
			ls.keys = append(ls.keys, indexedKeyFor(i))
		}
		srv := httptest.NewServer(ls)
		t.Cleanup(srv.Close)
		c, err := NewClient(WithBaseURL(srv.URL), WithAuthToken("t"))
		require.NoError(t, err)
		return ls, c
	}
	find := func(c *Client, k keys.Key) (*keys.Key, error) {
		return c.index.find(ctx, c.Keys, k.Identity(), time.Time{})
	}

	t.Run("later checks read only the last page and see other writers' keys", func(t *testing.T) {
		ls, c := newIndexed(t, 1200)
		got, err := find(c, ls.keys[10])
		require.NoError(t, err)
		require.Equal(t, "key-10", got.ID)
		require.Equal(t, 3, ls.lists)
		ls.keys = append(ls.keys, indexedKeyFor(5000)) // another writer
		got, err = find(c, indexedKeyFor(5000))
		require.NoError(t, err)
		require.Equal(t, "key-5000", got.ID)
		require.Equal(t, 4, ls.lists, "one GET /keys for the tail")
	})

	t.Run("a key exported since it was listed is not returned", func(t *testing.T) {
		ls, c := newIndexed(t, 10)
		_, err := find(c, ls.keys[3])
		require.NoError(t, err)
		ls.keys[3].Exported = true
		got, err := find(c, ls.keys[3])
		require.NoError(t, err)
		require.Nil(t, got)
	})

	t.Run("a listing in another order relists in full and keeps this client's keys", func(t *testing.T) {
		ls, c := newIndexed(t, 1200)
		_, err := find(c, ls.keys[0])
		require.NoError(t, err)
		// This client imports a key; the server lists it first, not last.
		own := indexedKeyFor(7000)
		c.index.added(&own)
		ls.keys = append([]keys.Key{own}, ls.keys...)
		other := indexedKeyFor(7001)
		ls.keys = append([]keys.Key{other}, ls.keys...)
		before := ls.lists
		got, err := find(c, other)
		require.NoError(t, err)
		require.NotNil(t, got, "the full relisting finds another writer's key")
		require.Equal(t, "key-7001", got.ID)
		require.Greater(t, ls.lists-before, 1, "a full relisting")
		got, err = find(c, own)
		require.NoError(t, err)
		require.Equal(t, "key-7000", got.ID)
	})

	t.Run("this client's own key is found even when the listing omits it", func(t *testing.T) {
		ls, c := newIndexed(t, 5)
		_, err := find(c, ls.keys[0])
		require.NoError(t, err)
		own := indexedKeyFor(8000)
		c.index.added(&own)
		// Readable by GET /keys/{id}, but a listing that lags behind
		// does not show it yet: the missing probe forces a full
		// relisting, which must not forget it.
		ls.keys = append(ls.keys, own)
		ls.unlisted = map[string]bool{own.ID: true}
		before := ls.lists
		got, err := find(c, own)
		require.NoError(t, err)
		require.NotNil(t, got)
		require.Equal(t, "key-8000", got.ID)
		require.Equal(t, 2, ls.lists-before, "the tail, then a full relisting")
	})
}
