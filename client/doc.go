// Package client is a SCIM 2.0 client for OneTrust (legacy /api/scim/v2) and
// any standard SCIM 2.0 service. It knows nothing of the cache or the UI.
package client
