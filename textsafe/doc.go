// Package textsafe neutralizes untrusted strings (names, emails, group names
// from a SCIM server) before they reach a terminal or a spreadsheet.
package textsafe
