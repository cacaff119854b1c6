package plugin

// Internal test helpers that the external tests (package plugin_test) share.

// ReadAlerting reads the provisioned alerting file (contact point, policy, rule).
var ReadAlerting = readAlerting

// Alerting is the provisioned alerting file as the tests read it.
type Alerting = alertingFile
