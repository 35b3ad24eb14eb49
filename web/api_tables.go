package web

import (
	"context"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/auditlog"
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
		Items []auditlog.Entry `json:"items"`
	}
}

func (s *Server) apiListTables(ctx context.Context, c caller, _ *struct{}) (*TablesOutput, error) {
	ts, err := s.eng.Tables.ListTables(ctx, c.TenantID())
	if err != nil {
		return nil, err
	}
	out := &TablesOutput{}
	out.Body.Items = ts
	if ts == nil {
		out.Body.Items = []tables.TableSummary{}
	}
	return out, nil
}

func (s *Server) apiCreateTable(ctx context.Context, c caller, in *TableInput) (*TableOutput, error) {
	t, err := s.eng.Tables.CreateTable(ctx, c.TenantID(), tables.TableInput{Name: in.Body.Name, Description: in.Body.Description})
	if err != nil {
		return nil, err
	}
	return &TableOutput{Body: t}, nil
}

func (s *Server) apiGetTable(ctx context.Context, c caller, in *TableIDPath) (*TableOutput, error) {
	t, err := s.eng.Tables.GetTable(ctx, c.TenantID(), in.TableID)
	if err != nil {
		return nil, err
	}
	return &TableOutput{Body: t}, nil
}

func (s *Server) apiUpdateTable(ctx context.Context, c caller, in *UpdateTableInput) (*TableOutput, error) {
	t, err := s.eng.Tables.UpdateTable(ctx, c.TenantID(), in.TableID, tables.TableInput{Name: in.Body.Name, Description: in.Body.Description})
	if err != nil {
		return nil, err
	}
	return &TableOutput{Body: t}, nil
}

func (s *Server) apiDeleteTable(ctx context.Context, c caller, in *TableIDPath) (*Empty, error) {
	if err := s.eng.Tables.DeleteTable(ctx, c.TenantID(), in.TableID); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Server) apiPublishTable(ctx context.Context, c caller, in *TableIDPath) (*TableOutput, error) {
	t, err := s.eng.Tables.Publish(ctx, c.TenantID(), in.TableID)
	if err != nil {
		return nil, err
	}
	return &TableOutput{Body: t}, nil
}

func (s *Server) apiAddField(ctx context.Context, c caller, in *FieldBodyInput) (*FieldOutput, error) {
	f, err := s.eng.Tables.AddField(ctx, c.TenantID(), in.TableID, in.Body)
	if err != nil {
		return nil, err
	}
	return &FieldOutput{Body: f}, nil
}

func (s *Server) apiUpdateField(ctx context.Context, c caller, in *UpdateFieldInput) (*FieldOutput, error) {
	f, err := s.eng.Tables.UpdateField(ctx, c.TenantID(), in.TableID, in.FieldID, in.Body)
	if err != nil {
		return nil, err
	}
	return &FieldOutput{Body: f}, nil
}

func (s *Server) apiDeleteField(ctx context.Context, c caller, in *FieldIDPath) (*Empty, error) {
	if err := s.eng.Tables.DeleteField(ctx, c.TenantID(), in.TableID, in.FieldID); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Server) apiReorderFields(ctx context.Context, c caller, in *FieldOrderInput) (*TableOutput, error) {
	if err := s.eng.Tables.ReorderFields(ctx, c.TenantID(), in.TableID, in.Body.FieldIDs); err != nil {
		return nil, err
	}
	return s.apiGetTable(ctx, c, &in.TableIDPath)
}

func (s *Server) apiListRecords(ctx context.Context, c caller, in *ListRecordsInput) (*RecordsOutput, error) {
	out := &RecordsOutput{}
	out.Body.Items = []tables.RecordView{}
	if in.Index != "" {
		v, err := s.eng.Tables.FindView(ctx, c.TenantID(), in.TableID, in.Index, false)
		if err != nil {
			return nil, err
		}
		if v != nil {
			out.Body.Items, out.Body.Total = append(out.Body.Items, *v), 1
		}
		return out, nil
	}
	sc, recs, total, err := s.eng.Tables.ListRecords(ctx, c.TenantID(), in.TableID, in.Offset, in.Limit)
	if err != nil {
		return nil, err
	}
	out.Body.Total = total
	for _, r := range recs {
		out.Body.Items = append(out.Body.Items, sc.View(r, false))
	}
	return out, nil
}

func (s *Server) apiCreateRecord(ctx context.Context, c caller, in *RecordValuesInput) (*RecordOutput, error) {
	r, err := s.eng.Tables.CreateRecord(ctx, c.TenantID(), in.TableID, in.Body.Values)
	if err != nil {
		return nil, err
	}
	return s.apiGetRecord(ctx, c, &RecordIDPath{TableIDPath: in.TableIDPath, RecordID: r.ID})
}

func (s *Server) apiGetRecord(ctx context.Context, c caller, in *RecordIDPath) (*RecordOutput, error) {
	sc, r, err := s.eng.Tables.GetRecord(ctx, c.TenantID(), in.TableID, in.RecordID)
	if err != nil {
		return nil, err
	}
	return &RecordOutput{Body: sc.View(r, false)}, nil
}

func (s *Server) apiUpdateRecord(ctx context.Context, c caller, in *UpdateRecordInput) (*RecordOutput, error) {
	if err := s.updateRecord(ctx, c.TenantID(), in.TableID, in.RecordID, in.Body.Values); err != nil {
		return nil, err
	}
	return s.apiGetRecord(ctx, c, &in.RecordIDPath)
}

func (s *Server) apiDeleteRecord(ctx context.Context, c caller, in *RecordIDPath) (*Empty, error) {
	if err := s.eng.Tables.DeleteRecord(ctx, c.TenantID(), in.TableID, in.RecordID); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Server) apiRevealValue(ctx context.Context, c caller, in *RevealInput) (*RevealOutput, error) {
	v, err := s.eng.Tables.Reveal(ctx, revealRequest(c.Principal, in.TableID, in.RecordID, in.Body.FieldID, in.Body.CallID))
	if err != nil {
		return nil, err
	}
	out := &RevealOutput{}
	out.Body.Value = v
	return out, nil
}

func (s *Server) apiListAudit(ctx context.Context, c caller, in *AuditInput) (*AuditOutput, error) {
	es, err := s.eng.Audit.List(ctx, c.TenantID(), in.Action, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &AuditOutput{}
	out.Body.Items = es
	return out, nil
}

func revealRequest(p *accounts.Principal, tableID, recordID, fieldID int64, callID string) tables.RevealRequest {
	req := tables.RevealRequest{
		TenantID: p.TenantID(), CanReveal: p.Can(accounts.PermReveal),
		TableID: tableID, RecordID: recordID, FieldID: fieldID, CallID: callID,
		UserID: p.AuditUserID(), Actor: p.AuditDetail(),
	}
	return req
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
