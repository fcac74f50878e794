// Package config resolves where otaccess connects and how it gets a token:
// flags, then environment, then a profile in the config file.
package config
