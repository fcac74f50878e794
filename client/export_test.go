package client

import (
	"reflect"

	jsonv2 "github.com/go-json-experiment/json"
)

// FastReadsAccessPage reports whether the hand-written reader reads body
// (a Users V2 page, or a user group member page when members is set)
// itself rather than leaving it to jsonv2, and whether it then reads what
// jsonv2 does.
func FastReadsAccessPage(body []byte, members bool) (fast, same bool) {
	if members {
		return fastSame(body, (*scanner).memberID)
	}
	return fastSame(body, (*scanner).userLogin)
}

func fastSame[T any](body []byte, item func(*scanner, *T) bool) (fast, same bool) {
	var got, want AccessPage[T]
	if !decodeAccessPageFast(&got, body, item) {
		return false, false
	}
	if jsonv2.Unmarshal(body, &want, pageOptions) != nil {
		return true, false
	}
	return true, reflect.DeepEqual(got, want)
}

// DecodeUserLoginPage decodes a Users V2 page as a sync does, or with
// jsonv2's reflection only when reflect is set (for benchmarks).
func DecodeUserLoginPage(body []byte, reflect bool) (int, error) {
	p := AccessPage[UserLogin]{Content: make([]UserLogin, 0, MaxAccessPageSize)}
	if reflect {
		type plain AccessPage[UserLogin]
		err := jsonv2.Unmarshal(body, (*plain)(&p), pageOptions)
		return len(p.Content), err
	}
	err := p.decodePage(body)
	return len(p.Content), err
}
