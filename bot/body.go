package bot

import (
	"errors"
	"io"
	"net/http"
)

// MaxBody is the largest request a chat platform's endpoint reads (docs/contract.md).
const MaxBody = 1 << 20

// ReadBody reads a platform's request body of at most MaxBody bytes, which
// its signature check needs whole. When it cannot, it has answered already
// (413 for too large, 400 otherwise) and returns false.
func ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	if err != nil {
		http.Error(w, "cannot read request body", http.StatusBadRequest)
		return nil, false
	}
	return body, true
}
