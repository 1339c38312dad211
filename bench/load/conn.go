package load

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// requestTimeout bounds one request, from writing it to reading the whole response.
const requestTimeout = 30 * time.Second

// target is the HTTP/1.1 request every client sends, built once: wrk's way of driving a
// server, so the load generator spends little CPU of its own on each request (it shares a
// core with the subgraphs in the gateway benchmark).
type target struct {
	addr    string // host:port to dial
	request []byte // the whole request, headers and body
}

func newTarget(cfg Config) (*target, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("%s: only http:// URLs are supported", cfg.URL)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	method := http.MethodPost
	if cfg.Body == nil {
		method = http.MethodGet
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: shopgraph-bench\r\n", method, u.RequestURI(), u.Host)
	h := cfg.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Accept", "application/graphql-response+json, application/json")
	if cfg.Body != nil {
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(cfg.Body)))
	}
	if err := h.Write(&b); err != nil {
		return nil, err
	}
	b.WriteString("\r\n")
	b.Write(cfg.Body)
	return &target{addr: addr, request: b.Bytes()}, nil
}

// client is one keep-alive connection sending the target's request again and again. It
// reconnects after an error or when the server closes the connection.
type client struct {
	t    *target
	mu   sync.Mutex // guards conn against close from the context's AfterFunc
	conn net.Conn
	r    *bufio.Reader
	body []byte // the last response body, reused
	stop func() bool
}

func (t *target) client(ctx context.Context) *client {
	c := &client{t: t}
	c.stop = context.AfterFunc(ctx, func() { c.close() })
	return c
}

func (c *client) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn = nil
	}
}

// release closes the connection and stops watching the context.
func (c *client) release() {
	c.stop()
	c.close()
}

var (
	errorsKey        = []byte(`"errors"`)
	errMalformed     = errors.New("malformed HTTP response")
	headContentLen   = []byte("content-length")
	headTransferEnc  = []byte("transfer-encoding")
	headConnection   = []byte("connection")
	valueChunked     = []byte("chunked")
	valueClose       = []byte("close")
	status200        = []byte(" 200")
	maxResponseBytes = 64 << 20
)

// do sends the request and reads the response; the body is valid until the next call. It
// fails on anything but a 200 whose body has no "errors". A body equal to same, a response
// already checked, has none either: comparing is ten times cheaper than searching.
func (c *client) do(ctx context.Context, same []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if conn == nil {
		var d net.Dialer
		var err error
		if conn, err = d.DialContext(ctx, "tcp", c.t.addr); err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.conn = conn
		c.mu.Unlock()
		if ctx.Err() != nil { // cancelled while dialling: AfterFunc may have run already
			c.close()
			return nil, ctx.Err()
		}
		if c.r == nil {
			c.r = bufio.NewReaderSize(conn, 64<<10)
		} else {
			c.r.Reset(conn)
		}
	}
	body, keep, err := c.roundTrip(conn)
	if err != nil || !keep {
		c.close()
	}
	if err != nil {
		return nil, err
	}
	if same != nil && bytes.Equal(body, same) {
		return body, nil
	}
	if i := bytes.Index(body, errorsKey); i >= 0 {
		return nil, fmt.Errorf("response has errors: %.300s", body[i:])
	}
	return body, nil
}

// roundTrip writes the request and reads one response: status line, headers, then a body
// sized by Content-Length, chunked, or running to the end of the connection.
func (c *client) roundTrip(conn net.Conn) (body []byte, keep bool, err error) {
	if err := conn.SetDeadline(time.Now().Add(requestTimeout)); err != nil {
		return nil, false, err
	}
	if _, err := conn.Write(c.t.request); err != nil {
		return nil, false, err
	}
	status, err := c.line()
	if err != nil {
		return nil, false, err
	}
	ok := len(status) >= 12 && bytes.HasPrefix(status, []byte("HTTP/1.")) && bytes.Equal(status[8:12], status200) &&
		(len(status) == 12 || status[12] == ' ')
	length, chunked, keep := -1, false, !bytes.HasPrefix(status, []byte("HTTP/1.0"))
	for {
		line, err := c.line()
		if err != nil {
			return nil, false, err
		}
		if len(line) == 0 {
			break
		}
		name, value, found := bytes.Cut(line, []byte(":"))
		if !found {
			return nil, false, errMalformed
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, headContentLen):
			n, err := strconv.Atoi(string(value))
			if err != nil || n < 0 || n > maxResponseBytes {
				return nil, false, errMalformed
			}
			length = n
		case bytes.EqualFold(name, headTransferEnc):
			chunked = bytes.EqualFold(value, valueChunked)
		case bytes.EqualFold(name, headConnection):
			keep = keep && !bytes.EqualFold(value, valueClose)
		}
	}
	c.body = c.body[:0]
	switch {
	case chunked:
		err = c.readChunked()
	case length >= 0:
		err = c.readN(length)
	default:
		keep = false
		c.body, err = readAll(c.r, c.body)
	}
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, fmt.Errorf("%s: %.200s", status, c.body)
	}
	return c.body, keep, nil
}

// line reads one CRLF-terminated line without its ending.
func (c *client) line() ([]byte, error) {
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errMalformed
		}
		return nil, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}

func (c *client) readN(n int) error {
	start := len(c.body)
	c.body = grow(c.body, n)
	_, err := io.ReadFull(c.r, c.body[start:start+n])
	return err
}

func (c *client) readChunked() error {
	for {
		line, err := c.line()
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 32)
		if err != nil || n < 0 || len(c.body)+int(n) > maxResponseBytes {
			return errMalformed
		}
		if n == 0 {
			for { // trailers, up to the empty line
				line, err := c.line()
				if err != nil {
					return err
				}
				if len(line) == 0 {
					return nil
				}
			}
		}
		if err := c.readN(int(n)); err != nil {
			return err
		}
		if line, err := c.line(); err != nil || len(line) != 0 {
			return errMalformed
		}
	}
}

// grow extends b by n bytes, keeping its contents.
func grow(b []byte, n int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), len(b)+n+len(b)/4)
		copy(nb, b)
		b = nb
	}
	return b[:len(b)+n]
}

func readAll(r io.Reader, b []byte) ([]byte, error) {
	for {
		if len(b) > maxResponseBytes {
			return nil, errMalformed
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
