package pages

import (
	"context"
	"errors"
	"slices"

	"github.com/screenpop/screenpop/tables"
)

// ExternalSource answers external pages: it calls the enterprise's
// queryCustomer endpoint (the connector lives in the engine) and returns
// what can be rendered.
type ExternalSource interface {
	Fetch(ctx context.Context, tenantID, interfaceID int64, param string) (*ExternalReply, error)
	// Granted reports whether the tenant may use the interface (page
	// validation asks it).
	Granted(ctx context.Context, tenantID, interfaceID int64) bool
}

// NoExternal is the ExternalSource of a system without the connector:
// external pages show "not configured" and no interface is granted.
type NoExternal struct{}

// Fetch reports the interface as not configured.
func (NoExternal) Fetch(context.Context, int64, int64, string) (*ExternalReply, error) {
	return nil, &ExternalError{Reason: "not_configured", Err: errors.New("no external connector")}
}

// Granted is false: there is nothing to grant.
func (NoExternal) Granted(context.Context, int64, int64) bool { return false }

// ExternalReply is a queryCustomer reply, parsed leniently.
type ExternalReply struct {
	Objects []ExternalObject
}

// ExternalObject is one objectName with its values.
type ExternalObject struct {
	Name   string
	Values []ExternalValue
}

// ExternalValue is one value, display text already formatted (dictionary
// labels applied) but not yet masked.
type ExternalValue struct {
	Name      string
	Display   string
	Type      tables.FieldType
	MaskStyle tables.MaskStyle
	Mandatory bool
}

// ExternalError is a failure of the data source with a reason a person can
// read ("timeout", "refused_address", …); the page shows "customer
// information unavailable (reason)" with a retry button.
type ExternalError struct {
	Reason string
	Err    error
}

func (e *ExternalError) Error() string {
	return "external interface: " + e.Reason + ": " + e.Err.Error()
}
func (e *ExternalError) Unwrap() error { return e.Err }

func (s *Service) renderExternal(ctx context.Context, tenantID int64, def *Definition, call Call, opts RenderOptions, m *Model) (*Model, error) {
	switch {
	case opts.Placeholder:
		// Never ask the enterprise with an empty parameter: sloppy
		// endpoints answer that with real customers, which a preview
		// must not show as sample data.
		m.State = StatePlaceholder
		return m, nil
	case call.CustomerNumber == "":
		m.State = StateNoKey
		return m, nil
	}
	reply, err := s.external.Fetch(ctx, tenantID, def.ExternalInterfaceID, call.CustomerNumber)
	if err != nil {
		var xe *ExternalError
		if errors.As(err, &xe) {
			m.State, m.Reason = StateError, xe.Reason
			return m, nil
		}
		return nil, err
	}
	if reply == nil || len(reply.Objects) == 0 {
		m.State = StateNotFound
		return m, nil
	}
	customer := tables.NormalizeIndex(call.CustomerNumber)
	for _, o := range reply.Objects {
		om := ObjectModel{Name: o.Name, Found: true}
		name := ""
		for _, v := range o.Values {
			if name == "" && slices.Contains(nameFields, v.Name) {
				name = v.Display
				if v.MaskStyle != tables.MaskNone && !opts.Reveal {
					name = tables.Mask(v.Display, v.MaskStyle)
				}
			}
		}
		for _, v := range o.Values {
			fm := FieldModel{Label: v.Name, Value: v.Display, Type: v.Type, Empty: v.Display == "", Mandatory: v.Mandatory, MaskStyle: v.MaskStyle}
			fm.MissingMandatory = fm.Empty && v.Mandatory
			if v.MaskStyle != tables.MaskNone && !opts.Reveal && !fm.Empty {
				fm.Value, fm.Masked = tables.Mask(v.Display, v.MaskStyle), true
			}
			// Only phone values get a call button: the customer's own
			// number, and the values the page marks.
			marked := slices.Contains(def.PhoneValues, o.Name+"."+v.Name) ||
				customer != "" && tables.NormalizeIndex(v.Display) == customer
			fm.Phone = marked && !fm.Masked && looksLikePhone(fm.Value)
			if fm.Phone {
				fm.DialDesc = name
			}
			om.Fields = append(om.Fields, fm)
		}
		m.Objects = append(m.Objects, om)
	}
	return m, nil
}
