package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/audit"
	"github.com/screenpop/screenpop/tables"
)

// TableIDPath is a table id in the path.
type TableIDPath struct {
	TableID int64 `path:"tableId" minimum:"1"`
}

// FieldIDPath is a table and field id in the path.
type FieldIDPath struct {
	TableIDPath
	FieldID int64 `path:"fieldId" minimum:"1"`
}

// RecordIDPath is a table and record id in the path.
type RecordIDPath struct {
	TableIDPath
	RecordID int64 `path:"recordId" minimum:"1"`
}

// TablesOutput lists tables.
type TablesOutput struct {
	Body struct {
		Items []tables.TableSummary `json:"items"`
	}
}

// TableOutput is one table with its fields.
type TableOutput struct{ Body *tables.Table }

// TableInput creates or renames a table.
type TableInput struct {
	Body struct {
		Name        string `json:"name" maxLength:"64"`
		Description string `json:"description,omitempty" maxLength:"512"`
	}
}

// UpdateTableInput renames a table.
type UpdateTableInput struct {
	TableIDPath
	TableInput
}

// FieldBodyInput adds a field.
type FieldBodyInput struct {
	TableIDPath
	Body tables.FieldInput
}

// UpdateFieldInput changes a field.
type UpdateFieldInput struct {
	FieldIDPath
	Body tables.FieldInput
}

// FieldOutput is one field.
type FieldOutput struct{ Body *tables.Field }

// FieldOrderInput sets the order of a table's fields.
type FieldOrderInput struct {
	TableIDPath
	Body struct {
		FieldIDs []int64 `json:"fieldIds" doc:"Every field id of the table, in the new order"`
	}
}

// ListRecordsInput pages through records or finds one by index value.
type ListRecordsInput struct {
	TableIDPath
	Index  string `query:"index" doc:"Exact index value to find (phone numbers in any common format)"`
	Offset int    `query:"offset" minimum:"0" default:"0"`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

// RecordsOutput is a page of records, masked.
type RecordsOutput struct {
	Body struct {
		Total int                 `json:"total"`
		Items []tables.RecordView `json:"items"`
	}
}

// RecordOutput is one record, masked.
type RecordOutput struct{ Body tables.RecordView }

// RecordValuesInput creates a record from values keyed by field name.
type RecordValuesInput struct {
	TableIDPath
	Body struct {
		Values map[string]string `json:"values" doc:"Field name to value; dictionary fields take the key or the label"`
	}
}

// UpdateRecordInput changes a record; fields left out keep their values.
type UpdateRecordInput struct {
	RecordIDPath
	Body struct {
		Values map[string]string `json:"values"`
	}
}

// RevealInput asks for one masked value in clear (audited).
type RevealInput struct {
	RecordIDPath
	Body struct {
		FieldID int64  `json:"fieldId" minimum:"1"`
		CallID  string `json:"callId,omitempty" maxLength:"128" doc:"The call during which the agent needed the value"`
	}
}

// RevealOutput is the value in clear.
type RevealOutput struct {
	Body struct {
		Value string `json:"value"`
	}
}

// AuditInput filters the audit log.
type AuditInput struct {
	Action string `query:"action" doc:"e.g. record.reveal"`
	Limit  int64  `query:"limit" minimum:"1" maximum:"500" default:"100"`
}

// AuditOutput lists audit entries, newest first.
type AuditOutput struct {
	Body struct {
		Items []audit.Entry `json:"items"`
	}
}

func (s *Server) registerTablesAPI(api huma.API) {
	tags := []string{"Base tables"}
	admin := func(ctx context.Context, name string) (apiOp, error) { return s.require(ctx, name, accounts.RoleAdmin) }

	register(api, http.MethodGet, "/tables", "list-tables", "List base tables", tags,
		func(ctx context.Context, _ *struct{}) (*TablesOutput, error) {
			op, err := admin(ctx, "list-tables")
			if err != nil {
				return nil, err
			}
			ts, err := s.eng.Tables.ListTables(ctx, op.p.TenantID())
			if err != nil {
				return nil, op.fail(err)
			}
			out := &TablesOutput{}
			out.Body.Items = ts
			if ts == nil {
				out.Body.Items = []tables.TableSummary{}
			}
			return out, nil
		})
	register(api, http.MethodPost, "/tables", "create-table", "Create a draft base table", tags,
		func(ctx context.Context, in *TableInput) (*TableOutput, error) {
			op, err := admin(ctx, "create-table")
			if err != nil {
				return nil, err
			}
			t, err := s.eng.Tables.CreateTable(ctx, op.p.TenantID(), tables.TableInput{Name: in.Body.Name, Description: in.Body.Description})
			if err != nil {
				return nil, op.fail(err)
			}
			return &TableOutput{Body: t}, nil
		})
	register(api, http.MethodGet, "/tables/{tableId}", "get-table", "Get a base table with its fields", tags,
		func(ctx context.Context, in *TableIDPath) (*TableOutput, error) {
			op, err := admin(ctx, "get-table")
			if err != nil {
				return nil, err
			}
			t, err := s.eng.Tables.GetTable(ctx, op.p.TenantID(), in.TableID)
			if err != nil {
				return nil, op.fail(err)
			}
			return &TableOutput{Body: t}, nil
		})
	register(api, http.MethodPatch, "/tables/{tableId}", "update-table", "Rename a base table or change its description", tags,
		func(ctx context.Context, in *UpdateTableInput) (*TableOutput, error) {
			op, err := admin(ctx, "update-table")
			if err != nil {
				return nil, err
			}
			t, err := s.eng.Tables.UpdateTable(ctx, op.p.TenantID(), in.TableID, tables.TableInput{Name: in.Body.Name, Description: in.Body.Description})
			if err != nil {
				return nil, op.fail(err)
			}
			return &TableOutput{Body: t}, nil
		})
	register(api, http.MethodDelete, "/tables/{tableId}", "delete-table", "Delete a base table and all its records", tags,
		func(ctx context.Context, in *TableIDPath) (*Empty, error) {
			op, err := admin(ctx, "delete-table")
			if err != nil {
				return nil, err
			}
			if err := s.eng.Tables.DeleteTable(ctx, op.p.TenantID(), in.TableID); err != nil {
				return nil, op.fail(err)
			}
			return &Empty{}, nil
		})
	register(api, http.MethodPost, "/tables/{tableId}/publish", "publish-table", "Publish a table so it takes data and feeds pages", tags,
		func(ctx context.Context, in *TableIDPath) (*TableOutput, error) {
			op, err := admin(ctx, "publish-table")
			if err != nil {
				return nil, err
			}
			t, err := s.eng.Tables.Publish(ctx, op.p.TenantID(), in.TableID)
			if err != nil {
				return nil, op.fail(err)
			}
			return &TableOutput{Body: t}, nil
		})
	register(api, http.MethodPost, "/tables/{tableId}/fields", "add-field", "Add a field", tags,
		func(ctx context.Context, in *FieldBodyInput) (*FieldOutput, error) {
			op, err := admin(ctx, "add-field")
			if err != nil {
				return nil, err
			}
			f, err := s.eng.Tables.AddField(ctx, op.p.TenantID(), in.TableID, in.Body)
			if err != nil {
				return nil, op.fail(err)
			}
			return &FieldOutput{Body: f}, nil
		})
	register(api, http.MethodPut, "/tables/{tableId}/fields/{fieldId}", "update-field", "Change a field", tags,
		func(ctx context.Context, in *UpdateFieldInput) (*FieldOutput, error) {
			op, err := admin(ctx, "update-field")
			if err != nil {
				return nil, err
			}
			f, err := s.eng.Tables.UpdateField(ctx, op.p.TenantID(), in.TableID, in.FieldID, in.Body)
			if err != nil {
				return nil, op.fail(err)
			}
			return &FieldOutput{Body: f}, nil
		})
	register(api, http.MethodDelete, "/tables/{tableId}/fields/{fieldId}", "delete-field", "Delete a field", tags,
		func(ctx context.Context, in *FieldIDPath) (*Empty, error) {
			op, err := admin(ctx, "delete-field")
			if err != nil {
				return nil, err
			}
			if err := s.eng.Tables.DeleteField(ctx, op.p.TenantID(), in.TableID, in.FieldID); err != nil {
				return nil, op.fail(err)
			}
			return &Empty{}, nil
		})
	register(api, http.MethodPut, "/tables/{tableId}/field-order", "reorder-fields", "Set the order of the fields", tags,
		func(ctx context.Context, in *FieldOrderInput) (*TableOutput, error) {
			op, err := admin(ctx, "reorder-fields")
			if err != nil {
				return nil, err
			}
			if err := s.eng.Tables.ReorderFields(ctx, op.p.TenantID(), in.TableID, in.Body.FieldIDs); err != nil {
				return nil, op.fail(err)
			}
			t, err := s.eng.Tables.GetTable(ctx, op.p.TenantID(), in.TableID)
			if err != nil {
				return nil, op.fail(err)
			}
			return &TableOutput{Body: t}, nil
		})

	rtags := []string{"Records"}
	register(api, http.MethodGet, "/tables/{tableId}/records", "list-records", "List records (masked), or find one by index value", rtags,
		func(ctx context.Context, in *ListRecordsInput) (*RecordsOutput, error) {
			op, err := admin(ctx, "list-records")
			if err != nil {
				return nil, err
			}
			out := &RecordsOutput{}
			out.Body.Items = []tables.RecordView{}
			if in.Index != "" {
				v, err := s.eng.Tables.FindView(ctx, op.p.TenantID(), in.TableID, in.Index, false)
				if err != nil {
					return nil, op.fail(err)
				}
				if v != nil {
					out.Body.Items, out.Body.Total = append(out.Body.Items, *v), 1
				}
				return out, nil
			}
			sc, recs, total, err := s.eng.Tables.ListRecords(ctx, op.p.TenantID(), in.TableID, in.Offset, in.Limit)
			if err != nil {
				return nil, op.fail(err)
			}
			out.Body.Total = total
			for _, r := range recs {
				out.Body.Items = append(out.Body.Items, sc.View(r, false))
			}
			return out, nil
		})
	register(api, http.MethodPost, "/tables/{tableId}/records", "create-record", "Create a record", rtags,
		func(ctx context.Context, in *RecordValuesInput) (*RecordOutput, error) {
			op, err := admin(ctx, "create-record")
			if err != nil {
				return nil, err
			}
			r, err := s.eng.Tables.CreateRecord(ctx, op.p.TenantID(), in.TableID, in.Body.Values)
			if err != nil {
				return nil, op.fail(err)
			}
			return s.recordOutput(op, in.TableID, r.ID)
		})
	register(api, http.MethodGet, "/tables/{tableId}/records/{recordId}", "get-record", "Get a record (masked)", rtags,
		func(ctx context.Context, in *RecordIDPath) (*RecordOutput, error) {
			op, err := admin(ctx, "get-record")
			if err != nil {
				return nil, err
			}
			return s.recordOutput(op, in.TableID, in.RecordID)
		})
	register(api, http.MethodPatch, "/tables/{tableId}/records/{recordId}", "update-record", "Change a record; fields left out keep their values", rtags,
		func(ctx context.Context, in *UpdateRecordInput) (*RecordOutput, error) {
			op, err := admin(ctx, "update-record")
			if err != nil {
				return nil, err
			}
			if err := s.updateRecord(ctx, op.p.TenantID(), in.TableID, in.RecordID, in.Body.Values); err != nil {
				return nil, op.fail(err)
			}
			return s.recordOutput(op, in.TableID, in.RecordID)
		})
	register(api, http.MethodDelete, "/tables/{tableId}/records/{recordId}", "delete-record", "Delete a record", rtags,
		func(ctx context.Context, in *RecordIDPath) (*Empty, error) {
			op, err := admin(ctx, "delete-record")
			if err != nil {
				return nil, err
			}
			if err := s.eng.Tables.DeleteRecord(ctx, op.p.TenantID(), in.TableID, in.RecordID); err != nil {
				return nil, op.fail(err)
			}
			return &Empty{}, nil
		})
	register(api, http.MethodPost, "/tables/{tableId}/records/{recordId}/reveal", "reveal-value",
		"Reveal one masked value (needs the reveal permission or scope; audited)", rtags,
		func(ctx context.Context, in *RevealInput) (*RevealOutput, error) {
			op, err := s.require(ctx, "reveal-value", accounts.RoleAdmin, accounts.RoleAgent)
			if err != nil {
				return nil, err
			}
			v, err := s.eng.Tables.Reveal(ctx, revealRequest(op.p, in.TableID, in.RecordID, in.Body.FieldID, in.Body.CallID))
			if err != nil {
				return nil, op.fail(err)
			}
			out := &RevealOutput{}
			out.Body.Value = v
			return out, nil
		})

	register(api, http.MethodGet, "/audit", "list-audit", "Read the tenant's audit log (e.g. reveals)", []string{"Audit"},
		func(ctx context.Context, in *AuditInput) (*AuditOutput, error) {
			op, err := admin(ctx, "list-audit")
			if err != nil {
				return nil, err
			}
			es, err := audit.List(ctx, s.eng.DB, op.p.TenantID(), in.Action, in.Limit)
			if err != nil {
				return nil, op.fail(err)
			}
			out := &AuditOutput{}
			out.Body.Items = es
			if es == nil {
				out.Body.Items = []audit.Entry{}
			}
			return out, nil
		})
}

func revealRequest(p *accounts.Principal, tableID, recordID, fieldID int64, callID string) tables.RevealRequest {
	req := tables.RevealRequest{
		TenantID: p.TenantID(), CanReveal: p.Can(accounts.PermReveal),
		TableID: tableID, RecordID: recordID, FieldID: fieldID, CallID: callID,
	}
	if p.User != nil {
		req.UserID = &p.User.ID
	}
	return req
}

func (s *Server) recordOutput(op apiOp, tableID, recordID int64) (*RecordOutput, error) {
	sc, r, err := s.eng.Tables.GetRecord(op.ctx, op.p.TenantID(), tableID, recordID)
	if err != nil {
		return nil, op.fail(err)
	}
	return &RecordOutput{Body: sc.View(r, false)}, nil
}

// updateRecord applies a partial change: values not given keep their
// stored value, so a user who cannot see a masked value can still edit the
// rest of the record without erasing it.
func (s *Server) updateRecord(ctx context.Context, tenantID, tableID, recordID int64, values map[string]string) error {
	sc, r, err := s.eng.Tables.GetRecord(ctx, tenantID, tableID, recordID)
	if err != nil {
		return err
	}
	merged := make(map[string]string, len(sc.Fields))
	for _, f := range sc.Fields {
		merged[f.Name] = r.Values[f.ID]
	}
	for k, v := range values {
		merged[k] = v
	}
	_, err = s.eng.Tables.UpdateRecord(ctx, tenantID, tableID, recordID, merged)
	return err
}
