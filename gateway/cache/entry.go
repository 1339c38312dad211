package cache

import (
	"encoding/binary"
	"errors"
	"time"
)

// Entry is one cached value: a whole response body or one entity's JSON.
type Entry struct {
	Body   []byte
	ETag   string // strong validator of Body (responses only)
	Tags   []string
	Stored time.Time
	MaxAge time.Duration
	Scope  Scope
}

// Fresh reports whether the entry is within its maxAge at now.
func (e *Entry) Fresh(now time.Time) bool { return now.Before(e.Stored.Add(e.MaxAge)) }

// Age is how old the entry is at now, in whole seconds (the HTTP Age header).
func (e *Entry) Age(now time.Time) time.Duration { return now.Sub(e.Stored).Truncate(time.Second) }

// Remaining is the maxAge left at now, never negative.
func (e *Entry) Remaining(now time.Time) time.Duration {
	return max(0, e.Stored.Add(e.MaxAge).Sub(now))
}

// size is what the entry weighs in the in-process tier.
func (e *Entry) size(key string) uint32 {
	n := len(key) + len(e.Body) + len(e.ETag) + 96
	for _, t := range e.Tags {
		n += len(t) + 16
	}
	return uint32(min(n, 1<<31))
}

// encoding in Redis: version, stored (unix ns), maxAge (ns), scope, etag, tags, body.
const entryVersion = 1

func (e *Entry) marshal() []byte {
	b := make([]byte, 0, 32+len(e.ETag)+len(e.Body)+16*len(e.Tags))
	b = append(b, entryVersion)
	b = binary.AppendVarint(b, e.Stored.UnixNano())
	b = binary.AppendVarint(b, int64(e.MaxAge))
	b = append(b, byte(e.Scope))
	b = appendBytes(b, []byte(e.ETag))
	b = binary.AppendUvarint(b, uint64(len(e.Tags)))
	for _, t := range e.Tags {
		b = appendBytes(b, []byte(t))
	}
	return append(b, e.Body...)
}

func appendBytes(b, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errCorrupt = errors.New("cache: corrupt entry")

func unmarshalEntry(b []byte) (*Entry, error) {
	if len(b) < 1 || b[0] != entryVersion {
		return nil, errCorrupt
	}
	r := reader{b: b[1:]}
	e := &Entry{}
	e.Stored = time.Unix(0, r.varint())
	e.MaxAge = time.Duration(r.varint())
	e.Scope = Scope(r.byte())
	e.ETag = string(r.bytes())
	n := r.uvarint()
	if n > 1<<16 {
		return nil, errCorrupt
	}
	for i := uint64(0); i < n && r.err == nil; i++ {
		e.Tags = append(e.Tags, string(r.bytes()))
	}
	if r.err != nil {
		return nil, r.err
	}
	e.Body = r.b
	return e, nil
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errCorrupt
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errCorrupt
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		r.err = errCorrupt
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errCorrupt
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}
