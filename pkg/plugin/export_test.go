package plugin

// Internal test helpers that the external tests (package plugin_test) share.

// ReadAlerting reads the provisioned alerting file (contact point, policy, rule).
var ReadAlerting = readAlerting
