package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
)

// route is one API route. A route with an activity is mutating: it needs a
// user action and can be held for policy approval.
type route struct {
	method, pattern string
	perm, activity  string
	handle          func(*Server, *call) (any, *apiError)
}

func (r *route) name() Route { return Route(r.method + " " + r.pattern) }

// Route names one route of the simulated API, as a [Fault] targets it: the
// method, a space and the path pattern.
type Route string

// The simulated routes.
const (
	RouteListSigners     Route = "GET /signers"
	RouteActionInit      Route = "POST /auth/action/init"
	RouteAction          Route = "POST /auth/action"
	RouteListKeys        Route = "GET /keys"
	RouteCreateKey       Route = "POST /keys"
	RouteGetKey          Route = "GET /keys/{keyId}"
	RouteImportKey       Route = "POST /keys/import"
	RouteExportKey       Route = "POST /keys/{keyId}/export"
	RouteCreateSignature Route = "POST /keys/{keyId}/signatures"
	RouteGetSignature    Route = "GET /keys/{keyId}/signatures/{signatureId}"
	RouteListSignatures  Route = "GET /keys/{keyId}/signatures"
	RouteGetWallet       Route = "GET /wallets/{walletId}"
	RouteImportWallet    Route = "POST /wallets/import"
	RouteExportWallet    Route = "POST /wallets/{walletId}/export"
)

var routes = []route{
	{"GET", "/signers", "Signers:ListSigners", "", (*Server).listSigners},
	{"POST", "/auth/action/init", "", "", (*Server).initAction},
	{"POST", "/auth/action", "", "", (*Server).completeAction},
	{"GET", "/keys", "Keys:Read", "", (*Server).listKeys},
	{"POST", "/keys", "Keys:Create", "Keys:Create", (*Server).createKey},
	{"GET", "/keys/{keyId}", "Keys:Read", "", (*Server).getKey},
	{"POST", "/keys/import", "Keys:Import", "Keys:Import", (*Server).importKey},
	{"POST", "/keys/{keyId}/export", "Keys:Export", "Keys:Export", (*Server).exportKey},
	{"POST", "/keys/{keyId}/signatures", "Keys:Signatures:Create", "Keys:Signatures:Create", (*Server).createSignature},
	{"GET", "/keys/{keyId}/signatures/{signatureId}", "Keys:Signatures:Read", "", (*Server).getSignature},
	{"GET", "/keys/{keyId}/signatures", "Keys:Signatures:Read", "", (*Server).listSignatures},
	{"GET", "/wallets/{walletId}", "Wallets:Read", "", (*Server).getWallet},
	{"POST", "/wallets/import", "Wallets:Import", "Wallets:Import", (*Server).importWallet},
	{"POST", "/wallets/{walletId}/export", "Wallets:Export", "Wallets:Export", (*Server).exportWallet},
}

// routeNames returns every route, in table order.
func routeNames() []Route {
	out := make([]Route, len(routes))
	for i := range routes {
		out[i] = routes[i].name()
	}
	return out
}

// apiError is a Dfns error.
type apiError struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Message string            `json:"message"`
	Details map[string]string `json:"details,omitempty"`
}

func errorf(status int, format string, args ...any) *apiError {
	return &apiError{ID: "err-" + randomHex(8), Status: status, Message: fmt.Sprintf(format, args...)}
}

func (e *apiError) with(key, value string) *apiError {
	e.Details = map[string]string{key: value}
	return e
}

// call is one request being processed.
type call struct {
	r      *http.Request
	path   string // without prefix
	params map[string]string
	body   []byte
	seq    int // the request's number in order of arrival, from 0
}

// ServeHTTP serves the simulated API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set(headerRequestID, "req-"+randomHex(8))
	body, err := readBody(w, r)
	path, inPrefix := r.URL.Path, true
	if s.prefix != "" {
		rest, ok := strings.CutPrefix(path, s.prefix)
		if inPrefix = ok && (rest == "" || rest[0] == '/'); inPrefix {
			path = rest
		}
	}
	hdr := r.Header.Clone()
	for _, h := range []string{"Authorization", headerUserAction} {
		if vs := hdr.Values(h); len(vs) > 0 {
			hdr[http.CanonicalHeaderKey(h)] = slices.Repeat([]string{"REDACTED"}, len(vs))
		}
	}
	s.mu.Lock()
	seq := s.reqDropped + len(s.requests)
	s.requests = append(s.requests, RecordedRequest{Method: r.Method, Path: path, Query: r.URL.RawQuery, Header: hdr, Body: body})
	if over := len(s.requests) - s.reqMax; s.reqMax > 0 && over > 0 {
		s.requests = slices.Delete(s.requests, 0, over)
		s.reqDropped += over
	}
	s.mu.Unlock()

	status := s.serve(w, &call{r: r, path: path, body: body, seq: seq}, inPrefix, err)

	s.mu.Lock()
	if i := seq - s.reqDropped; i >= 0 {
		s.requests[i].Status = status
	}
	s.mu.Unlock()
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodySize))
	if len(b) == 0 {
		b = nil
	}
	return b, err
}

// serve answers one request and returns the status sent (0 for none).
func (s *Server) serve(w http.ResponseWriter, c *call, inPrefix bool, bodyErr error) int {
	if !s.wait(c.r) {
		return 0
	}
	if bodyErr != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(bodyErr, &mbe) {
			return write(w, http.StatusRequestEntityTooLarge, errorf(http.StatusRequestEntityTooLarge, "request body is larger than %d bytes", maxBodySize))
		}
		return write(w, http.StatusBadRequest, errorf(http.StatusBadRequest, "failed to read the request body"))
	}
	if !inPrefix {
		return write(w, http.StatusNotFound, errorf(http.StatusNotFound, "no route for %s %s: the API is served under %s", c.r.Method, c.path, s.prefix))
	}
	rt, params, allow := match(c.r.Method, c.path)
	if rt == nil {
		if allow != "" {
			w.Header().Set("Allow", allow)
			return write(w, http.StatusMethodNotAllowed, errorf(http.StatusMethodNotAllowed, "method %s is not allowed on %s; allowed: %s", c.r.Method, c.path, allow))
		}
		return write(w, http.StatusNotFound, errorf(http.StatusNotFound, "no route for %s %s", c.r.Method, c.path))
	}
	c.params = params
	p := s.plan(rt.name())
	s.logFaults(rt.name(), c, p)
	if p.pre != nil {
		if p.retryAfter != "" {
			w.Header().Set("Retry-After", p.retryAfter)
		}
		return write(w, p.pre.Status, p.pre)
	}
	status, v := s.process(rt, c, p.policy)
	if p.delayAfter > 0 {
		time.Sleep(p.delayAfter)
	}
	switch {
	case p.drop:
		drop(w)
		return 0
	case p.failAfter != 0:
		return write(w, p.failAfter, errorf(p.failAfter, "simulated failure after processing (dfnstest FailAfter)"))
	}
	return write(w, status, v)
}

// wait applies the latency; it reports false if the client or the server
// went away meanwhile.
func (s *Server) wait(r *http.Request) bool {
	s.mu.Lock()
	d := s.latency
	s.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.closed:
	}
	return false
}

// match finds the route for method and path; when only the method is
// wrong, it returns the allowed methods instead.
func match(method, path string) (*route, map[string]string, string) {
	var allow []string
	segs := strings.Split(path, "/")
	for i := range routes {
		rt := &routes[i]
		pat := strings.Split(rt.pattern, "/")
		if len(pat) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for j, p := range pat {
			if strings.HasPrefix(p, "{") && segs[j] != "" {
				params[strings.Trim(p, "{}")] = segs[j]
			} else if p != segs[j] {
				ok = false
				break
			}
		}
		switch {
		case !ok:
		case rt.method == method:
			return rt, params, ""
		case !slices.Contains(allow, rt.method):
			allow = append(allow, rt.method)
		}
	}
	return nil, nil, strings.Join(allow, ", ")
}

// process checks authorization, the body and the user action, then runs
// the route. It returns the status and the body to send.
func (s *Server) process(rt *route, c *call, policy bool) (int, any) {
	e := s.authorize(rt, c)
	if e == nil && rt.activity != "" {
		if e = s.consumeUserAction(c); e == nil && policy {
			return http.StatusAccepted, pendingApproval(rt.activity)
		}
	}
	if e != nil {
		return e.Status, e
	}
	v, e := rt.handle(s, c)
	if e != nil {
		return e.Status, e
	}
	return http.StatusOK, v
}

func (s *Server) authorize(rt *route, c *call) *apiError {
	tok, ok := strings.CutPrefix(c.r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	perms, known := s.tokens[tok]
	s.mu.Unlock()
	if !ok || !known {
		return errorf(http.StatusUnauthorized, "missing or invalid bearer token: send Authorization: Bearer <token>")
	}
	if rt.perm != "" && perms != nil && !perms[rt.perm] {
		return errorf(http.StatusForbidden, "the token lacks the permission %s required by %s", rt.perm, rt.name()).with("permission", rt.perm)
	}
	if c.r.Method == http.MethodPost {
		if mt, _, err := mime.ParseMediaType(c.r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			return errorf(http.StatusBadRequest, "Content-Type must be application/json")
		}
	}
	return nil
}

// approval is the body of a 202: a policy approval that is pending.
type approval struct {
	ID          string   `json:"id"`
	InitiatorID string   `json:"initiatorId"`
	Status      string   `json:"status"`
	Activity    activity `json:"activity"`
	Decisions   []string `json:"decisions"`
	DateCreated string   `json:"dateCreated"`
}

type activity struct {
	Kind string `json:"kind"`
}

func pendingApproval(kind string) *approval {
	return &approval{
		ID: "ap-" + randomHex(8), InitiatorID: "us-simulator", Status: "Pending",
		Activity: activity{Kind: kind}, Decisions: []string{},
		DateCreated: time.Now().UTC().Format(time.RFC3339),
	}
}

func write(w http.ResponseWriter, status int, v any) int {
	if e, ok := v.(*apiError); ok {
		v = struct {
			Error *apiError `json:"error"`
		}{e}
	}
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"status":500,"message":"failed to encode the response"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	return status
}

// drop closes the connection after a partial status line.
func drop(w http.ResponseWriter) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_, _ = buf.WriteString("HTTP/1.1 200 OK\r\n")
	_ = buf.Flush()
	_ = conn.Close()
}

func decode(body []byte, v any) *apiError {
	if err := json.Unmarshal(body, v); err != nil {
		return errorf(http.StatusBadRequest, "malformed JSON body: %v", err)
	}
	return nil
}
