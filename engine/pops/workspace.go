package pops

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/screenpop/screenpop/engine/calls"
	"github.com/screenpop/screenpop/engine/pops/dialect"
	"github.com/screenpop/screenpop/internal/apperr"
)

// The agent workspace (SPEC §8): a page the agent keeps open with the
// tenant's pops as tabs. For each call event the Runtime decides which pops
// it opens or refreshes and with which parameters; the web layer streams
// the messages.

// WorkspacePop is one pop as the workspace script needs it.
type WorkspacePop struct {
	ID          int64             `json:"id"`
	Name        string            `json:"name"`
	Media       string            `json:"media"`
	OpenMode    string            `json:"openMode"`
	Kind        string            `json:"kind"` // internal | get | post | webapi
	Homepage    bool              `json:"homepage"`
	AlwaysShown bool              `json:"alwaysShown"`
	Trigger     string            `json:"trigger"`
	Matches     bool              `json:"matches,omitempty"` // the event triggers this pop
	URL         string            `json:"url,omitempty"`
	Form        map[string]string `json:"form,omitempty"` // URL POST: posted into the frame
	Origin      string            `json:"origin,omitempty"`
}

// WorkspaceMessage is one message on the workspace's stream.
type WorkspaceMessage struct {
	Type      string               `json:"type"` // call | verify | outbound
	ID        int64                `json:"id,omitempty"`
	Event     string               `json:"event,omitempty"`
	Media     string               `json:"media,omitempty"`
	CallID    string               `json:"callId,omitempty"`
	EventData map[string]any       `json:"eventData,omitempty"`
	Pops      []WorkspacePop       `json:"pops,omitempty"`
	Verify    []calls.VerifyResult `json:"verify,omitempty"`
	Number    string               `json:"number,omitempty"`
}

// eventTriggers maps an event to the pop trigger it sets off.
var eventTriggers = map[string]string{
	calls.Ringing: TriggerRinging,
	calls.Switch:  TriggerRinging,
	calls.Talking: TriggerAnswered,
	calls.Release: TriggerReleased,
}

// WorkspacePops builds the workspace's view of the tenant's enabled pops,
// with the URLs for an event (nil: no call, homepages only).
func (r *Runtime) WorkspacePops(ctx context.Context, tenantID int64, e *calls.Event) ([]WorkspacePop, error) {
	t, err := r.accounts.TenantByID(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	cfgs, err := r.pops.ListConfigs(ctx, tenantID, "")
	if err != nil {
		return nil, err
	}
	var out []WorkspacePop
	for i := range cfgs {
		cfg := &cfgs[i]
		if !cfg.Enabled {
			continue
		}
		p := WorkspacePop{ID: cfg.ID, Name: cfg.Name, Media: cfg.MediaType, OpenMode: cfg.OpenMode, Homepage: cfg.Homepage,
			AlwaysShown: cfg.AlwaysShown, Trigger: cfg.Trigger, Kind: cfg.Method}
		if cfg.PageType == PageInternal {
			p.Kind = "internal"
		}
		if e != nil && e.Tab() == cfg.MediaType && eventTriggers[e.Event] == cfg.Trigger {
			p.Matches = true
		}
		switch {
		case p.Kind == "internal" && cfg.PageID != nil:
			p.URL = r.SignLinkAt(tenantID, t.Slug, *cfg.PageID, internalParams(cfg, &p, e), time.Now())
		case p.Kind == MethodWebAPI:
			p.URL = cfg.URL
		default:
			vals := externalParams(cfg, e)
			if p.Kind == MethodPost {
				p.URL, p.Form = cfg.URL, map[string]string{}
				for k := range vals {
					p.Form[k] = vals.Get(k)
				}
			} else {
				p.URL = addQuery(cfg.URL, vals)
			}
		}
		if u, err := url.Parse(cfg.URL); err == nil && u.Host != "" {
			p.Origin = u.Scheme + "://" + u.Host
		}
		out = append(out, p)
	}
	return out, nil
}

// internalParams are the parameters of one of our pages in the workspace:
// the call's data when the event concerns the pop (it matches, or the pop
// is a homepage or always shown), read as a Huawei GET.
func internalParams(cfg *Config, p *WorkspacePop, e *calls.Event) url.Values {
	params := url.Values{dialect.OverrideParam: {string(dialect.HuaweiGet)}, "via": {"workspace"}}
	if e != nil && (p.Matches || cfg.Homepage || cfg.AlwaysShown) {
		for k, v := range e.CallData {
			params.Set(k, v)
		}
		if len(e.AssocData) > 0 {
			b, _ := json.Marshal(e.AssocData)
			params.Set("calldata", string(b))
		}
	}
	return params
}

// externalParams maps the call's values onto an external page's configured
// parameters (none without a call).
func externalParams(cfg *Config, e *calls.Event) url.Values {
	vals := url.Values{}
	if e == nil {
		return vals
	}
	for _, prm := range cfg.EffectiveParams() {
		src := e.CallData
		if prm.Source == SourceAssoc {
			src = e.AssocData
		}
		vals.Set(prm.Name, src[prm.Key])
	}
	return vals
}

func addQuery(raw string, vals url.Values) string {
	if len(vals) == 0 {
		return raw
	}
	sep := "?"
	if strings.Contains(raw, "?") {
		sep = "&"
	}
	return raw + sep + vals.Encode()
}

// eventData is what SDK handlers receive, exactly as seed 002 表4-6 gives
// AICCSupport's: every value a string, mediaType in the Web API's words
// (audio, video, wechat, email, whatsapp, web) and calldata (随路数据) one
// string, the associated data as a JSON object ("" when there is none).
func eventData(e *calls.Event) map[string]any {
	d := map[string]any{}
	for _, k := range []string{"callerNum", "calledNum", "callid", "mediaType", "callType", "workNo"} {
		d[k] = e.CallData[k]
	}
	d["mediaType"] = webAPIMediaType(e.CallData["mediaType"])
	d["calldata"] = ""
	if len(e.AssocData) > 0 {
		b, _ := json.Marshal(e.AssocData)
		d["calldata"] = string(b)
	}
	return d
}

// webAPIMediaType turns the URL methods' media type (表2-1: 1 audio, 5
// multimedia) into the Web API's (表4-6); a value already in the Web
// API's words is kept. An event without one (the events API does not
// require it) is a call, as its workspace tab says (Event.Tab): the Web
// API's "audio", the string 表4-6 and clickToOutbound's 'audio' use.
func webAPIMediaType(mt string) string {
	switch mt {
	case "", "1":
		return "audio"
	case "2":
		return "video"
	case "5":
		return "web"
	}
	return mt
}

// CallMessage is the stream message of a call event.
func (r *Runtime) CallMessage(ctx context.Context, tenantID int64, e *calls.Event) (*WorkspaceMessage, error) {
	if e.Event == calls.Outbound {
		return &WorkspaceMessage{Type: "outbound", ID: e.ID, Number: e.CallData["calledNum"], Media: e.MediaType}, nil
	}
	ps, err := r.WorkspacePops(ctx, tenantID, e)
	if err != nil {
		return nil, err
	}
	return &WorkspaceMessage{Type: "call", ID: e.ID, Event: e.Event, Media: e.Tab(), CallID: e.CallID, EventData: eventData(e), Pops: ps}, nil
}

// WorkspaceState is what the workspace loads at start. The fields are in
// the order of their JSON names, as the map it replaces was written.
type WorkspaceState struct {
	// Last is the agent's last call, so a reload shows the last customer.
	Last *WorkspaceMessage `json:"last,omitempty"`
	// Pops are the tenant's pops (homepages open at once).
	Pops   []WorkspacePop `json:"pops"`
	WorkNo string         `json:"workNo"`
}

// WorkspaceState returns the agent's pops and last call.
func (r *Runtime) WorkspaceState(ctx context.Context, tenantID int64, workNo string) (*WorkspaceState, error) {
	last, err := r.calls.LastCall(ctx, tenantID, workNo)
	if err != nil {
		return nil, err
	}
	ps, err := r.WorkspacePops(ctx, tenantID, nil)
	if err != nil {
		return nil, err
	}
	st := &WorkspaceState{Pops: ps, WorkNo: workNo}
	if last != nil {
		if st.Last, err = r.CallMessage(ctx, tenantID, last); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// DialOutRequest is a dial-out request from a page in the workspace
// (clickToOutbound or a call button).
type DialOutRequest struct {
	CalledNum string `json:"calledNum"`
	MediaType string `json:"mediaType"`
}

// DialOutResult is the recorded request. Fields in the order of their JSON
// names, as the map it replaces was written.
type DialOutResult struct {
	Forwarded bool  `json:"forwarded"`
	ID        int64 `json:"id"`
	// ForwardError is why the webhook did not take the request; the
	// request is recorded anyway.
	ForwardError error `json:"-"`
}

// outboundMedia are clickToOutbound's media types (seed 002 表4-9).
var outboundMedia = []string{"audio", "video", "email", "whatsapp"}

// maxDialNumber bounds a dialled number.
const maxDialNumber = 32

// DialOut records an agent's dial-out request, which shows it in the
// agent's workspace, and forwards it to the tenant's telephony webhook.
func (r *Runtime) DialOut(ctx context.Context, tenantID int64, workNo string, in DialOutRequest) (*DialOutResult, error) {
	in.CalledNum = strings.TrimSpace(in.CalledNum)
	if in.CalledNum == "" || len(in.CalledNum) > maxDialNumber {
		return nil, apperr.Field("calledNum", "field.required")
	}
	if in.MediaType == "" {
		in.MediaType = MediaAudio
	}
	if !slices.Contains(outboundMedia, in.MediaType) {
		return nil, apperr.Field("mediaType", "call.outbound_media")
	}
	e, err := r.calls.Record(ctx, tenantID, calls.EventInput{Event: calls.Outbound, WorkNo: workNo,
		CallData: map[string]string{"calledNum": in.CalledNum, "mediaType": in.MediaType}}, "workspace")
	if err != nil {
		return nil, err
	}
	res := &DialOutResult{ID: e.ID}
	res.Forwarded, res.ForwardError = r.forwardDialOut(ctx, tenantID, workNo, in)
	return res, nil
}

// forwardDialOut posts a dial-out request to the tenant's telephony
// webhook, through the engine's guarded HTTP client.
func (r *Runtime) forwardDialOut(ctx context.Context, tenantID int64, workNo string, in DialOutRequest) (bool, error) {
	ps, err := r.pops.Settings(ctx, tenantID)
	if err != nil || ps.OutboundWebhook == "" || r.webhooks == nil {
		return false, err
	}
	body := map[string]string{"workNo": workNo, "calledNum": in.CalledNum, "mediaType": in.MediaType}
	if err := r.webhooks.PostJSON(ctx, ps.OutboundWebhook, body); err != nil {
		return false, err
	}
	return true, nil
}
