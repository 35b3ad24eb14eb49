// Package calls takes call events from the telephony side (Ringing,
// Talking, Release, Switch for an agent, with the call data and associated
// data) and identity-verification results, stores them, and tells every
// screenpop instance through PostgreSQL LISTEN/NOTIFY, so an agent's
// workspace gets its pops whichever instance it is connected to.
package calls

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/engine/pops/dialect"
	"github.com/screenpop/screenpop/internal/apperr"
)

// Event names (SPEC §8), plus Outbound for dial-out requests.
const (
	Ringing  = "Ringing"
	Talking  = "Talking"
	Release  = "Release"
	Switch   = "Switch"
	Outbound = "Outbound"
)

// Events lists the events the telephony side may send.
var Events = []string{Ringing, Talking, Release, Switch}

// CallDataKeys are the nine call-data parameters.
var CallDataKeys = []string{"callerNum", "calledNum", "callid", "mediaType", "callType", "workNo", "callskill", "callskillid", "agentName"}

// Event is one stored call event.
type Event struct {
	bun.BaseModel `bun:"table:call_events,alias:ce"`

	ID        int64             `bun:",pk,autoincrement" json:"id"`
	TenantID  int64             `bun:",notnull" json:"-"`
	WorkNo    string            `bun:",notnull" json:"workNo"`
	Event     string            `bun:",notnull" json:"event"`
	CallID    string            `bun:",notnull" json:"callId"`
	MediaType string            `bun:",notnull" json:"mediaType"`
	CallData  map[string]string `bun:"-" json:"callData"`
	AssocData map[string]string `bun:"-" json:"assocData"`
	Source    string            `bun:",notnull" json:"source"`
	At        time.Time         `bun:",nullzero,notnull,default:current_timestamp" json:"at"`
	// Sealed holds CallData and AssocData sealed with the tenant's key:
	// customer numbers and associated data are never stored in clear.
	Sealed []byte `bun:",notnull" json:"-"`
}

// eventContent is what an event's Sealed holds.
type eventContent struct {
	CallData  map[string]string `json:"c"`
	AssocData map[string]string `json:"a"`
}

// Sealer seals values with the tenant's data key (the tables keyring).
type Sealer interface {
	Seal(ctx context.Context, tenantID int64, plaintext, ad []byte) ([]byte, error)
	Open(ctx context.Context, tenantID int64, ciphertext, ad []byte) ([]byte, error)
}

// eventAD binds a sealed event to its tenant, agent and call, so sealed
// content cannot be moved to another tenant's or agent's row.
func eventAD(tenantID int64, workNo, callID string) []byte {
	return []byte(fmt.Sprintf("screenpop:call-event:%d:%s:%s", tenantID, workNo, callID))
}

func verifyAD(tenantID int64, callID, code string) []byte {
	return []byte(fmt.Sprintf("screenpop:verify:%d:%s:%s", tenantID, callID, code))
}

// open fills CallData and AssocData from Sealed.
func (s *Service) open(ctx context.Context, e *Event) error {
	pt, err := s.sealer.Open(ctx, e.TenantID, e.Sealed, eventAD(e.TenantID, e.WorkNo, e.CallID))
	if err != nil {
		return fmt.Errorf("open call event %d: %w", e.ID, err)
	}
	var c eventContent
	if err := json.Unmarshal(pt, &c); err != nil {
		return fmt.Errorf("open call event %d: %w", e.ID, err)
	}
	e.CallData, e.AssocData = c.CallData, c.AssocData
	if e.CallData == nil {
		e.CallData = map[string]string{}
	}
	if e.AssocData == nil {
		e.AssocData = map[string]string{}
	}
	return nil
}

// Tab is the workspace tab an event belongs to: multimedia for chats,
// audio/video for calls (Huawei mediaType 5/53 and the Web API's chat
// channels are multimedia).
func (e *Event) Tab() string {
	switch strings.ToLower(e.MediaType) {
	case "5", "53", "wechat", "web", "email", "whatsapp", "multimedia", "chat":
		return "multimedia"
	}
	return "audio"
}

// EventInput is an event as the API takes it.
type EventInput struct {
	Event     string            `json:"event" enum:"Ringing,Talking,Release,Switch"`
	WorkNo    string            `json:"workNo" doc:"The agent's work number"`
	CallData  map[string]string `json:"callData" doc:"callerNum, calledNum, callid, mediaType, callType, workNo, callskill, callskillid, agentName"`
	AssocData map[string]string `json:"calldata,omitempty" doc:"Associated data (随路数据)"`
}

var (
	workNoPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)
	codePattern   = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
)

// maxValueLength bounds every call value: they come from outside.
const maxValueLength = 256

// notifyChannel is the LISTEN/NOTIFY channel of all instances.
const notifyChannel = "screenpop_calls"

// Notice is what travels through NOTIFY: small, so the payload limit of
// 8000 bytes is never near; listeners load the details by id.
type Notice struct {
	TenantID int64  `json:"t"`
	WorkNo   string `json:"w"`
	Kind     string `json:"k"` // event | verify
	ID       int64  `json:"id,omitempty"`
	CallID   string `json:"c,omitempty"`
}

// agentTurnLock is the first key of the advisory locks that order an
// agent's events (the second is a hash of tenant and agent). Two-key
// advisory locks never conflict with the one-key locks of the importer.
const agentTurnLock = 0x5c9e0004

// Service stores call events and verification results.
type Service struct {
	db     bun.IDB
	sealer Sealer
	now    func() time.Time
	// OnRecord, when set, is called for every event stored (metrics).
	OnRecord func()
}

// New returns the calls service; sealer is the tenant keyring.
func New(db bun.IDB, sealer Sealer) *Service { return &Service{db: db, sealer: sealer, now: time.Now} }

func (in *EventInput) validate(allowOutbound bool) error {
	var v apperr.Fields
	if !slices.Contains(Events, in.Event) && !(allowOutbound && in.Event == Outbound) {
		v.Add("event", "call.event")
	}
	in.WorkNo = strings.TrimSpace(in.WorkNo)
	if in.WorkNo == "" && in.CallData != nil {
		in.WorkNo = strings.TrimSpace(in.CallData["workNo"])
	}
	if !workNoPattern.MatchString(in.WorkNo) {
		v.Add("workNo", "field.work_no")
	}
	clean := map[string]string{}
	for k, val := range in.CallData {
		if !slices.Contains(CallDataKeys, k) {
			v.Add("callData."+k, "call.unknown_param", k)
			continue
		}
		if len(val) > maxValueLength {
			v.Add("callData."+k, "field.too_long", maxValueLength)
			continue
		}
		if k == "callerNum" || k == "calledNum" {
			// A middleware that passes on a platform's query may hand us
			// "+86…" decoded as " 86…" (seed 000 callNumber=+86…).
			val = dialect.RestorePlus(val)
		}
		clean[k] = strings.TrimSpace(val)
	}
	clean["workNo"] = in.WorkNo
	in.CallData = clean
	if len(in.AssocData) > 50 {
		v.Add("calldata", "call.too_much_assoc", 50)
	}
	for k, val := range in.AssocData {
		if len(k) > 64 || len(val) > 1024 {
			v.Add("calldata."+k, "field.too_long", 1024)
		}
	}
	if in.AssocData == nil {
		in.AssocData = map[string]string{}
	}
	return v.Err()
}

// Record validates and stores an event and notifies every instance, in one
// transaction: the notice goes out only if the event is stored.
func (s *Service) Record(ctx context.Context, tenantID int64, in EventInput, source string) (*Event, error) {
	if err := in.validate(source == "workspace"); err != nil {
		return nil, err
	}
	e := &Event{TenantID: tenantID, WorkNo: in.WorkNo, Event: in.Event, CallID: in.CallData["callid"],
		MediaType: in.CallData["mediaType"], CallData: in.CallData, AssocData: in.AssocData, Source: source}
	content, _ := json.Marshal(eventContent{CallData: e.CallData, AssocData: e.AssocData})
	sealed, err := s.sealer.Seal(ctx, tenantID, content, eventAD(tenantID, e.WorkNo, e.CallID))
	if err != nil {
		return nil, fmt.Errorf("seal call event: %w", err)
	}
	e.Sealed = sealed
	// One statement, so one round trip and still atomic: the notice is sent
	// when the insert commits, and only then. The payload is the Notice
	// shape (t, w, k, id, c).
	//
	// sql.Row.Scan, not bun's Scan: PostgreSQL sends the new row before the
	// statement commits, and bun stops reading after the first row, so a
	// commit that then fails went unseen and the event was reported stored.
	// That happens when the primary dies while the commit waits for its
	// synchronous standby: the commit is local only, the standby promoted
	// never had it, and a 201 was given for an event that is gone. Row.Scan
	// reads the exchange to its end and returns the commit's error.
	//
	// The agent's turn (a transaction lock on the agent) comes before the
	// id: ids come from a sequence in the order requests ask, not in the
	// order they commit, and streams catch up with "the agent's events
	// after the last id sent". Two events of one agent at once would
	// otherwise let the lower id commit last, after a catch-up had moved
	// past it. Agents do not wait for each other (but for the rare two
	// whose hashes collide).
	err = s.db.QueryRowContext(ctx, `
		WITH turn AS (SELECT pg_advisory_xact_lock(?, hashtext(?::text))),
		ins AS (
			INSERT INTO call_events (tenant_id, work_no, event, call_id, media_type, sealed, source)
			SELECT ?, ?, ?, ?, ?, ?::bytea, ? FROM turn
			RETURNING id, at)
		SELECT ins.id, ins.at FROM ins
		CROSS JOIN LATERAL (SELECT pg_notify(?, json_build_object('t', ?::bigint, 'w', ?::text, 'k', 'event',
			'id', ins.id, 'c', ?::text)::text)) AS n`,
		agentTurnLock, fmt.Sprintf("%d:%s", tenantID, e.WorkNo),
		tenantID, e.WorkNo, e.Event, e.CallID, e.MediaType, sealed, source,
		notifyChannel, tenantID, e.WorkNo, e.CallID,
	).Scan(&e.ID, &e.At)
	if err != nil {
		return nil, fmt.Errorf("record call event: %w", err)
	}
	if s.OnRecord != nil {
		s.OnRecord()
	}
	return e, nil
}

func notify(ctx context.Context, db bun.IDB, n Notice) error {
	payload, _ := json.Marshal(n)
	_, err := db.ExecContext(ctx, "SELECT pg_notify(?, ?)", notifyChannel, string(payload))
	return err
}

// Event returns one event of the tenant.
func (s *Service) Event(ctx context.Context, tenantID, id int64) (*Event, error) {
	e := new(Event)
	err := s.db.NewSelect().Model(e).Where("id = ? AND tenant_id = ?", id, tenantID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("call.not_found")
	}
	if err != nil {
		return nil, err
	}
	return e, s.open(ctx, e)
}

// LastCall returns the agent's latest call event (not an outbound request),
// so a reloaded workspace shows the last customer again; nil when none.
func (s *Service) LastCall(ctx context.Context, tenantID int64, workNo string) (*Event, error) {
	e := new(Event)
	err := s.db.NewSelect().Model(e).Where("tenant_id = ? AND work_no = ? AND event <> ?", tenantID, workNo, Outbound).
		Order("id DESC").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return e, s.open(ctx, e)
}

// VerifyResult is an identity-verification result (H4.4.5).
type VerifyResult struct {
	bun.BaseModel `bun:"table:verify_results,alias:vr"`

	TenantID       int64     `bun:",pk" json:"-"`
	CallID         string    `bun:",pk" json:"callId"`
	VerifyTypeCode string    `bun:",pk" json:"verifyTypeCode"`
	VerifyResult   int       `bun:",notnull" json:"verifyResult" minimum:"0" maximum:"3" doc:"0 none, 1 passed, 2 failed, 3 error"`
	VerifyReturn1  string    `bun:"-" json:"verifyReturn1"`
	VerifyReturn2  string    `bun:"-" json:"verifyReturn2"`
	VerifyReturn3  string    `bun:"-" json:"verifyReturn3"`
	At             time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"at"`
	// Sealed holds the three returns (verification codes), sealed with the
	// tenant's key.
	Sealed []byte `bun:",notnull" json:"-"`
}

// VerifyInput is a result as the API takes it.
type VerifyInput struct {
	VerifyTypeCode string `json:"verifyTypeCode" doc:"Letters, digits and underscores"`
	VerifyResult   int    `json:"verifyResult" doc:"0 none, 1 passed, 2 failed, 3 error"`
	VerifyReturn1  string `json:"verifyReturn1,omitempty" maxLength:"256"`
	VerifyReturn2  string `json:"verifyReturn2,omitempty" maxLength:"256"`
	VerifyReturn3  string `json:"verifyReturn3,omitempty" maxLength:"256"`
}

// ValidVerifyCode reports whether a verification type code is well formed.
func ValidVerifyCode(code string) bool { return codePattern.MatchString(code) }

// Verify stores a verification result for a call and tells the agent's
// workspace (the agent is the one of the call's latest event).
func (s *Service) Verify(ctx context.Context, tenantID int64, callID string, in VerifyInput) (*VerifyResult, error) {
	var v apperr.Fields
	callID = strings.TrimSpace(callID)
	if callID == "" || len(callID) > maxValueLength {
		v.Add("callid", "field.required")
	}
	if !ValidVerifyCode(in.VerifyTypeCode) {
		v.Add("verifyTypeCode", "call.verify_code")
	}
	if in.VerifyResult < 0 || in.VerifyResult > 3 {
		v.Add("verifyResult", "field.range", 0, 3)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	r := &VerifyResult{TenantID: tenantID, CallID: callID, VerifyTypeCode: in.VerifyTypeCode, VerifyResult: in.VerifyResult,
		VerifyReturn1: in.VerifyReturn1, VerifyReturn2: in.VerifyReturn2, VerifyReturn3: in.VerifyReturn3}
	returns, _ := json.Marshal([3]string{r.VerifyReturn1, r.VerifyReturn2, r.VerifyReturn3})
	sealed, err := s.sealer.Seal(ctx, tenantID, returns, verifyAD(tenantID, callID, in.VerifyTypeCode))
	if err != nil {
		return nil, fmt.Errorf("seal verification: %w", err)
	}
	r.Sealed = sealed
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(r).On("CONFLICT (tenant_id, call_id, verify_type_code) DO UPDATE").
			Set("verify_result = EXCLUDED.verify_result, sealed = EXCLUDED.sealed, at = now()").
			Exec(ctx); err != nil {
			return err
		}
		var workNo string
		err := tx.NewSelect().Model((*Event)(nil)).Column("work_no").Where("tenant_id = ? AND call_id = ?", tenantID, callID).
			Order("id DESC").Limit(1).Scan(ctx, &workNo)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // no workspace knows this call; the result waits for getVerifyResult
		}
		if err != nil {
			return err
		}
		return notify(ctx, tx, Notice{TenantID: tenantID, WorkNo: workNo, Kind: "verify", CallID: callID})
	})
	if err != nil {
		return nil, fmt.Errorf("store verification: %w", err)
	}
	return r, nil
}

// VerifyResults returns the results of a call.
func (s *Service) VerifyResults(ctx context.Context, tenantID int64, callID string) ([]VerifyResult, error) {
	var rs []VerifyResult
	err := s.db.NewSelect().Model(&rs).Where("tenant_id = ? AND call_id = ?", tenantID, callID).Order("verify_type_code").Scan(ctx)
	if err != nil {
		return nil, err
	}
	for i := range rs {
		r := &rs[i]
		pt, err := s.sealer.Open(ctx, tenantID, r.Sealed, verifyAD(tenantID, r.CallID, r.VerifyTypeCode))
		if err != nil {
			return nil, fmt.Errorf("open verification: %w", err)
		}
		var returns [3]string
		if err := json.Unmarshal(pt, &returns); err != nil {
			return nil, fmt.Errorf("open verification: %w", err)
		}
		r.VerifyReturn1, r.VerifyReturn2, r.VerifyReturn3 = returns[0], returns[1], returns[2]
	}
	return rs, nil
}

// EventsAfter returns an agent's events after id, oldest first (the ones a
// reconnecting workspace missed).
func (s *Service) EventsAfter(ctx context.Context, tenantID int64, workNo string, afterID int64, limit int64) ([]Event, error) {
	var es []Event
	err := s.db.NewSelect().Model(&es).Where("tenant_id = ? AND work_no = ? AND id > ?", tenantID, workNo, afterID).
		Order("id").Limit(limit).Scan(ctx)
	if err != nil {
		return nil, err
	}
	for i := range es {
		if err := s.open(ctx, &es[i]); err != nil {
			return nil, err
		}
	}
	return es, nil
}

// Purge deletes the call events and verification results older than
// retention, for every tenant: call data is kept only as long as the
// operator says (SCREENPOP_CALL_RETENTION_DAYS). It returns how many rows
// went.
func (s *Service) Purge(ctx context.Context, retention time.Duration) (int64, error) {
	before := s.now().Add(-retention)
	var total int64
	for _, table := range []string{"call_events", "verify_results"} {
		res, err := s.db.NewDelete().TableExpr(table).Where("at < ?", before).Exec(ctx)
		if err != nil {
			return total, fmt.Errorf("purge %s: %w", table, err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}

// LatestID is the id of the agent's latest event of any kind, 0 when there
// is none: where a stream that starts without a cursor starts catching up.
func (s *Service) LatestID(ctx context.Context, tenantID int64, workNo string) (int64, error) {
	var id int64
	err := s.db.NewSelect().Model((*Event)(nil)).ColumnExpr("coalesce(max(id), 0)").
		Where("tenant_id = ? AND work_no = ?", tenantID, workNo).Scan(ctx, &id)
	return id, err
}
