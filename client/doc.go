// Package client is a SCIM 2.0 client for OneTrust (legacy /api/scim/v2) and
// any standard SCIM 2.0 service, and for OneTrust's access-management APIs
// on the same host (Users V2, user groups v2, login history: Spring pages
// from page 0, each API its own per-minute budget). It knows nothing of the
// cache or the UI.
package client
