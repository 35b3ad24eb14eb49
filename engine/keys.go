package engine

// CSRFKey is the key of the web forms' CSRF tokens, derived from the master
// key for that one purpose (the web layer never derives keys itself).
func (e *Engine) CSRFKey() []byte { return e.MasterKey.Derive("csrf", 32) }
