package pages

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/screenpop/screenpop/internal/apperr"
)

// Page actions are buttons that send the record to the platform hosting
// the pop. Today they are Sobot's page-to-workbench messages (seed 004):
// a ticket (type:"createOrder", the ticket's custom field ids as params),
// a product card (msgType 24) and an order card (msgType 25). Each
// parameter is a CEL expression over the object's record and the call,
// like a computed field; the web layer turns the evaluated values into the
// platform's exact message.

// ActionKind is what an action button sends.
type ActionKind string

// The kinds of action.
const (
	// ActionSobotTicket: window.parent.postMessage({type:"createOrder",
	// params:{…}}) in Sobot's ticket center (seed 004 接入工单).
	ActionSobotTicket ActionKind = "sobot_ticket"
	// ActionSobotProductCard: {cid, uid, msgType: 24, miniPage: JSON
	// text of {title, url, description, label, thumbnail}} (发送商品卡片).
	ActionSobotProductCard ActionKind = "sobot_product_card"
	// ActionSobotOrderCard: {cid, uid, msgType: 25, miniPage: JSON text of
	// {orderStatus, statusCustom, createTime, orderCode, orderUrl,
	// totalFee, goodsCount, goods}} (发送订单卡片).
	ActionSobotOrderCard ActionKind = "sobot_order_card"
)

// Limits of a page's actions.
const (
	MaxActions      = 10
	MaxActionParams = 30
)

// Action is one button of a page.
type Action struct {
	Kind  ActionKind `json:"kind" doc:"sobot_ticket (type:\"createOrder\"), sobot_product_card (msgType 24) or sobot_order_card (msgType 25)"`
	Label string     `json:"label,omitempty" doc:"The button's text; default by kind"`
	// Object names the page object whose record the parameters read as
	// record; empty, the first object.
	Object string        `json:"object,omitempty" doc:"The object whose record the parameters read; default the first"`
	Params []ActionParam `json:"params"`
}

// ActionParam maps one parameter of the message to a value.
type ActionParam struct {
	Name  string `json:"name" doc:"For a ticket, the id of a Sobot custom ticket field; for cards, one of the card's fields"`
	Value string `json:"value" doc:"CEL over record and call, e.g. record.姓名 or call.uid or \"1500元\""`
}

// cardFields are the fields a card kind has, in the seed's order; a
// ticket's params are the tenant's own custom field ids.
var cardFields = map[ActionKind][]string{
	ActionSobotProductCard: {"cid", "uid", "title", "url", "description", "label", "thumbnail"},
	ActionSobotOrderCard:   {"cid", "uid", "orderStatus", "statusCustom", "createTime", "orderCode", "orderUrl", "totalFee", "goodsCount", "goods"},
}

// cardRequired are the fields without which the card means nothing.
var cardRequired = map[ActionKind][]string{
	ActionSobotProductCard: {"title", "url"},
	ActionSobotOrderCard:   {"orderCode"},
}

// CardFields lists the fields of a card kind in the seed's order (nil for
// a ticket, whose params are free).
func CardFields(k ActionKind) []string { return slices.Clone(cardFields[k]) }

// ticketParamName is a Sobot custom field id: letters, digits, _ and the
// seed's own "card*title".
var ticketParamName = regexp.MustCompile(`^[A-Za-z0-9_*.-]{1,64}$`)

func validateActions(d *Definition, v *apperr.Fields) {
	if len(d.Actions) > MaxActions {
		v.Add("actions", "page.too_many_actions", MaxActions)
		return
	}
	objects := map[string]bool{}
	for _, o := range d.Objects {
		objects[o.Name] = true
	}
	for i := range d.Actions {
		a := &d.Actions[i]
		at := fmt.Sprintf("actions[%d]", i)
		a.Label, a.Object = strings.TrimSpace(a.Label), strings.TrimSpace(a.Object)
		switch a.Kind {
		case ActionSobotTicket, ActionSobotProductCard, ActionSobotOrderCard:
		default:
			v.Add(at+".kind", "page.action_kind")
			continue
		}
		if utf8.RuneCountInString(a.Label) > MaxLabelLength {
			v.Add(at+".label", "field.too_long", MaxLabelLength)
		}
		if a.Object != "" && !objects[a.Object] {
			v.Add(at+".object", "page.action_object")
		}
		validateActionParams(a, at, v)
	}
}

func validateActionParams(a *Action, at string, v *apperr.Fields) {
	if len(a.Params) > MaxActionParams {
		v.Add(at+".params", "page.too_many_params", MaxActionParams)
		return
	}
	if a.Kind == ActionSobotTicket && len(a.Params) == 0 {
		v.Add(at+".params", "page.action_no_params")
	}
	seen := map[string]bool{}
	for j := range a.Params {
		p := &a.Params[j]
		pat := fmt.Sprintf("%s.params[%d]", at, j)
		p.Name = strings.TrimSpace(p.Name)
		switch {
		case a.Kind == ActionSobotTicket && !ticketParamName.MatchString(p.Name):
			v.Add(pat+".name", "page.action_param_name")
		case a.Kind != ActionSobotTicket && !slices.Contains(cardFields[a.Kind], p.Name):
			v.Add(pat+".name", "page.action_card_field", strings.Join(cardFields[a.Kind], ", "))
		case seen[p.Name]:
			v.Add(pat+".name", "page.action_param_twice")
		}
		seen[p.Name] = true
		if strings.TrimSpace(p.Value) == "" {
			v.Add(pat+".value", "field.required")
		} else if msg := checkRule(p.Value, ruleAny); msg != nil {
			v.Add(pat+".value", msg.Key, msg.Args...)
		}
	}
	for _, r := range cardRequired[a.Kind] {
		if !seen[r] {
			v.Add(at+".params", "page.action_card_required", r)
		}
	}
}

// ActionModel is an action as shown for one call: its parameters
// evaluated, in the definition's order.
type ActionModel struct {
	Kind   ActionKind    `json:"kind"`
	Label  string        `json:"label"`
	Params []ActionValue `json:"params"`
}

// ActionValue is one evaluated parameter.
type ActionValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// renderActions evaluates the actions whose object found a record (a
// ticket or card about nobody is not sent). Sobot's cid and uid, when not
// mapped, are the ones Sobot passed on the call (seed 004: uid 咨询用户在智齿
// 系统的用户 ID, cid 本次咨询对应会话的会话 ID).
func renderActions(def *Definition, results map[string]*lookupResult, callVars map[string]string) []ActionModel {
	var out []ActionModel
	for _, a := range def.Actions {
		name := a.Object
		if name == "" && len(def.Objects) > 0 {
			name = def.Objects[0].Name
		}
		r := results[name]
		if r == nil || r.view == nil {
			continue
		}
		vars := map[string]any{"record": r.record, "call": callVars}
		am := ActionModel{Kind: a.Kind, Label: a.Label}
		mapped := map[string]bool{}
		for _, p := range a.Params {
			val, _ := evalText(p.Value, vars)
			am.Params = append(am.Params, ActionValue{Name: p.Name, Value: val})
			mapped[p.Name] = true
		}
		if a.Kind != ActionSobotTicket {
			for _, k := range []string{"cid", "uid"} {
				if !mapped[k] {
					am.Params = append(am.Params, ActionValue{Name: k, Value: callVars[k]})
				}
			}
		}
		out = append(out, am)
	}
	return out
}
