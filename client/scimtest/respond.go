package scimtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/otaccess/otaccess/client"
)

// writeJSON encodes v as SCIM JSON. HTML escaping is off so names such as
// "Research & Development" travel as they would from a Java server.
func writeJSON(w http.ResponseWriter, status int, v any) {
	writeJSONAs(w, status, contentType, v)
}

// writeItems writes a 200 list response: head, the items joined by commas,
// then tail. Lists are written so around each item's cached encoding (see
// userJSON), into a buffer grown once: a page of 1,000 users is 1.4 MB.
func writeItems(w http.ResponseWriter, contentType, head string, items [][]byte, tail string) {
	size := len(head) + len(items) + len(tail)
	for _, b := range items {
		size += len(b)
	}
	if br, ok := w.(*bufferedResponse); ok {
		br.body.Grow(size)
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, head)
	for i, b := range items {
		if i > 0 {
			_, _ = io.WriteString(w, ",")
		}
		_, _ = w.Write(b)
	}
	_, _ = io.WriteString(w, tail)
}

// writeJSONAs is writeJSON with another media type (the access APIs answer
// application/json).
func writeJSONAs(w http.ResponseWriter, status int, contentType string, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, "encoding response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

type errorWire struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail,omitempty"`
}

func writeError(w http.ResponseWriter, status int, scimType, detail string) {
	writeJSON(w, status, errorWire{
		Schemas:  []string{client.SchemaError},
		Status:   strconv.Itoa(status),
		ScimType: scimType,
		Detail:   detail,
	})
}

func notFound(w http.ResponseWriter, c *call) {
	writeError(w, http.StatusNotFound, "", fmt.Sprintf("no SCIM endpoint at %s %s", c.r.Method, c.r.URL.Path))
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, "", "method not allowed here; allowed: "+allow)
}

// bufferedResponse holds a handler's response so faults can rewrite, cut or
// drop it after the handler (and its state change) ran.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

// responses recycles response buffers: a page of 1,000 users is 1.4 MB,
// and the fake tenant runs in the process of the tests and benchmarks it
// serves, where that much garbage per request made the collector run for
// them.
var responses = sync.Pool{New: func() any { return new(bufferedResponse) }}

func newBufferedResponse() *bufferedResponse {
	b := responses.Get().(*bufferedResponse)
	b.header, b.status = http.Header{}, 0
	b.body.Reset()
	return b
}

// release returns b to the pool once its bytes have been written out.
func (b *bufferedResponse) release() { responses.Put(b) }

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedResponse) statusCode() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}

// flush writes the buffered response out unchanged.
func flush(w http.ResponseWriter, b *bufferedResponse) int {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	if b.body.Len() > 0 || b.statusCode() != http.StatusNoContent {
		w.Header().Set("Content-Length", strconv.Itoa(b.body.Len()))
	}
	w.WriteHeader(b.statusCode())
	_, _ = w.Write(b.body.Bytes())
	return b.statusCode()
}

// sleepCtx sleeps d unless ctx ends first; it reports whether it slept fully.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// ---- rate limiting ----
