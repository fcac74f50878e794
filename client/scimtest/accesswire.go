package scimtest

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// Encoding the access lists item by item with encoding/json was most of
// the fake's CPU in a default sync (Users V2 pages of 2,000, member
// pages), which a benchmark's client shares on the same cores. As with
// SCIM users (userJSON), each item's encoding is kept until the tenant
// changes (any write bumps gen), and a page is its envelope around them.

// v2JSON is rec as a Users V2 list item encodes it. Caller holds s.mu for
// reading.
func (s *Server) v2JSON(rec *userRec) ([]byte, error) {
	if w := rec.v2wire.Load(); w != nil && w.gen == s.gen {
		return w.b, nil
	}
	b, err := json.Marshal(s.renderUserV2(rec))
	if err != nil {
		return nil, err
	}
	rec.v2wire.Store(&wireJSON{gen: s.gen, b: b})
	return b, nil
}

// membersJSON is a user group's members, each encoded as a member list
// item, in the group's order, while the tenant is at gen.
type membersJSON struct {
	gen   uint64
	items [][]byte
}

// memberItems is g's members encoded. Caller holds s.mu for reading.
func (s *Server) memberItems(g *userGroupRec) ([][]byte, error) {
	if w := g.wire.Load(); w != nil && w.gen == s.gen {
		return w.items, nil
	}
	items := make([][]byte, len(g.members))
	for i, m := range g.members {
		b, err := json.Marshal(renderMember(m))
		if err != nil {
			return nil, err
		}
		items[i] = b
	}
	g.wire.Store(&membersJSON{gen: s.gen, items: items})
	return items, nil
}

// writeRawPage writes the page pageOf(n, page, size, sorted, ...) makes,
// its content the encoded items item(i): byte for byte what
// writeAccessJSON writes for it. The envelope is encoded with an empty
// content, whose "[]" the items go into.
func writeRawPage(w http.ResponseWriter, n, page, size int, sorted bool, item func(i int) ([]byte, error)) {
	env := pageOf(n, page, size, sorted, func(int) struct{} { return struct{}{} })
	items := make([][]byte, 0, env.NumberOfElements) // grown by appends, 0.1 s of 6 syncs
	for i := env.Pageable.Offset; i < env.Pageable.Offset+env.NumberOfElements; i++ {
		b, err := item(i)
		if err != nil {
			http.Error(w, "encoding response: "+err.Error(), http.StatusInternalServerError)
			return
		}
		items = append(items, b)
	}
	env.Content = []struct{}{}
	head, err := json.Marshal(env)
	if err != nil {
		http.Error(w, "encoding response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	const open = `{"content":[]`
	if !bytes.HasPrefix(head, []byte(open)) {
		http.Error(w, "encoding response: the page envelope does not start with its content", http.StatusInternalServerError)
		return
	}
	// "]" and the rest of the envelope follow the items.
	writeItems(w, accessJSONType, open[:len(open)-1], items, string(head[len(open)-1:])+"\n")
}
