// Package api serves the ingest API of `csbot serve` under /api/v1/: other
// tools POST accounts, usage, survey answers, tickets, touches and revenue
// events as {"items": [...]} with a bearer token. Every item is validated
// and applied by package ingest; openapi.yaml documents the wire format.
package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/ingest"
)

// MaxBody bounds a request body: 10,000 items of a few hundred bytes each.
const MaxBody = 10 << 20

// Prefix is where the API is mounted.
const Prefix = "/api/v1/"

// Endpoints are the kinds (and aliases, see ingest.ParseKind) the API
// takes, each at POST Prefix+name.
var Endpoints = []string{"accounts", "usage", "metrics", "responses", "nps", "csat", "tickets", "touches", "revenue", "churn"}

type handler struct {
	// sum is the SHA-256 of the token: comparing fixed-size digests in
	// constant time does not leak the token's length either.
	sum [sha256.Size]byte
	off bool
	svc *ingest.Service
	log *slog.Logger
	mux *http.ServeMux
}

// New returns the handler of everything under Prefix. Requests without
// "Authorization: Bearer <token>" get 401; with an empty token the API is
// off and answers 404.
func New(token string, svc *ingest.Service, log *slog.Logger) http.Handler {
	h := &handler{sum: sha256.Sum256([]byte(token)), off: token == "", svc: svc, log: log, mux: http.NewServeMux()}
	for _, name := range Endpoints {
		h.mux.HandleFunc("POST "+Prefix+name, h.ingest(name))
	}
	h.mux.HandleFunc(Prefix, func(w http.ResponseWriter, r *http.Request) {
		if slices.Contains(Endpoints, strings.TrimPrefix(r.URL.Path, Prefix)) {
			w.Header().Set("Allow", http.MethodPost)
			writeError(w, http.StatusMethodNotAllowed, r.Method+" "+r.URL.Path+": only POST")
			return
		}
		writeError(w, http.StatusNotFound, "no endpoint "+r.URL.Path+": POST to "+Prefix+"{"+strings.Join(Endpoints, ",")+"}")
	})
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.off {
		writeError(w, http.StatusNotFound, "the ingest API is off: set CSBOT_API_TOKEN to turn it on")
		return
	}
	if !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="csbot"`)
		writeError(w, http.StatusUnauthorized, "missing or wrong bearer token: send Authorization: Bearer <CSBOT_API_TOKEN>")
		return
	}
	h.mux.ServeHTTP(w, r)
}

func (h *handler) authorized(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return subtle.ConstantTimeCompare(sum[:], h.sum[:]) == 1
}

// ingest handles POST Prefix+name.
func (h *handler) ingest(name string) http.HandlerFunc {
	kind, survey, err := ingest.ParseKind(name)
	if err != nil {
		panic("api: endpoint " + name + ": " + err.Error())
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "" {
			if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
				writeError(w, http.StatusUnsupportedMediaType, "send the body as application/json, not "+ct)
				return
			}
		}
		dryRun, err := strconv.ParseBool(r.URL.Query().Get("dry_run"))
		if err != nil && r.URL.Query().Has("dry_run") {
			writeError(w, http.StatusBadRequest, "dry_run: use true or false")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			writeError(w, http.StatusRequestEntityTooLarge, "body over 10 MiB: split the batch")
			return
		case err != nil:
			writeError(w, http.StatusBadRequest, "read body: "+err.Error())
			return
		}
		items, err := ingest.DecodeJSON(kind, body)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		res, err := h.svc.Ingest(store.WithActor(r.Context(), store.Actor{Name: "api", Channel: r.URL.Path}), ingest.Batch{Kind: kind, Survey: survey, Items: items, DryRun: dryRun})
		var reqErr *ingest.RequestError
		switch {
		case errors.As(err, &reqErr):
			writeError(w, http.StatusBadRequest, err.Error())
		case errors.Is(err, store.ErrUnavailable):
			h.log.Error("ingest: store unavailable", "kind", kind, "err", err)
			w.Header().Set("Retry-After", "30")
			writeError(w, http.StatusServiceUnavailable, err.Error())
		case err != nil:
			h.log.Error("ingest failed", "kind", kind, "err", err)
			writeError(w, http.StatusInternalServerError, err.Error())
		default:
			writeJSON(w, http.StatusOK, res)
		}
	}
}

type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, errorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
