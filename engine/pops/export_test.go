package pops

// RetryOf is the retry the runtime offers on an unavailable page. Reaching
// that state through Open needs a failing data source, which the web tests
// set up; here the decision itself is checked.
func RetryOf(r *Runtime, pt *Target, req Request) *Result {
	res := &Result{}
	r.setRetry(pt, req, res)
	return res
}
