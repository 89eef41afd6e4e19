package dfnskeys

// NewClientFromEnvFunc exposes newClientFromEnv to the external tests,
// which use dfnstest (which imports this package).
var NewClientFromEnvFunc = newClientFromEnv
