package scimtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func BenchmarkGenerate100k(b *testing.B) {
	for b.Loop() {
		NewServer(Config{Users: 100_000, Roles: 40, Orgs: 50, Seed: 1})
	}
}

// BenchmarkUserPage measures one 1000-user page deep in a 100k tenant over HTTP.
func BenchmarkUserPage(b *testing.B) {
	s := NewServer(Config{Users: 100_000, Roles: 40, Orgs: 50, Seed: 1, Token: "t"})
	hs := httptest.NewServer(s)
	defer hs.Close()
	url := hs.URL + s.BasePath() + "/Users?startIndex=90001&count=1000"
	for b.Loop() {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer t")
		res, err := hs.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
}
